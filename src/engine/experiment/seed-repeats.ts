import type { RunSummary } from './events';
import { runExperiment, type RunnerEnv } from './runner';
import { parseExperimentSpec, type ExperimentSpec } from './spec';

/**
 * The few-shot protocol of NOLA's ViT tables: the same experiment under several seeds (each seed
 * draws its own k-shot training set, initialisation and batch order) and each method's final
 * accuracy reported as mean ± standard deviation over the seeds.
 */

export interface SeedStat {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single seed. */
  std: number;
  values: number[];
}

export function meanStd(values: number[]): SeedStat {
  if (values.length === 0) throw new Error('meanStd() needs at least one value');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), values };
}

export interface SeedRepeatRow {
  /** The method spec's index and name in the experiment ("0:lora"). */
  runId: string;
  method: string;
  trainableParams: number;
  headParams: number;
  accuracy: SeedStat | null;
  loss: SeedStat;
}

export interface SeedRepeatResult {
  seeds: number[];
  rows: SeedRepeatRow[];
  /** Every run's summary, per seed, for whoever wants more than the table. */
  summaries: RunSummary[][];
}

/** Runs `spec` once per seed (every method side by side each time) and aggregates per method. */
export async function runSeedRepeats(spec: ExperimentSpec, seeds: number[], env: RunnerEnv, onSeedDone?: (seed: number, summaries: RunSummary[]) => void): Promise<SeedRepeatResult> {
  if (seeds.length === 0) throw new Error('at least one seed is needed');
  if (new Set(seeds).size !== seeds.length) throw new Error(`seeds must differ, got ${seeds.join(', ')}`);
  const summaries: RunSummary[][] = [];
  for (const seed of seeds) {
    const result = await runExperiment(parseExperimentSpec({ ...spec, seed }), env, () => {});
    summaries.push(result);
    onSeedDone?.(seed, result);
  }
  const rows = summaries[0].map((first, i) => {
    const finals = summaries.map((s) => s[i].finalEval);
    const accuracies = finals.map((e) => e?.accuracy ?? null);
    return {
      runId: first.runId,
      method: first.method,
      trainableParams: first.trainable.method,
      headParams: first.trainable.head,
      accuracy: accuracies.every((a): a is number => a !== null) ? meanStd(accuracies) : null,
      loss: meanStd(finals.map((e) => e?.loss ?? NaN)),
    };
  });
  return { seeds, rows, summaries };
}
