import { beforeEach, describe, expect, it } from 'vitest';
import {
  accuracyMatrix,
  applyContinualEvent,
  cacheHitRate,
  EMPTY_CONTINUAL,
  finishedTaskCount,
  strategyFigures,
  trainingTaskIndex,
  type ContinualState,
} from '../../src/ui/continual/continual-store';
import { useAppStore } from '../../src/ui/store';
import { DEFAULT_SPEC, parseExperimentSpec } from '../../src/engine/experiment/spec';
import type { ContinualEvent } from '../../src/engine/continual/events';
import { startEvent, summaryOf, taskResult } from './continual-fixtures';

const acc = (k: number, j: number) => 0.5 + 0.1 * j - 0.05 * (k - j);

function applyAll(events: ContinualEvent[], state: ContinualState = EMPTY_CONTINUAL): ContinualState {
  return events.reduce(applyContinualEvent, state);
}

describe('continual events in the store', () => {
  it('continual-start lists the stream and one empty run per strategy', () => {
    const state = applyAll([startEvent(['sequential', 'dynamic'])]);
    expect(state.stream?.tasks).toHaveLength(5);
    expect(state.runs.map((r) => [r.runId, r.strategy, r.method, r.trainable, r.results.length])).toEqual([
      ['0:sequential', 'sequential', 'lora', 1000, 0],
      ['1:dynamic', 'dynamic', 'lora', 1001, 0],
    ]);
    expect(state.active).toBeNull();
  });

  it('each continual-task fills one row of the accuracy matrix, lower triangle only, in any arrival order', () => {
    let state = applyAll([startEvent(['sequential', 'dynamic'])]);
    expect(accuracyMatrix(state.runs[0], 5).flat().every((v) => v === null)).toBe(true);
    state = applyAll(
      [
        { type: 'continual-task', runId: '0:sequential', result: taskResult(0, acc) },
        { type: 'continual-task', runId: '0:sequential', result: taskResult(2, acc) },
        { type: 'continual-task', runId: '0:sequential', result: taskResult(1, acc) },
      ],
      state,
    );
    const matrix = accuracyMatrix(state.runs[0], 5);
    for (let k = 0; k < 5; k++) {
      for (let j = 0; j < 5; j++) {
        if (k <= 2 && j <= k) expect(matrix[k][j]).toBeCloseTo(acc(k, j), 12);
        else expect(matrix[k][j]).toBeNull();
      }
    }
    expect(state.runs[0].results.map((r) => r.task)).toEqual([0, 1, 2]);
    // The other strategy is untouched.
    expect(accuracyMatrix(state.runs[1], 5).flat().every((v) => v === null)).toBe(true);
    expect(finishedTaskCount(state)).toBe(0);
  });

  it('a full stream fills 15 cells of a 5-task matrix; a repeated task replaces its row; extra accuracies beyond the diagonal are not drawn', () => {
    const events: ContinualEvent[] = [startEvent(['dynamic'])];
    for (let k = 0; k < 5; k++) events.push({ type: 'continual-task', runId: '0:dynamic', result: taskResult(k, acc) });
    let state = applyAll(events);
    expect(accuracyMatrix(state.runs[0], 5).flat().filter((v) => v !== null)).toHaveLength(15);
    state = applyContinualEvent(state, { type: 'continual-task', runId: '0:dynamic', result: { ...taskResult(1, () => 0.25), accuracies: [0.25, 0.25, 0.9] } });
    const matrix = accuracyMatrix(state.runs[0], 5);
    expect(matrix[1]).toEqual([0.25, 0.25, null, null, null]);
    expect(state.runs[0].results).toHaveLength(5);
    expect(finishedTaskCount(state)).toBe(5);
  });

  it('events of a run that continual-start did not announce change nothing', () => {
    const state = applyAll([startEvent(['static'])]);
    expect(applyContinualEvent(state, { type: 'continual-task', runId: '9:emr', result: taskResult(0, acc) })).toBe(state);
    expect(applyContinualEvent(state, { type: 'continual-batch', runId: '9:emr', task: 0, batch: 1, batches: 2, loss: 1, phase: 'module' })).toBe(state);
    expect(applyContinualEvent(EMPTY_CONTINUAL, { type: 'continual-end', runId: '0:static', summary: summaryOf('0:static', 'static', []) })).toEqual(EMPTY_CONTINUAL);
  });

  it('continual-batch records the loss and marks the task being trained; that task’s result ends the mark', () => {
    let state = applyAll([
      startEvent(['sequential', 'dynamic']),
      { type: 'continual-batch', runId: '1:dynamic', task: 0, batch: 1, batches: 3, loss: 2.5, phase: 'selector' },
      { type: 'continual-batch', runId: '1:dynamic', task: 0, batch: 2, batches: 3, loss: 2.0, phase: 'module' },
    ]);
    expect(state.runs[1].losses.map((p) => p.loss)).toEqual([2.5, 2.0]);
    expect(state.active).toEqual({ runId: '1:dynamic', task: 0, batch: 2, batches: 3, phase: 'module' });
    expect(trainingTaskIndex(state)).toBe(0);
    // Another strategy's result for the same task does not end this one's mark.
    state = applyContinualEvent(state, { type: 'continual-task', runId: '0:sequential', result: taskResult(0, acc) });
    expect(trainingTaskIndex(state)).toBe(0);
    state = applyContinualEvent(state, { type: 'continual-task', runId: '1:dynamic', result: taskResult(0, acc) });
    expect(trainingTaskIndex(state)).toBeNull();
    expect(finishedTaskCount(state)).toBe(1);
  });

  it('table figures: live from the results, then from the summary', () => {
    const cache = (hits: number, misses: number) => ({ hits, misses, savedMs: hits * 2 });
    let state = applyAll([
      startEvent(['dynamic']),
      { type: 'continual-task', runId: '0:dynamic', result: taskResult(0, acc, { batches: 4, trainMs: 200, cache: cache(0, 10) }) },
    ]);
    let figures = strategyFigures(state.runs[0]);
    expect(figures.tasksDone).toBe(1);
    expect(figures.wholeAccuracy).toBeCloseTo(acc(0, 0), 12);
    expect(figures.batchesRatio).toBeNull();
    expect(figures.cacheHitRate).toBe(0);
    expect(figures.wallMs).toBe(205); // trainMs 200 + evalMs 5, before the summary
    expect(figures.final).toBe(false);
    state = applyContinualEvent(state, { type: 'continual-task', runId: '0:dynamic', result: taskResult(1, acc, { batches: 6, trainMs: 300, cache: cache(30, 10), trainable: 777 }) });
    figures = strategyFigures(state.runs[0]);
    expect(figures.batchesRatio).toBe(1.5);
    expect(figures.msRatio).toBe(1.5);
    expect(figures.cacheHitRate).toBe(0.75);
    expect(figures.savedMs).toBe(60);
    expect(figures.trainable).toBe(777);
    const summary = summaryOf('0:dynamic', 'dynamic', state.runs[0].results, { lastOverFirstBatches: 2, lastOverFirstMs: 3, cacheHitRate: 0.5, cache: cache(40, 40), wallMs: 999 });
    state = applyContinualEvent(state, { type: 'continual-end', runId: '0:dynamic', summary });
    figures = strategyFigures(state.runs[0]);
    expect([figures.batchesRatio, figures.msRatio, figures.cacheHitRate, figures.savedMs, figures.wallMs, figures.final]).toEqual([2, 3, 0.5, 80, 999, true]);
  });

  it('cacheHitRate: hits over lookups; null without a cache or lookups', () => {
    expect(cacheHitRate(null)).toBeNull();
    expect(cacheHitRate({ hits: 0, misses: 0, savedMs: 0 })).toBeNull();
    expect(cacheHitRate({ hits: 1, misses: 3, savedMs: 0 })).toBe(0.25);
  });
});

