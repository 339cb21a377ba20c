import { methodInfo } from '../methods/catalog';
import type { TaskShape } from '../methods/types';
import type { ModelShape } from '../models/hooks';
import type { MethodSpec } from './spec';
import type { CheckpointPolicy } from '../blocks/checkpoint';
import { chunkRows } from '../blocks/cross-entropy-chunks';

/**
 * What training a checkpoint with one method will ask of the GPU, from shapes alone — shown
 * before a download so a user knows whether gpt2-medium fits. Three parts, float32 throughout:
 *   weights      4·P (each run holds its own copy of the base model);
 *   trainable    4·T each for the values, their gradient and Adam's m and v (full fine-tuning:
 *                T = P, whose values are the weights themselves);
 *   activations  what the step holds at its peak beyond those. The fused blocks keep per token
 *                and block ≈ 22·d floats when the base trains (every linear keeps its input
 *                for dW) and ≈ 16·d when it is frozen, plus ≈ 18·d per token outside the blocks
 *                (embeddings, final norm, the LM head's input). With checkpointing a block
 *                keeps only its input (d) and one block's worth is recomputed at a time. On top
 *                comes the backward's working set: ≈ 2.5 floats per logit of one cross-entropy
 *                chunk, and ≈ 4 copies of one block's attention probabilities [B, H, s, s].
 *                Fitted to tfjs's measured peaks (tf.profile) on GPT-2 over d 32–128, 2–4
 *                layers, 4–8 heads, s 48–136, V 500–3000 (wasm);
 *                tests/engine/memory-estimate.test.ts checks it on another shape.
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

export function estimateTrainingMemory(shape: ModelShape, task: TaskShape, method: MethodSpec, batchSize: number, checkpoint: CheckpointPolicy = 'none'): TrainingMemoryEstimate {
  const definition = methodInfo(method.name);
  const trainable = definition.trainableParams(shape, task, method.options);
  const weightsBytes = F32 * shape.totalParams;
  // Full fine-tuning's trainable values are the weights (counted above): 3 more copies, not 4.
  const trainableBytes =
    method.name === 'full' ? F32 * (3 * trainable.method + 4 * trainable.head) : F32 * 4 * (trainable.method + trainable.head);

  const s = task.seqLen + prefixRows(method);
  const tokens = batchSize * s;
  const vocabSoftmax = task.kind === 'lm' || task.kind === 'seq2seq' ? shape.vocabSize : 0;
  const perBlock = method.name === 'full' ? 22 : 16;
  const keptPerToken = shape.hidden * (checkpoint === 'blocks' ? shape.layers + perBlock + 18 : shape.layers * perBlock + 18);
  const chunk = vocabSoftmax > 0 ? chunkRows(tokens, vocabSoftmax) : 0;
  const workingFloats = 2.5 * chunk * vocabSoftmax + 4 * batchSize * shape.heads * s * s;
  const activationBytes = F32 * (tokens * keptPerToken + workingFloats);
  const b = batchSize;
  // The cross-entropy block computes logits one chunk of rows at a time.
  const logitsBytes = F32 * chunk * vocabSoftmax;

  const candidates: Array<{ what: string; bytes: number }> = [
    { what: 'token embedding', bytes: F32 * shape.vocabSize * shape.hidden },
    { what: 'chunk of language-model logits', bytes: logitsBytes },
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
