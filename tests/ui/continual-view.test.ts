import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { AccuracyMatrix } from '../../src/ui/continual/AccuracyMatrix';
import { StreamTimeline } from '../../src/ui/continual/StreamTimeline';
import { ContinualSummaryTable } from '../../src/ui/continual/ContinualSummaryTable';
import { accuracyMatrix, applyContinualEvent, EMPTY_CONTINUAL, type ContinualState } from '../../src/ui/continual/continual-store';
import { ACCURACY_MEASURES, BATCHES_MEASURE, taskChartData } from '../../src/ui/continual/task-series';
import { accuracyCellColours } from '../../src/ui/continual/strategy-style';
import { activityText } from '../../src/ui/continual/ContinualView';
import type { ContinualEvent } from '../../src/engine/continual/events';
import { startEvent, streamInfo, summaryOf, taskResult } from './continual-fixtures';

const acc = (k: number, j: number) => [0.9, 0.8, 0.7, 0.6, 0.5][j] - 0.1 * (k - j);

function state(events: ContinualEvent[]): ContinualState {
  return events.reduce(applyContinualEvent, EMPTY_CONTINUAL);
}

function measuredCells(html: string): string[] {
  return [...html.matchAll(/<td data-cell="measured"[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
}

describe('AccuracyMatrix', () => {
  const names = streamInfo().tasks.map((t) => t.name);

  it('prints the percentage in every measured cell of the lower triangle, darker for higher accuracy', () => {
    const results: ContinualEvent[] = [startEvent(['dynamic'])];
    for (let k = 0; k < 3; k++) results.push({ type: 'continual-task', runId: '0:dynamic', result: taskResult(k, acc) });
    const run = state(results).runs[0];
    const html = renderToStaticMarkup(createElement(AccuracyMatrix, { title: 'Dynamic ConPET · LoRA', strategy: 'dynamic', colour: '#047857', rows: accuracyMatrix(run, 5), taskNames: names }));
    // Rows after tasks 1–3 are in: 1 + 2 + 3 cells; rows 4–5 wait (4 + 5 pending); 10 unseen above the diagonal.
    expect(measuredCells(html)).toEqual(['90.0%', '80.0%', '80.0%', '70.0%', '70.0%', '70.0%']);
    expect(html.match(/data-cell="pending"/g)).toHaveLength(9);
    expect(html.match(/data-cell="unseen"/g)).toHaveLength(10);
    expect(html).toContain('data-strategy="dynamic"');
    expect(html).toContain('after task 2, on task 1 (digits 0, 1): 80.0%');
    const dark = accuracyCellColours(1);
    const light = accuracyCellColours(0);
    expect(dark.color).toBe('#ffffff');
    expect(light.color).toBe('#18181b');
    expect(dark.background).not.toBe(light.background);
  });

  it('fills 15 cells once five tasks are in', () => {
    const events: ContinualEvent[] = [startEvent(['sequential'])];
    for (let k = 0; k < 5; k++) events.push({ type: 'continual-task', runId: '0:sequential', result: taskResult(k, () => 0) });
    const html = renderToStaticMarkup(createElement(AccuracyMatrix, { title: 't', strategy: 'sequential', colour: '#000', rows: accuracyMatrix(state(events).runs[0], 5), taskNames: names }));
    expect(measuredCells(html)).toEqual(Array.from({ length: 15 }, () => '0%'));
  });
});

describe('StreamTimeline', () => {
  it('one box per task in stream order: learnt, training now, to come', () => {
    const html = renderToStaticMarkup(createElement(StreamTimeline, { stream: streamInfo(), trainingTask: 2, finishedTasks: 2, activity: 'Dynamic ConPET · LoRA: task 3, module batch 1 of 2' }));
    expect([...html.matchAll(/data-task="(\d)" data-state="(\w+)"/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual(['0:done', '1:done', '2:training', '3:waiting', '4:waiting']);
    expect(html).toContain('aria-current="step"');
    expect(html).toContain('digits 4, 5');
    expect(html).toContain('data-classes="4,5"');
    // The name already says which digits; a name that does not is followed by its classes.
    expect(html).not.toContain('stream-task-classes');
    expect(html).toContain('module batch 1 of 2');
    const eras = streamInfo(2);
    eras.tasks[1] = { ...eras.tasks[1], name: 'Gilded Age', classes: ['Ulysses S. Grant', 'Grover Cleveland'] };
    const named = renderToStaticMarkup(createElement(StreamTimeline, { stream: eras, trainingTask: null, finishedTasks: 2, activity: null }));
    expect(named.match(/class="stream-task-classes"/g)).toHaveLength(1);
    expect(named).toContain('Ulysses S. Grant · Grover Cleveland');
    expect(named).toContain('Every strategy has learnt the whole stream.');
  });

  it('activityText names the strategy, task (from 1) and phase of the last batch', () => {
    const s = state([startEvent(['sequential', 'dynamic']), { type: 'continual-batch', runId: '1:dynamic', task: 3, batch: 1, batches: 2, loss: 1, phase: 'selector' }]);
    expect(activityText(s)).toBe('Dynamic ConPET · LoRA: task 4, selector batch 1 of 2');
    expect(activityText(state([startEvent(['dynamic'])]))).toBeNull();
  });
});

describe('ContinualSummaryTable and the per-task charts', () => {
  const cache = { hits: 3, misses: 1, savedMs: 1500 };
  const events: ContinualEvent[] = [startEvent(['sequential', 'dynamic'])];
  for (let k = 0; k < 2; k++) {
    events.push({ type: 'continual-task', runId: '0:sequential', result: taskResult(k, acc, { batches: 2, trainMs: 100 }) });
    events.push({ type: 'continual-task', runId: '1:dynamic', result: taskResult(k, acc, { batches: 3, trainMs: 100 * (k + 1), cache }) });
  }
  events.push({ type: 'continual-end', runId: '1:dynamic', summary: summaryOf('1:dynamic', 'dynamic', [], { wholeAccuracy: [0.5, 0.625], averageAccuracy: [0.5, 0.6], lastOverFirstBatches: 1, lastOverFirstMs: 2, cacheHitRate: 0.75, cache, trainable: 4321, wallMs: 2500 }) });
  const s = state(events);

  it('one row per strategy: final accuracies, params, cost ratios, cache hit rate and time saved', () => {
    const html = renderToStaticMarkup(createElement(ContinualSummaryTable, { runs: s.runs, tasks: 5 }));
    const row = (strategy: string) => html.slice(html.indexOf(`data-strategy="${strategy}"`)).split('</tr>')[0];
    const cell = (strategy: string, col: string) => row(strategy).match(new RegExp(`data-col="${col}"[^>]*>([^<]*)<`))?.[1];
    expect(row('sequential')).toContain('Sequential fine-tuning · LoRA');
    expect(cell('sequential', 'whole')).toBe('80.0%'); // after task 2: (0.9 − 0.1 + 0.8) / 2
    expect(cell('sequential', 'batches-ratio')).toBe('1.00×');
    expect(cell('sequential', 'cache-hit-rate')).toBe('—');
    // No summary yet: the time so far (2 × (100 + 5) ms), marked not final.
    expect(cell('sequential', 'wall')).toBe('210 ms');
    expect(row('sequential')).toContain('data-final="false"');
    expect(row('dynamic')).toContain('data-final="true"');
    expect(cell('dynamic', 'whole')).toBe('62.5%');
    expect(cell('dynamic', 'average')).toBe('60.0%');
    expect(cell('dynamic', 'trainable')).toBe('4,321');
    expect(cell('dynamic', 'ms-ratio')).toBe('2.00×');
    expect(cell('dynamic', 'cache-hit-rate')).toBe('75.0%');
    expect(cell('dynamic', 'saved')).toBe('1.5 s');
    expect(cell('dynamic', 'wall')).toBe('2.5 s');
  });

  it('chart rows per task (from 1), one line per strategy and measure, gaps where nothing is measured yet', () => {
    const accuracy = taskChartData(s.runs, 5, ACCURACY_MEASURES);
    expect(accuracy.rows.map((r) => r.task)).toEqual([1, 2, 3, 4, 5]);
    expect(accuracy.lines.map((l) => [l.label, l.dashed])).toEqual([
      ['Sequential fine-tuning · LoRA · whole', false],
      ['Sequential fine-tuning · LoRA · average', true],
      ['Dynamic ConPET · LoRA · whole', false],
      ['Dynamic ConPET · LoRA · average', true],
    ]);
    expect(accuracy.rows[1]['whole 0:sequential']).toBeCloseTo(0.8, 12);
    expect(accuracy.rows[0]['average 1:dynamic']).toBeCloseTo(0.9, 12);
    expect(accuracy.rows[2]['whole 0:sequential']).toBeUndefined();
    const batches = taskChartData(s.runs, 5, BATCHES_MEASURE);
    expect(batches.rows.slice(0, 2).map((r) => [r['batches 0:sequential'], r['batches 1:dynamic']])).toEqual([
      [2, 3],
      [2, 3],
    ]);
  });
});
