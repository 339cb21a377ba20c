import { taskById } from '../data/tasks';
import type { RunSummary } from './events';
import { parseExperimentSpec, type ExperimentSpec, type MethodSpec } from './spec';

/**
 * A sweep: one experiment's settings, several method configurations, each trained as its own
 * ordinary single-method experiment, one after another, and compared by its final metric
 * against what it cost. A method may appear many times (DePT at five prompt lengths, LoRA at
 * two ranks), which a side-by-side experiment cannot hold; every variant is a plain spec, so
 * every point of a sweep chart is a link that replays that one run. Data only (the page builds
 * sweeps from it); run-sweep.ts runs one in Node.
 */

export type LearningRates = ExperimentSpec['optimizer']['lr'];

export interface SweepVariant {
  /** Shown in the chart and the table, e.g. "DePT m=40". */
  label: string;
  method: MethodSpec;
  /** Learning rates this variant sets over the experiment's own (the one-LR ablation). */
  lr?: Partial<LearningRates>;
}

/**
 * How the results are drawn: "cost" plots the final metric against time per step and against
 * memory (DePT's Fig. 3); "bars" compares the final metric per variant (DePT's Fig. 5 ablation);
 * "params" plots it against trainable parameters on a log axis with the Pareto front.
 */
export type SweepChartKind = 'cost' | 'bars' | 'params';

/** The experiment settings a preset starts from; the user may still change them before running. */
export type SweepSettings = Partial<Pick<ExperimentSpec, 'task' | 'seqLen' | 'batchSize' | 'steps' | 'schedule' | 'eval'>>;

export interface SweepPreset {
  id: string;
  title: string;
  /** What it shows and where in which paper, for the UI and the CLI. */
  description: string;
  settings: SweepSettings;
  /**
   * The built-in models it was made for (its settings, sizes and descriptions are theirs); the
   * app switches to the first when another family's model is chosen. Non-empty.
   */
  models: readonly [string, ...string[]];
  /** The variants, from the experiment they will run in (e.g. to name its learning rates). */
  variants(base: ExperimentSpec): SweepVariant[];
  chart: SweepChartKind;
}

/** The spec of one variant: the experiment's settings with the variant's method and rates. */
export function variantSpec(base: ExperimentSpec, variant: SweepVariant): ExperimentSpec {
  return parseExperimentSpec({
    ...base,
    methods: [variant.method],
    optimizer: { ...base.optimizer, lr: { ...base.optimizer.lr, ...variant.lr } },
  });
}

/** A preset's settings applied to an experiment (model, seed and optimizer are kept). */
export function withSweepSettings(base: ExperimentSpec, settings: SweepSettings): ExperimentSpec {
  return parseExperimentSpec({ ...base, ...settings });
}

/** The number a sweep compares variants by: accuracy for classification, else validation loss. */
export interface SweepMetric {
  name: 'accuracy' | 'validation loss';
  value: number;
  higherIsBetter: boolean;
}

export function sweepMetric(task: string, summary: Pick<RunSummary, 'finalEval'>): SweepMetric | null {
  const evaluation = summary.finalEval;
  if (!evaluation) return null;
  if (taskById(task).metric === 'accuracy' && evaluation.accuracy !== null) {
    return { name: 'accuracy', value: evaluation.accuracy, higherIsBetter: true };
  }
  return { name: 'validation loss', value: evaluation.loss, higherIsBetter: false };
}

/** One finished variant as the charts and tables show it. */
export interface SweepPoint {
  label: string;
  spec: ExperimentSpec;
  /** The method's own trainable elements (the task head is listed apart, as everywhere). */
  trainableParams: number;
  headParams: number;
  /** Bytes the trained adapter stores for the method's own tensors. */
  storedBytes: number;
  metric: SweepMetric | null;
  meanStepMs: number | null;
  meanTokensPerSec: number | null;
  /**
   * The run's memory at its training peak: its own tensors (weights copy, trainable tensors,
   * Adam state) plus what one step allocates on top (activations, gradients). Null when the
   * run stopped before its last step, where this is measured.
   */
  trainingPeakBytes: number | null;
}

export function sweepPoint(label: string, spec: ExperimentSpec, summary: RunSummary): SweepPoint {
  return {
    label,
    spec,
    trainableParams: summary.trainable.method,
    headParams: summary.trainable.head,
    storedBytes: summary.storedBytes,
    metric: sweepMetric(spec.task, summary),
    meanStepMs: summary.meanStepMs,
    meanTokensPerSec: summary.meanTokensPerSec,
    trainingPeakBytes: summary.runBytes !== null && summary.stepExtraBytes !== null ? summary.runBytes + summary.stepExtraBytes : null,
  };
}

/**
 * The runs no other run beats on both counts: none has at most as many trainable parameters
 * and at least as good a metric with one of the two strictly better. Sorted by parameters:
 * the line a parameters-vs-metric chart draws as the best trade-off found.
 */
export function paretoFront(points: readonly SweepPoint[]): SweepPoint[] {
  const scored = points.filter((p): p is SweepPoint & { metric: SweepMetric } => p.metric !== null);
  const better = (a: SweepMetric, b: SweepMetric) => (a.higherIsBetter ? a.value > b.value : a.value < b.value);
  const notWorse = (a: SweepMetric, b: SweepMetric) => a.value === b.value || better(a, b);
  const dominated = (p: (typeof scored)[number]) =>
    scored.some(
      (q) => q !== p && q.trainableParams <= p.trainableParams && notWorse(q.metric, p.metric) && (q.trainableParams < p.trainableParams || better(q.metric, p.metric)),
    );
  return scored.filter((p) => !dominated(p)).sort((a, b) => a.trainableParams - b.trainableParams);
}

/** The variants of a preset as the specs they run, in order. */
export function sweepSpecs(preset: SweepPreset, base: ExperimentSpec): Array<{ label: string; spec: ExperimentSpec }> {
  return preset.variants(base).map((variant) => ({ label: variant.label, spec: variantSpec(base, variant) }));
}
