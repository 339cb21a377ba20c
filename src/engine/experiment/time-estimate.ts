import { methodInfo } from '../methods/catalog';
import type { TaskShape } from '../methods/types';
import type { ModelShape } from '../models/hooks';
import type { ContinualSettings } from '../continual/settings';
import { evalBatchCount, type ExperimentSpec, type MethodSpec } from './spec';

/**
 * How long a plan will train, before it runs: floating-point operations from shapes alone, over a
 * rate (FLOP per millisecond) that a run on this page measured, else an assumed one for the
 * backend. An estimate, and labelled so: small models are often bound by kernel launches rather
 * than arithmetic, and the first step adds kernel compilation, which is not counted.
 *   forward F  = tokens · (Σ 2·in·out over the linears + 4·L·s·d attention + 2·d·V LM head)
 *   backward   ≈ F for the activations' gradients (every method but head-only needs them through
 *                the whole model) + F for the weights' gradients when the base trains (full).
 */

/** Forward-pass FLOPs of one batch of `batchSize` sequences with this method attached. */
export function forwardFlops(shape: ModelShape, task: TaskShape, method: MethodSpec, batchSize: number): number {
  const s = task.seqLen + (methodInfo(method.name).prefixLength?.(method.options) ?? 0);
  const tokens = batchSize * s;
  const linearPerToken = shape.linears.reduce((n, l) => n + 2 * l.inFeatures * l.outFeatures, 0);
  const attentionPerToken = 4 * shape.layers * s * shape.hidden;
  const lmHead = task.kind === 'lm' || task.kind === 'seq2seq' ? 2 * shape.hidden * shape.vocabSize : 2 * shape.hidden * Math.max(1, task.numLabels);
  return tokens * (linearPerToken + attentionPerToken + lmHead);
}

/** FLOPs of one training step (forward and backward). */
export function trainingStepFlops(shape: ModelShape, task: TaskShape, method: MethodSpec, batchSize: number): number {
  const forward = forwardFlops(shape, task, method, batchSize);
  if (method.name === 'head') return forward * 1.1;
  return forward * (method.name === 'full' ? 3 : 2);
}

/** FLOPs of a whole side-by-side run of one method: its steps and its evaluations. */
export function runFlops(shape: ModelShape, task: TaskShape, spec: ExperimentSpec, method: MethodSpec): number {
  const evaluations = (spec.eval.every > 0 ? Math.floor(spec.steps / spec.eval.every) + 1 : 0) + 1;
  return spec.steps * trainingStepFlops(shape, task, method, spec.batchSize) + evaluations * evalBatchCount(spec) * forwardFlops(shape, task, method, spec.batchSize);
}

/** Tasks of each built-in stream (streams.ts: split-mnist and sotu-eras have five each). */
export const STREAM_TASKS = 5;

/**
 * FLOPs of a task stream: per strategy, each task's module batches (and the selector's for
 * Dynamic ConPET and Limitless, as a forward and backward each); replay and the logit cache
 * change the rows per batch, which the estimate does not follow.
 */
export function streamFlops(shape: ModelShape, task: TaskShape, settings: ContinualSettings, method: MethodSpec, batchSize: number): number {
  const step = trainingStepFlops(shape, task, method, batchSize);
  return settings.strategies.reduce((total, strategy) => {
    const selector = strategy === 'dynamic' || strategy === 'limitless' ? settings.selectorBatches : 0;
    const passes = strategy === 'limitless' ? Math.max(1, settings.limitlessEpochs) : 1;
    return total + STREAM_TASKS * (settings.batchesPerTask * passes + selector) * step;
  }, 0);
}

/**
 * FLOP per millisecond assumed before this page has measured a step: SwiftShader (WebGPU on the
 * CPU) ≈ 0.5 GFLOP/s, as measured by the e2e suite; a GPU through tfjs ≈ 50 GFLOP/s on small
 * models; WebGL a little less; wasm and cpu a few.
 */
export function assumedFlopsPerMs(backend: string | null, adapter: string | null): number {
  if (backend === 'webgpu') return /swiftshader/i.test(adapter ?? '') ? 0.5e6 : 50e6;
  if (backend === 'webgl') return 20e6;
  if (backend === 'wasm') return 2e6;
  return 0.5e6;
}
