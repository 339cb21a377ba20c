/**
 * Text classification posed text-to-text, as T5 does: the encoder reads "prefix: text</s>", the
 * decoder writes the label's word and "</s>". Batches are fixed-shape (encoder seqLen, decoder
 * the longest label), right-padded with the pad id; like batching.ts, no tfjs here.
 */
import type { ClassifyDataset, SplitName } from './datasets';
import type { Rng } from './rng';
import type { Seq2SeqBatch } from './types';
import type { TextTokenizer } from '../tokenize/types';

export interface TextToTextExample {
  /** Encoder ids: prefix + text, truncated to seqLen − 1, then eos. */
  input: Int32Array;
  /** Decoder targets: the label word's ids, then eos. */
  target: Int32Array;
  label: number;
}

/** The target words: each label's name in lower case ("spam", "ham", "democratic"). */
export function labelWords(labels: readonly string[]): string[] {
  return labels.map((l) => l.toLowerCase());
}

export function tokenizeTextToText(
  dataset: ClassifyDataset,
  split: SplitName,
  tokenizer: Pick<TextTokenizer, 'encode' | 'eosTokenId'>,
  seqLen: number,
  prefix: string,
): TextToTextExample[] {
  if (!Number.isInteger(seqLen) || seqLen < 2) throw new Error(`seqLen must be an integer ≥ 2 for text-to-text, got ${seqLen}`);
  const targets = labelWords(dataset.labels).map((word, i) => {
    const ids = tokenizer.encode(word);
    if (ids.length === 0) throw new Error(`dataset "${dataset.id}": label ${i} ("${word}") encodes to no tokens`);
    return Int32Array.from([...ids, tokenizer.eosTokenId]);
  });
  return dataset.splits[split].map((ex, i) => {
    const ids = tokenizer.encode(prefix + ex.text);
    if (ids.length === 0) throw new Error(`dataset "${dataset.id}": splits.${split}[${i}].text encodes to no tokens`);
    return { input: Int32Array.from([...ids.slice(0, seqLen - 1), tokenizer.eosTokenId]), target: targets[ex.label], label: ex.label };
  });
}

/** Decoder length that holds every label word of the task: one shape for every batch. */
export function targetLength(examples: readonly TextToTextExample[]): number {
  return examples.reduce((n, ex) => Math.max(n, ex.target.length), 1);
}

export interface Seq2SeqPacking {
  seqLen: number;
  targetLen: number;
  padTokenId: number;
}

export function packSeq2Seq(rows: readonly TextToTextExample[], opts: Seq2SeqPacking): Seq2SeqBatch {
  const b = rows.length;
  const { seqLen, targetLen, padTokenId } = opts;
  const inputIds = new Int32Array(b * seqLen).fill(padTokenId);
  const attentionMask = new Int32Array(b * seqLen);
  const labels = new Int32Array(b * targetLen).fill(padTokenId);
  const labelMask = new Int32Array(b * targetLen);
  rows.forEach((row, r) => {
    if (row.target.length > targetLen) throw new Error(`target of ${row.target.length} tokens exceeds the batch's ${targetLen}`);
    const n = Math.min(row.input.length, seqLen);
    inputIds.set(row.input.subarray(0, n), r * seqLen);
    attentionMask.fill(1, r * seqLen, r * seqLen + n);
    labels.set(row.target, r * targetLen);
    labelMask.fill(1, r * targetLen, r * targetLen + row.target.length);
  });
  return { kind: 'seq2seq', batchSize: b, seqLen, inputIds, attentionMask, targetLen, labels, labelMask };
}

/** Endless training batches, a fresh seeded shuffle each epoch (as ClassifyBatcher). */
export class Seq2SeqBatcher {
  private order: number[] = [];
  private pos = 0;

  constructor(
    private readonly examples: readonly TextToTextExample[],
    private readonly opts: Seq2SeqPacking & { batchSize: number; rng: Rng },
  ) {
    if (examples.length === 0) throw new Error('Seq2SeqBatcher needs at least one example');
    if (!Number.isInteger(opts.batchSize) || opts.batchSize <= 0) throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
  }

  next(): Seq2SeqBatch {
    const rows: TextToTextExample[] = [];
    while (rows.length < this.opts.batchSize) {
      if (this.pos >= this.order.length) {
        this.order = this.opts.rng.shuffle(this.examples.map((_, i) => i));
        this.pos = 0;
      }
      rows.push(this.examples[this.order[this.pos++]]);
    }
    return packSeq2Seq(rows, this.opts);
  }
}

/** Every example once, in file order; the last batch may be smaller. */
export function* seq2seqEvalBatches(examples: readonly TextToTextExample[], opts: Seq2SeqPacking & { batchSize: number }): Generator<Seq2SeqBatch> {
  for (let i = 0; i < examples.length; i += opts.batchSize) yield packSeq2Seq(examples.slice(i, i + opts.batchSize), opts);
}
