import { methodInfo } from '../methods/catalog';
import type { TaskShape } from '../methods/types';
import type { ModelShape } from '../models/hooks';
import type { MethodSpec } from './spec';

/**
 * What training a checkpoint with one method will ask of the GPU, from shapes alone — shown
 * before a download so a user knows whether gpt2-medium fits. Three parts, float32 throughout:
 *   weights      4·P (each run holds its own copy of the base model);
 *   trainable    4·T each for the values, their gradient and Adam's m and v (full fine-tuning:
 *                T = P, whose values are the weights themselves);
 *   activations  what a tfjs step holds at its peak. tfjs keeps every intermediate of the
 *                forward pass (each op of a layer norm, GELU, softmax, every reshape copy) until
 *                the backward pass ends, so this is far more than PyTorch's: per token and block
 *                ≈ 270·d + 9·heads·s floats, plus ≈ 15·V per token for a vocabulary softmax
 *                (language modelling, text-to-text). The coefficients were fitted to tfjs's own
 *                measured peaks (tf.profile) over d, layers, heads, s, batch and V on GPT-2;
 *                tests/engine/memory-estimate.test.ts checks them within 2× on other shapes.
 * It is an estimate, and labelled so in the UI.
 */
export interface TrainingMemoryEstimate {
  weightsBytes: number;
  trainableBytes: number;
  activationBytes: number;
  totalBytes: number;
  /** The largest single tensor a step allocates: what the adapter's buffer limits must hold. */
  largestTensor: { what: string; bytes: number };
}

const F32 = 4;

/** Input rows a method adds in front of the sequence (prompt tuning, DePT); 0 otherwise. */
function prefixRows(method: MethodSpec): number {
  return methodInfo(method.name).prefixLength?.(method.options) ?? 0;
}

export function estimateTrainingMemory(shape: ModelShape, task: TaskShape, method: MethodSpec, batchSize: number): TrainingMemoryEstimate {
  const definition = methodInfo(method.name);
  const trainable = definition.trainableParams(shape, task, method.options);
  const weightsBytes = F32 * shape.totalParams;
  // Full fine-tuning's trainable values are the weights (counted above): 3 more copies, not 4.
  const trainableBytes =
    method.name === 'full' ? F32 * (3 * trainable.method + 4 * trainable.head) : F32 * 4 * (trainable.method + trainable.head);

  const s = task.seqLen + prefixRows(method);
  const tokens = batchSize * s;
  const vocabSoftmax = task.kind === 'lm' || task.kind === 'seq2seq' ? shape.vocabSize : 0;
  const floatsPerToken = shape.layers * (270 * shape.hidden + 9 * shape.heads * s) + 15 * vocabSoftmax;
  const activationBytes = F32 * tokens * floatsPerToken;
  const b = batchSize;
  const logitsBytes = F32 * tokens * vocabSoftmax;

  const candidates: Array<{ what: string; bytes: number }> = [
    { what: 'token embedding', bytes: F32 * shape.vocabSize * shape.hidden },
    { what: 'language-model logits', bytes: logitsBytes },
    { what: 'attention scores', bytes: F32 * b * shape.heads * s * s },
    { what: 'MLP activations', bytes: F32 * b * s * shape.mlpHidden },
    ...shape.linears.map((l) => ({ what: 'largest weight matrix', bytes: F32 * l.inFeatures * l.outFeatures })),
  ];
  const largestTensor = candidates.reduce((a, c) => (c.bytes > a.bytes ? c : a));
  return { weightsBytes, trainableBytes, activationBytes, totalBytes: weightsBytes + trainableBytes + activationBytes, largestTensor };
}

/** The adapter's limits that decide whether a tensor can live on the GPU at all (WebGPU only). */
export interface BufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** Why an estimate will not fit the adapter's buffer limits, or null when it fits. */
export function bufferLimitProblem(estimate: TrainingMemoryEstimate, limits: BufferLimits | null): string | null {
  if (limits === null) return null;
  const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const { what, bytes } = estimate.largestTensor;
  if (bytes <= limit) return null;
  return `the ${what} (${(bytes / 2 ** 20).toFixed(0)} MiB) exceeds this GPU's largest buffer (${(limit / 2 ** 20).toFixed(0)} MiB)`;
}
