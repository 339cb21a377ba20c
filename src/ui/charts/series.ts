import { methodInfo } from '../../engine/methods/catalog';
import { methodColour } from '../catalog';
import type { RunSeries, StepPoint } from '../store';

/** One line of a chart: a data key in the rows, its legend label and its look. */
export interface ChartLine {
  key: string;
  label: string;
  colour: string;
  dashed: boolean;
}

/** Rows by step (recharts' shape): `{ step, [line.key]: value }`, missing values absent. */
export type ChartRow = Record<string, number>;

export interface ChartData {
  rows: ChartRow[];
  lines: ChartLine[];
}

/** A run's name in legends and tables: its method, and for an imported run the machine it ran on. */
export function runTitle(run: Pick<RunSeries, 'method' | 'importedFrom'>): string {
  const method = methodInfo(run.method).title;
  return run.importedFrom === undefined ? method : `${method} · imported: ${run.importedFrom}`;
}

function rowsFrom(points: Array<{ step: number; key: string; value: number }>): ChartRow[] {
  const byStep = new Map<number, ChartRow>();
  for (const p of points) {
    const row: ChartRow = byStep.get(p.step) ?? { step: p.step };
    row[p.key] = p.value;
    byStep.set(p.step, row);
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** Train loss (solid) and validation loss (dashed) of every run, on one step axis. */
export function lossChartData(runs: readonly RunSeries[]): ChartData {
  const lines: ChartLine[] = [];
  const points: Array<{ step: number; key: string; value: number }> = [];
  for (const run of runs) {
    const colour = methodColour(run.method);
    // runIds are "0:full"; recharts reads dots in a dataKey as a path, so keys avoid them.
    const trainKey = `train ${run.runId}`;
    const valKey = `val ${run.runId}`;
    lines.push({ key: trainKey, label: `${runTitle(run)} · train`, colour, dashed: false });
    lines.push({ key: valKey, label: `${runTitle(run)} · validation`, colour, dashed: true });
    for (const s of run.steps) points.push({ step: s.step, key: trainKey, value: s.loss });
    for (const e of run.evals) points.push({ step: e.step, key: valKey, value: e.loss });
  }
  return { rows: rowsFrom(points), lines };
}

/** One per-step metric (tokens/s, GPU bytes) of every run. */
export function stepChartData(runs: readonly RunSeries[], pick: (p: StepPoint) => number): ChartData {
  const lines: ChartLine[] = [];
  const points: Array<{ step: number; key: string; value: number }> = [];
  for (const run of runs) {
    const key = `run ${run.runId}`;
    lines.push({ key, label: runTitle(run), colour: methodColour(run.method), dashed: false });
    for (const s of run.steps) points.push({ step: s.step, key, value: pick(s) });
  }
  return { rows: rowsFrom(points), lines };
}
