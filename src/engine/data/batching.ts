/**
 * From parsed datasets to fixed-shape batches of token ids (plain typed arrays, no tfjs).
 *
 * Every training batch has the same [batchSize, seqLen] shape: GPU backends compile one program
 * per shape, so ragged batches would recompile and distort the timing comparisons the playground
 * is about. Only evaluation may end with a smaller batch (it says so in its batchSize).
 *
 * Randomness comes only from the Rng passed in, so a seed replays the exact batch sequence.
 */
import type { ClassifyDataset, LmDataset, SplitName } from './datasets';
import type { Rng } from './rng';
import type { ClassifyBatch, LmBatch } from './types';
import type { TextTokenizer } from '../tokenize/types';

export interface TokenizedExample {
  /** At most seqLen ids, the START of the text (subject line / opening of the paragraph). */
  ids: Int32Array;
  label: number;
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
}

export function tokenizeClassify(
  dataset: ClassifyDataset,
  split: SplitName,
  tokenizer: Pick<TextTokenizer, 'encode'>,
  seqLen: number,
): TokenizedExample[] {
  checkPositiveInt('seqLen', seqLen);
  return dataset.splits[split].map((ex, i) => {
    const ids = tokenizer.encode(ex.text);
    // An all-padding row would make pooling/softmax undefined; fail here with a findable index.
    if (ids.length === 0) throw new Error(`dataset "${dataset.id}": splits.${split}[${i}].text encodes to no tokens`);
    return { ids: Int32Array.from(ids.length > seqLen ? ids.slice(0, seqLen) : ids), label: ex.label };
  });
}

/** All documents of a split as one stream, `eosTokenId` between consecutive documents. */
export function tokenizeLm(
  dataset: LmDataset,
  split: SplitName,
  tokenizer: Pick<TextTokenizer, 'encode' | 'eosTokenId'>,
): Int32Array {
  const parts = dataset.splits[split].map((d) => tokenizer.encode(d.text));
  const total = parts.reduce((n, p) => n + p.length, 0) + Math.max(0, parts.length - 1);
  const out = new Int32Array(total);
  let at = 0;
  parts.forEach((p, i) => {
    if (i > 0) out[at++] = tokenizer.eosTokenId;
    out.set(p, at);
    at += p.length;
  });
  return out;
}

/** Rows of `examples` packed into one right-padded classify batch. */
export function packClassify(
  rows: readonly TokenizedExample[],
  seqLen: number,
  padTokenId: number,
): ClassifyBatch {
  const b = rows.length;
  const inputIds = new Int32Array(b * seqLen).fill(padTokenId);
  const attentionMask = new Int32Array(b * seqLen);
  const labels = new Int32Array(b);
  rows.forEach((row, r) => {
    const n = Math.min(row.ids.length, seqLen);
    inputIds.set(row.ids.subarray(0, n), r * seqLen);
    attentionMask.fill(1, r * seqLen, r * seqLen + n);
    labels[r] = row.label;
  });
  return { kind: 'classify', batchSize: b, seqLen, inputIds, attentionMask, labels };
}

export interface ClassifyBatcherOptions {
  batchSize: number;
  seqLen: number;
  padTokenId: number;
  /** Owned by the batcher from now on (pass a fork, e.g. `rng.fork('batches')`). */
  rng: Rng;
}

/**
 * Endless training batches: examples in a fresh seeded shuffle each epoch. A batch that crosses
 * an epoch boundary is completed from the next epoch's shuffle (no dropped or short batches).
 */
export class ClassifyBatcher implements Iterable<ClassifyBatch> {
  private readonly examples: readonly TokenizedExample[];
  private readonly opts: ClassifyBatcherOptions;
  private order: number[] = [];
  private pos = 0;
  /** Completed passes over the data so far (fractional progress: see `epochProgress`). */
  epoch = 0;

  constructor(examples: readonly TokenizedExample[], opts: ClassifyBatcherOptions) {
    if (examples.length === 0) throw new Error('ClassifyBatcher needs at least one example');
    checkPositiveInt('batchSize', opts.batchSize);
    checkPositiveInt('seqLen', opts.seqLen);
    this.examples = examples;
    this.opts = opts;
    this.reshuffle();
  }

  /** Epochs done, with the fraction of the current one (for progress bars / LR schedules). */
  get epochProgress(): number {
    return this.epoch + this.pos / this.examples.length;
  }

  private reshuffle(): void {
    this.order = this.opts.rng.shuffle(Array.from(this.examples, (_, i) => i));
    this.pos = 0;
  }

  next(): ClassifyBatch {
    const rows: TokenizedExample[] = [];
    while (rows.length < this.opts.batchSize) {
      if (this.pos === this.order.length) {
        this.epoch++;
        this.reshuffle();
      }
      rows.push(this.examples[this.order[this.pos++]]);
    }
    return packClassify(rows, this.opts.seqLen, this.opts.padTokenId);
  }

  *[Symbol.iterator](): Iterator<ClassifyBatch> {
    for (;;) yield this.next();
  }
}

