import { tf } from '../tf';
import { T5Model } from '../models/t5';
import { Seq2SeqHead } from '../train/heads/seq2seq-head';
import { batchToTensors, disposeBatch } from '../train/batch-tensors';
import type { Batch } from '../data/types';
import type { RunEvent } from './events';
import type { MethodRun } from './method-run';
import type { TaskData } from './task-data';
import type { BaseCheckpoint } from './base-model';

/** One validation example's prediction, by its index in the validation split. */
export interface Prediction {
  index: number;
  /** The true label (its name, or the target word for text-to-text). */
  label: string;
  /** What the model predicts: a label name, or the greedily decoded text (T5). */
  predicted: string;
  correct: boolean;
}

/**
 * After training, each run's predictions on the first validation examples, for the app's views:
 * the image grid of ViT runs (the label the classifier picks) and the decoded answers of T5
 * runs (greedy decoding, as `generate` would give them). Text classification and language
 * modelling have no per-example view.
 */
export async function predictionEvents(
  runs: MethodRun[],
  data: TaskData,
  base: BaseCheckpoint,
  maxExamples = 16,
  /** After each batch: examples predicted so far over all runs, of `total` (greedy decoding takes seconds per batch). */
  onProgress?: (progress: { runId: string; done: number; total: number }) => void,
): Promise<RunEvent[]> {
  const kind = data.shape.kind;
  if (kind !== 'image-classify' && kind !== 'seq2seq') return [];
  // Batches are built lazily: asking for up to maxExamples of them prepares only what is read.
  const batches = firstExamples(data.validationBatches(maxExamples), maxExamples);
  const perRun = batches.reduce((n, b) => n + b.batchSize, 0);
  const total = perRun * runs.length;
  let done = 0;
  const events: RunEvent[] = [];
  for (const run of runs) {
    onProgress?.({ runId: run.runId, done, total });
    const predictions: Prediction[] = [];
    let index = 0;
    for (const batch of batches) {
      const labels = batch.kind === 'image' ? Array.from(batch.labels) : null;
      const predicted = kind === 'image-classify' ? (await classPredictions(run, batch)).map((id) => data.labels[id]) : await decodedPredictions(run, batch, base);
      predicted.forEach((p, row) => {
        const label = labels ? data.labels[labels[row]] : targetText(batch, row, base);
        predictions.push({ index: index + row, label, predicted: p, correct: p === label });
      });
      index += predicted.length;
      done += batch.batchSize;
      onProgress?.({ runId: run.runId, done, total });
    }
    events.push({ type: 'predictions', runId: run.runId, predictions: predictions.slice(0, maxExamples) });
  }
  return events;
}

/** Validation batches cut to the first `max` examples. */
function firstExamples(batches: Batch[], max: number): Batch[] {
  const out: Batch[] = [];
  let left = max;
  for (const batch of batches) {
    if (left <= 0) break;
    out.push(batch);
    left -= batch.batchSize;
  }
  return out;
}

async function classPredictions(run: MethodRun, batch: Batch): Promise<number[]> {
  const tensors = batchToTensors(batch);
  try {
    const classes = tf.tidy(() => tf.argMax(run.head.logits!(tensors, run.method.hooks), -1));
    const ids = Array.from(await classes.data());
    classes.dispose();
    return ids;
  } finally {
    disposeBatch(tensors);
  }
}

async function decodedPredictions(run: MethodRun, batch: Batch, base: BaseCheckpoint): Promise<string[]> {
  if (batch.kind !== 'seq2seq' || !(run.model instanceof T5Model) || !base.tokenizer) return [];
  const tokenizer = base.tokenizer;
  const inputIds = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLen], 'int32');
  const mask = tf.tensor2d(batch.attentionMask, [batch.batchSize, batch.seqLen], 'int32');
  try {
    // A head-only run decodes with its trained copy of the LM head.
    const lmHead = run.head instanceof Seq2SeqHead ? run.head.lmHead() : undefined;
    const rows = await run.model.greedyGenerate(inputIds, mask, batch.targetLen + 2, { hooks: run.method.hooks, ...(lmHead ? { lmHead } : {}) });
    return rows.map((ids) => tokenizer.decode(ids.filter((id) => id !== tokenizer.eosTokenId && id !== tokenizer.padTokenId)).trim());
  } finally {
    tf.dispose([inputIds, mask]);
  }
}

function targetText(batch: Batch, row: number, base: BaseCheckpoint): string {
  if (batch.kind !== 'seq2seq' || !base.tokenizer) return '';
  const ids = Array.from(batch.labels.subarray(row * batch.targetLen, (row + 1) * batch.targetLen)).filter((_, t) => batch.labelMask[row * batch.targetLen + t] === 1);
  return base.tokenizer.decode(ids.filter((id) => id !== base.tokenizer!.eosTokenId)).trim();
}
