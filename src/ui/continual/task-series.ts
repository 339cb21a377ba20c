import type { TaskResult } from '../../engine/continual/events';
import type { ChartData, ChartLine, ChartRow } from '../charts/series';
import type { StrategyRun } from './continual-store';
import { STRATEGY_COLOURS, strategyRunTitle } from './strategy-style';

/** One measure per task of each strategy (e.g. whole accuracy), drawn as one line per strategy. */
export interface TaskMeasure {
  /** Part of the data key, e.g. "whole". */
  id: string;
  /** Appended to the strategy's title in the legend, e.g. "whole"; empty for a chart of one measure. */
  label: string;
  dashed: boolean;
  pick(result: TaskResult): number | null;
}

/**
 * Rows by task (recharts' shape): `{ task, [key]: value }` with `task` counted from 1 (the
 * stream's first task is "task 1" everywhere in the app), a row for every task of the stream.
 */
export function taskChartData(runs: readonly StrategyRun[], tasks: number, measures: readonly TaskMeasure[]): ChartData {
  const rows: ChartRow[] = Array.from({ length: tasks }, (_, t) => ({ task: t + 1 }));
  const lines: ChartLine[] = [];
  for (const run of runs) {
    for (const measure of measures) {
      // runIds are "1:dynamic"; recharts reads dots in a dataKey as a path, so keys avoid them.
      const key = `${measure.id} ${run.runId}`;
      const title = strategyRunTitle(run);
      lines.push({ key, label: measure.label ? `${title} · ${measure.label}` : title, colour: STRATEGY_COLOURS[run.strategy], dashed: measure.dashed });
      for (const result of run.results) {
        const value = measure.pick(result);
        if (result.task >= 0 && result.task < tasks && value !== null && Number.isFinite(value)) rows[result.task][key] = value;
      }
    }
  }
  return { rows, lines };
}

export const ACCURACY_MEASURES: readonly TaskMeasure[] = [
  { id: 'whole', label: 'whole', dashed: false, pick: (r) => r.wholeAccuracy },
  { id: 'average', label: 'average', dashed: true, pick: (r) => r.averageAccuracy },
];
export const TRAIN_MS_MEASURE: readonly TaskMeasure[] = [{ id: 'ms', label: '', dashed: false, pick: (r) => r.trainMs }];
export const BATCHES_MEASURE: readonly TaskMeasure[] = [{ id: 'batches', label: '', dashed: false, pick: (r) => r.batches }];
