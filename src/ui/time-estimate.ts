import { create } from 'zustand';
import type { ContinualState } from './continual/continual-store';
import type { RunSeries } from './store';

/**
 * Time left and time planned, from what the page measured: a phase's fraction done over the time
 * it has taken, the training steps left × the measured time per step, a stream's tasks left × the
 * measured time per task, and (before a run) a plan's FLOPs over the FLOP rate the last run on
 * this page achieved. Every figure is an estimate, and the UI says so.
 */

/** "about 40 s", "about 3 min 10 s", "about 1 h 5 min". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return `about ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `about ${minutes} min${seconds % 60 && minutes < 10 ? ` ${seconds % 60} s` : ''}`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Seconds so far, "12 s" or "2 min 5 s". */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** What is left of a phase that has done `fraction` of its work in `elapsedMs`; null before any is done. */
export function phaseMsLeft(elapsedMs: number, fraction: number | null): number | null {
  if (fraction === null || fraction <= 0 || fraction >= 1 || elapsedMs <= 0) return null;
  return (elapsedMs * (1 - fraction)) / fraction;
}

/**
 * The measured time of one experiment step: each run's mean step time after its first (which
 * compiles the kernels), else its first, summed over the runs (they take turns every step).
 */
export function measuredStepMs(runs: readonly RunSeries[]): number | null {
  let total = 0;
  for (const run of runs) {
    if (run.steps.length === 0) return null;
    const later = run.steps.slice(1);
    const points = later.length > 0 ? later : run.steps;
    total += points.reduce((n, p) => n + p.stepMs, 0) / points.length;
  }
  return runs.length > 0 ? total : null;
}

export interface TrainingEta {
  stepsLeft: number;
  stepMs: number;
  msLeft: number;
}

export function trainingEta(runs: readonly RunSeries[], step: number, steps: number): TrainingEta | null {
  const stepMs = measuredStepMs(runs);
  if (stepMs === null || step >= steps) return null;
  const stepsLeft = steps - step;
  return { stepsLeft, stepMs, msLeft: stepsLeft * stepMs };
}

/** A stream's time left: per strategy, its tasks left × its measured time per task (others' mean before its first). */
export function continualMsLeft(continual: ContinualState): number | null {
  const tasks = continual.stream?.tasks.length ?? 0;
  if (tasks === 0) return null;
  const perTask = continual.runs.map((r) => (r.results.length > 0 ? r.results.reduce((n, t) => n + t.trainMs + t.evalMs, 0) / r.results.length : null));
  const known = perTask.filter((ms): ms is number => ms !== null);
  if (known.length === 0) return null;
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  return continual.runs.reduce((n, r, i) => n + Math.max(0, tasks - r.results.length) * (perTask[i] ?? mean), 0);
}

/** The FLOP rate a finished run on this page achieved (its steps' FLOPs over their measured time). */
export interface MeasuredRate {
  flopsPerMs: number;
  /** The experiment it was measured on, for the label. */
  on: string;
}

export const useStepRateStore = create<{ measured: MeasuredRate | null }>()(() => ({ measured: null }));
