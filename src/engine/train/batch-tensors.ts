import { tf } from '../tf';
import type { Batch } from '../data/types';

/** A text batch (GPT-2: language modelling or classification) on the device. */
export interface BatchTensors {
  kind?: 'text';
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** [B] class ids (classification only). */
  labels: tf.Tensor1D | null;
  /** Real tokens in the batch, for tokens/s. */
  realTokens: number;
  /** Next-token targets (mask ones past each row's first position), for the LM loss average. */
  lmTargets: number;
}

/** Preprocessed images [B, C, H, W] and their class ids. */
export interface ImageBatchTensors {
  kind: 'image';
  pixels: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** Patch tokens the model runs on (images × patches), for tokens/s. */
  realTokens: number;
}

/** Encoder input and teacher-forced decoder targets of a text-to-text model. */
export interface Seq2SeqBatchTensors {
  kind: 'seq2seq';
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** HF's labels [B, targetLen]: target ids ending in eos, padding masked by `targetMask`. */
  targetIds: tf.Tensor2D;
  targetMask: tf.Tensor2D;
  /** Host copy of the targets, for the decoder input (labels shifted right). */
  targetHost: { ids: Int32Array; batch: number; length: number };
  realTokens: number;
  /** Real target tokens (eos included): the loss average's denominator. */
  targetTokens: number;
}

export type AnyBatchTensors = BatchTensors | ImageBatchTensors | Seq2SeqBatchTensors;

function sum(values: Int32Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/**
 * Uploads a host batch. `tokensPerImage` (the model's patch count) turns images into tokens for
 * the tokens/s figure, so it compares across models.
 */
export function batchToTensors(batch: Batch, tokensPerImage = 1): AnyBatchTensors {
  switch (batch.kind) {
    case 'image':
      return {
        kind: 'image',
        pixels: tf.tensor4d(batch.pixels, [batch.batchSize, batch.channels, batch.height, batch.width], 'float32'),
        labels: tf.tensor1d(batch.labels, 'int32'),
        realTokens: batch.batchSize * tokensPerImage,
      };
    case 'seq2seq':
      return {
        kind: 'seq2seq',
        inputIds: tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLen], 'int32'),
        attentionMask: tf.tensor2d(batch.attentionMask, [batch.batchSize, batch.seqLen], 'int32'),
        targetIds: tf.tensor2d(batch.labels, [batch.batchSize, batch.targetLen], 'int32'),
        targetMask: tf.tensor2d(batch.labelMask, [batch.batchSize, batch.targetLen], 'int32'),
        targetHost: { ids: batch.labels, batch: batch.batchSize, length: batch.targetLen },
        realTokens: sum(batch.attentionMask) + sum(batch.labelMask),
        targetTokens: sum(batch.labelMask),
      };
    default: {
      let lmTargets = 0;
      for (let i = 0; i < batch.attentionMask.length; i++) if (i % batch.seqLen !== 0) lmTargets += batch.attentionMask[i];
      return {
        inputIds: tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLen], 'int32'),
        attentionMask: tf.tensor2d(batch.attentionMask, [batch.batchSize, batch.seqLen], 'int32'),
        labels: batch.kind === 'classify' ? tf.tensor1d(batch.labels, 'int32') : null,
        realTokens: sum(batch.attentionMask),
        lmTargets,
      };
    }
  }
}

export function disposeBatch(b: AnyBatchTensors): void {
  switch (b.kind) {
    case 'image':
      tf.dispose([b.pixels, b.labels]);
      return;
    case 'seq2seq':
      tf.dispose([b.inputIds, b.attentionMask, b.targetIds, b.targetMask]);
      return;
    default:
      tf.dispose([b.inputIds, b.attentionMask, b.labels ?? []]);
  }
}

/** The batch as the head of a `kind` model expects it, or a clear error (a wiring bug). */
export function expectBatch<K extends 'text' | 'image' | 'seq2seq'>(
  b: AnyBatchTensors,
  kind: K,
): Extract<AnyBatchTensors, { kind?: K }> {
  if ((b.kind ?? 'text') !== kind) throw new Error(`this task head takes ${kind} batches, got a ${b.kind ?? 'text'} batch`);
  return b as Extract<AnyBatchTensors, { kind?: K }>;
}