export interface LmBatcherOptions {
  batchSize: number;
  seqLen: number;
  /** Owned by the batcher from now on. */
  rng: Rng;
}

/**
 * Endless training batches of seqLen-token windows at seeded random offsets of the stream
 * (windows may span a document boundary: the eos separator is then inside the window, as in
 * GPT-2's own training). Mask is all ones.
 */
export class LmBatcher implements Iterable<LmBatch> {
  private readonly stream: Int32Array;
  private readonly opts: LmBatcherOptions;
  /** Tokens handed out so far, over stream length: a rough "epochs" figure. */
  tokensSeen = 0;

  constructor(stream: Int32Array, opts: LmBatcherOptions) {
    checkPositiveInt('batchSize', opts.batchSize);
    checkPositiveInt('seqLen', opts.seqLen);
    if (stream.length < opts.seqLen) {
      throw new Error(`LmBatcher: token stream (${stream.length}) is shorter than seqLen (${opts.seqLen})`);
    }
    this.stream = stream;
    this.opts = opts;
  }

  get epochProgress(): number {
    return this.tokensSeen / this.stream.length;
  }

  next(): LmBatch {
    const { batchSize, seqLen, rng } = this.opts;
    const inputIds = new Int32Array(batchSize * seqLen);
    const starts = this.stream.length - seqLen + 1;
    for (let r = 0; r < batchSize; r++) {
      const s = rng.int(starts);
      inputIds.set(this.stream.subarray(s, s + seqLen), r * seqLen);
    }
    this.tokensSeen += batchSize * seqLen;
    return { kind: 'lm', batchSize, seqLen, inputIds, attentionMask: new Int32Array(batchSize * seqLen).fill(1) };
  }

  *[Symbol.iterator](): Iterator<LmBatch> {
    for (;;) yield this.next();
  }
}

export interface ClassifyEvalOptions {
  batchSize: number;
  seqLen: number;
  padTokenId: number;
}

export interface LmEvalOptions {
  batchSize: number;
  seqLen: number;
  /** Pads the final, shorter window (masked 0). */
  padTokenId: number;
  /** Stop after this many batches (evaluation cost cap); default: the whole stream. */
  maxBatches?: number;
}

/**
 * Deterministic evaluation batches, no rng:
 * - classify: every example once, in file order; the last batch may be smaller (its batchSize
 *   says so), so accuracy is over exactly the split.
 * - lm: consecutive non-overlapping seqLen windows from the start of the stream; a final partial
 *   window (>= 2 tokens, so at least one prediction) is right-padded with mask 0; the last batch
 *   may hold fewer windows. `maxBatches` caps the cost on large splits.
 */
export function evalBatches(examples: readonly TokenizedExample[], opts: ClassifyEvalOptions): Generator<ClassifyBatch>;
export function evalBatches(stream: Int32Array, opts: LmEvalOptions): Generator<LmBatch>;
export function evalBatches(
  data: readonly TokenizedExample[] | Int32Array,
  opts: ClassifyEvalOptions | LmEvalOptions,
): Generator<ClassifyBatch> | Generator<LmBatch> {
  checkPositiveInt('batchSize', opts.batchSize);
  checkPositiveInt('seqLen', opts.seqLen);
  return data instanceof Int32Array ? evalLm(data, opts) : evalClassify(data, opts);
}

function* evalClassify(examples: readonly TokenizedExample[], opts: ClassifyEvalOptions): Generator<ClassifyBatch> {
  for (let i = 0; i < examples.length; i += opts.batchSize) {
    yield packClassify(examples.slice(i, i + opts.batchSize), opts.seqLen, opts.padTokenId);
  }
}

/** Number of windows evalBatches yields for an lm stream (before the maxBatches cap). */
export function lmEvalWindowCount(streamLength: number, seqLen: number): number {
  const full = Math.floor(streamLength / seqLen);
  return full + (streamLength - full * seqLen >= 2 ? 1 : 0);
}

function* evalLm(stream: Int32Array, opts: LmEvalOptions): Generator<LmBatch> {
  const { batchSize, seqLen, padTokenId } = opts;
  const maxBatches = opts.maxBatches ?? Infinity;
  const windows = lmEvalWindowCount(stream.length, seqLen);
  for (let w = 0, b = 0; w < windows && b < maxBatches; w += batchSize, b++) {
    const rows = Math.min(batchSize, windows - w);
    const inputIds = new Int32Array(rows * seqLen).fill(padTokenId);
    const attentionMask = new Int32Array(rows * seqLen);
    for (let r = 0; r < rows; r++) {
      const s = (w + r) * seqLen;
      const piece = stream.subarray(s, Math.min(s + seqLen, stream.length));
      inputIds.set(piece, r * seqLen);
      attentionMask.fill(1, r * seqLen, r * seqLen + piece.length);
    }
    yield { kind: 'lm', batchSize: rows, seqLen, inputIds, attentionMask };
  }
}
