import type { ContinualEvent, ContinualSummary, StreamInfo, TaskResult } from '../../engine/continual/events';
import type { StrategyName } from '../../engine/continual/settings';
import type { MethodName } from '../../engine/methods/types';

/**
 * What the app keeps of a continual (task-stream) run: the stream, and per strategy its task
 * results as they arrive, its training losses and its summary. Pure functions over plain data,
 * applied by the app store (store.ts); components only read.
 */

export interface ContinualBatchPoint {
  task: number;
  batch: number;
  batches: number;
  loss: number;
  phase: 'selector' | 'module';
}

/** One strategy's run on the stream. */
export interface StrategyRun {
  runId: string;
  strategy: StrategyName;
  method: MethodName;
  /** Trainable elements as continual-start declares them (after the whole stream); per task in the results. */
  trainable: number;
  /** One per trained task, in stream order (a repeated task replaces the earlier result). */
  results: TaskResult[];
  losses: ContinualBatchPoint[];
  summary: ContinualSummary | null;
}

/** The batch the engine reported last: which strategy trains which task now. */
export interface ContinualActivity {
  runId: string;
  task: number;
  batch: number;
  batches: number;
  phase: 'selector' | 'module';
}

export interface ContinualState {
  stream: StreamInfo | null;
  runs: StrategyRun[];
  active: ContinualActivity | null;
}

export const EMPTY_CONTINUAL: ContinualState = { stream: null, runs: [], active: null };

/** Losses kept per strategy: beyond this every other point is dropped (the chart stays light). */
export const MAX_LOSS_POINTS = 2000;

function thinned(points: ContinualBatchPoint[]): ContinualBatchPoint[] {
  return points.length <= MAX_LOSS_POINTS ? points : points.filter((_, i) => i % 2 === 1);
}

function updateRun(state: ContinualState, runId: string, update: (run: StrategyRun) => StrategyRun): ContinualState {
  if (!state.runs.some((run) => run.runId === runId)) return state;
  return { ...state, runs: state.runs.map((run) => (run.runId === runId ? update(run) : run)) };
}

/** The state after one continual event; events for an unknown run change nothing. */
export function applyContinualEvent(state: ContinualState, event: ContinualEvent): ContinualState {
  switch (event.type) {
    case 'continual-start':
      return {
        stream: event.stream,
        runs: event.runs.map((r) => ({ runId: r.runId, strategy: r.strategy, method: r.method, trainable: r.trainable, results: [], losses: [], summary: null })),
        active: null,
      };
    case 'continual-batch': {
      const point: ContinualBatchPoint = { task: event.task, batch: event.batch, batches: event.batches, loss: event.loss, phase: event.phase };
      const next = updateRun(state, event.runId, (run) => ({ ...run, losses: thinned([...run.losses, point]) }));
      if (next === state) return state;
      return { ...next, active: { runId: event.runId, task: event.task, batch: event.batch, batches: event.batches, phase: event.phase } };
    }
    case 'continual-task': {
      const { result } = event;
      const next = updateRun(state, event.runId, (run) => ({
        ...run,
        results: [...run.results.filter((r) => r.task !== result.task), result].sort((a, b) => a.task - b.task),
      }));
      if (next === state) return state;
      // The task just finished is no longer being trained by this strategy.
      const finished = state.active?.runId === event.runId && state.active.task === result.task;
      return finished ? { ...next, active: null } : next;
    }
    case 'continual-end': {
      const next = updateRun(state, event.runId, (run) => ({ ...run, summary: event.summary }));
      return next.active?.runId === event.runId ? { ...next, active: null } : next;
    }
  }
}

/**
 * The accuracy matrix of a strategy so far: row k = after training task k, column j = accuracy
 * on task j; null where not measured yet (rows not reached, and j > k: tasks not yet seen).
 */
export function accuracyMatrix(run: Pick<StrategyRun, 'results'>, tasks: number): Array<Array<number | null>> {
  const rows: Array<Array<number | null>> = Array.from({ length: tasks }, () => Array.from({ length: tasks }, () => null));
  for (const result of run.results) {
    if (result.task < 0 || result.task >= tasks) continue;
    result.accuracies.forEach((accuracy, j) => {
      if (j <= result.task && j < tasks && Number.isFinite(accuracy)) rows[result.task][j] = accuracy;
    });
  }
  return rows;
}

/** The stream task being trained now (the last reported batch's), or null between tasks. */
export function trainingTaskIndex(state: ContinualState): number | null {
  return state.active?.task ?? null;
}

/** Tasks every strategy has finished (a result from each). */
export function finishedTaskCount(state: ContinualState): number {
  if (state.runs.length === 0) return 0;
  return Math.min(...state.runs.map((run) => run.results.length));
}

/** Hits over lookups of a cache, or null when nothing was looked up (or there is no cache). */
export function cacheHitRate(cache: TaskResult['cache']): number | null {
  if (!cache) return null;
  const lookups = cache.hits + cache.misses;
  return lookups > 0 ? cache.hits / lookups : null;
}

/** What a strategy's table row shows: from its summary once it has one, else from its results so far. */
export interface StrategyFigures {
  tasksDone: number;
  wholeAccuracy: number | null;
  averageAccuracy: number | null;
  trainable: number;
  /** Last task over first task; null before a second task. */
  batchesRatio: number | null;
  msRatio: number | null;
  cacheHitRate: number | null;
  savedMs: number | null;
  /** Training and evaluation time so far (the summary's, once it has come). */
  wallMs: number | null;
  /** The strategy's summary (continual-end) has come: the figures are final. */
  final: boolean;
}

function ratio(last: number | undefined, first: number | undefined): number | null {
  if (last === undefined || first === undefined || first <= 0) return null;
  return last / first;
}

export function strategyFigures(run: StrategyRun): StrategyFigures {
  const last = run.results.at(-1);
  const first = run.results[0];
  const secondOrLater = run.results.length > 1;
  const summary = run.summary;
  const cache = summary ? summary.cache : (last?.cache ?? null);
  return {
    tasksDone: run.results.length,
    wholeAccuracy: summary?.wholeAccuracy.at(-1) ?? last?.wholeAccuracy ?? null,
    averageAccuracy: summary?.averageAccuracy.at(-1) ?? last?.averageAccuracy ?? null,
    trainable: summary?.trainable ?? last?.trainable ?? run.trainable,
    batchesRatio: summary ? summary.lastOverFirstBatches : secondOrLater ? ratio(last?.batches, first?.batches) : null,
    msRatio: summary ? summary.lastOverFirstMs : secondOrLater ? ratio(last?.trainMs, first?.trainMs) : null,
    cacheHitRate: summary ? summary.cacheHitRate : cacheHitRate(cache),
    savedMs: cache ? cache.savedMs : null,
    wallMs: summary?.wallMs ?? (run.results.length > 0 ? run.results.reduce((sum, r) => sum + r.trainMs + r.evalMs, 0) : null),
    final: summary !== null,
  };
}
