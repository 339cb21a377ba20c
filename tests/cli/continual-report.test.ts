import { describe, expect, it } from 'vitest';
import { ContinualReporter, accuracyMatrixLines, summaryTableLines } from '../../src/cli/continual-report';
import type { ContinualSummary, StreamInfo, TaskResult } from '../../src/engine/continual/events';

/** The readable lines `train` writes for a task stream, from hand-made events (no model runs). */

const stream: StreamInfo = {
  id: 'split-mnist',
  title: 'Split-MNIST',
  tasks: [
    { index: 0, name: 'digits 4, 5', classes: ['4', '5'], trainExamples: 160, testExamples: 40 },
    { index: 1, name: 'digits 0, 1', classes: ['0', '1'], trainExamples: 150, testExamples: 30 },
  ],
};

function result(task: number, over: Partial<TaskResult>): TaskResult {
  return { task, accuracies: [], wholeAccuracy: 0, averageAccuracy: 0, batches: 0, examples: 0, computedExamples: 0, trainMs: 0, evalMs: 0, loss: null, cache: null, trainable: 0, ...over };
}

function summary(over: Partial<ContinualSummary>): ContinualSummary {
  return {
    runId: '0:sequential',
    strategy: 'sequential',
    method: 'lora',
    matrix: [[1], [0.25, 0.875]],
    wholeAccuracy: [1, 0.5],
    averageAccuracy: [1, 0.5625],
    batchesPerTask: [40, 40],
    trainMsPerTask: [2000, 1500],
    lastOverFirstBatches: 1,
    lastOverFirstMs: 0.75,
    cacheHitRate: null,
    cache: null,
    trainable: 4746,
    wallMs: 4000,
    ...over,
  };
}

describe('ContinualReporter', () => {
  it('names the stream, the strategies and each task result, with the task’s own cache hits and misses', () => {
    const r = new ContinualReporter();
    const start = r.onEvent({ type: 'continual-start', stream, runs: [{ runId: '0:dynamic', strategy: 'dynamic', method: 'lora', trainable: 13_426 }] });
    expect(start[0]).toContain('2 tasks');
    expect(start[0]).toContain('1. digits 4, 5 (2 classes, 160 train / 40 test)');
    expect(start[1]).toContain('Dynamic ConPET 13,426');
    const first = r.onEvent({
      type: 'continual-task',
      runId: '0:dynamic',
      result: result(0, { accuracies: [0.975], wholeAccuracy: 0.975, averageAccuracy: 0.975, batches: 60, examples: 480, computedExamples: 480, trainMs: 2400.4, cache: { hits: 0, misses: 480, savedMs: 0 } }),
    });
    expect(first).toEqual([
      '[Dynamic ConPET] task 1/2 (digits 4, 5): seen tasks 97.5 %; whole 97.5%, average 97.5%; 60 batches (480 of 480 examples computed), train 2,400 ms, eval 0 ms; cache 0 hits / 480 misses (0.0%)',
    ]);
    // Cumulative counters 300/780 after task 2: this task alone hit 300 of 600.
    const second = r.onEvent({
      type: 'continual-task',
      runId: '0:dynamic',
      result: result(1, { accuracies: [0.9, 0.5], wholeAccuracy: 0.7286, averageAccuracy: 0.7, batches: 60, examples: 480, computedExamples: 180, trainMs: 1000, cache: { hits: 300, misses: 780, savedMs: 900 } }),
    });
    expect(second[0]).toContain('task 2/2 (digits 0, 1): seen tasks 90.0 | 50.0 %; whole 72.9%, average 70.0%');
    expect(second[0]).toContain('(180 of 480 examples computed)');
    expect(second[0]).toMatch(/cache 300 hits \/ 300 misses \(50\.0%\)$/);
    // Events the report does not show add nothing; no summaries yet, no final block.
    expect(r.onEvent({ type: 'continual-batch', runId: '0:dynamic', task: 1, batch: 10, batches: 60, loss: 0.3, phase: 'module' })).toEqual([]);
    expect(r.finish()).toEqual([]);
  });

  it('ends with each strategy’s accuracy matrix and one summary row per strategy', () => {
    const r = new ContinualReporter();
    r.onEvent({ type: 'continual-end', runId: '0:sequential', summary: summary({}) });
    r.onEvent({
      type: 'continual-end',
      runId: '1:dynamic',
      summary: summary({ runId: '1:dynamic', strategy: 'dynamic', batchesPerTask: [40, 60], lastOverFirstBatches: 1.5, cacheHitRate: 0.25, cache: { hits: 100, misses: 300, savedMs: 1234.4 }, trainable: 13_426 }),
    });
    const lines = r.finish();
    expect(lines.filter((l) => l.includes('accuracy, % (row: after training task k'))).toHaveLength(2);
    const table = lines.slice(lines.indexOf('summary:') + 1);
    expect(table).toHaveLength(3);
    expect(table[0]).toMatch(/^strategy\s+trainable\s+final whole %\s+final average %/);
    expect(table[1].split(/\s{2,}/)).toEqual(['Sequential fine-tuning', '4,746', '50.0', '56.3', '40→40', '1.00×', '2,000→1,500', '0.75×', '–', '–']);
    expect(table[2].split(/\s{2,}/)).toEqual(['Dynamic ConPET', '13,426', '50.0', '56.3', '40→60', '1.50×', '2,000→1,500', '0.75×', '25.0%', '1,234']);
    // Aligned: every row of the table is as wide as the header up to its last column.
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
  });

  it('an accuracy matrix leaves the tasks not yet seen empty and ends each row with whole and average', () => {
    const lines = accuracyMatrixLines(summary({}));
    expect(lines[0]).toMatch(/^Sequential fine-tuning — accuracy/);
    expect(lines[1].split(/\s+/)).toEqual(['after', 'task', '1', 'task', '2', 'whole', 'average']);
    expect(lines[2].trim().split(/\s+/)).toEqual(['task', '1', '100.0', '100.0', '100.0']);
    expect(lines[3].trim().split(/\s+/)).toEqual(['task', '2', '25.0', '87.5', '50.0', '56.3']);
    expect(summaryTableLines([summary({ wholeAccuracy: [], averageAccuracy: [], batchesPerTask: [], trainMsPerTask: [], lastOverFirstBatches: NaN, lastOverFirstMs: NaN, matrix: [] })])[1]).toContain('–→–');
  });
});