describe('the app store with a stream run', () => {
  const streamSpec = parseExperimentSpec({ ...DEFAULT_SPEC, model: 'tiny-vit', task: 'split-mnist', methods: [{ name: 'lora', options: { r: 4 } }] });

  beforeEach(() => {
    useAppStore.getState().clearResults();
  });

  it('keeps the continual events; the first batch ends loading; a new run and Reset clear them', () => {
    const store = useAppStore.getState();
    store.beginRun(streamSpec);
    store.applyEvent(startEvent(['sequential', 'dynamic']));
    expect(useAppStore.getState().status).toBe('loading');
    expect(useAppStore.getState().progress?.stage).toBe('warmup');
    store.applyEvent({ type: 'continual-batch', runId: '0:sequential', task: 0, batch: 1, batches: 2, loss: 1.5, phase: 'module' });
    expect(useAppStore.getState().status).toBe('running');
    expect(useAppStore.getState().progress).toBeNull();
    store.applyEvent({ type: 'continual-task', runId: '0:sequential', result: taskResult(0, acc) });
    store.applyEvent({ type: 'continual-task', runId: '1:dynamic', result: taskResult(0, acc) });
    const { continual, runs } = useAppStore.getState();
    expect(runs).toEqual([]);
    expect(continual.runs.map((r) => r.results.length)).toEqual([1, 1]);
    expect(accuracyMatrix(continual.runs[1], 5)[0][0]).toBeCloseTo(acc(0, 0), 12);

    useAppStore.getState().beginRun(streamSpec);
    expect(useAppStore.getState().continual).toEqual(EMPTY_CONTINUAL);
    useAppStore.getState().applyEvent(startEvent(['static']));
    useAppStore.getState().clearResults();
    expect(useAppStore.getState().continual).toEqual(EMPTY_CONTINUAL);
  });
});
