import { describe, expect, it } from 'vitest';
import {
  ClassifyBatcher,
  LmBatcher,
  evalBatches,
  lmEvalWindowCount,
  tokenizeClassify,
  tokenizeLm,
  type TokenizedExample,
} from '../../src/engine/data/batching';
import { DATASET_FORMAT, type ClassifyDataset, type LmDataset } from '../../src/engine/data/datasets';
import { createRng } from '../../src/engine/data/rng';
import type { ClassifyBatch, LmBatch } from '../../src/engine/data/types';
import { EOS, byteTokenizer } from './byteTokenizer';

const meta = { format: DATASET_FORMAT, title: 't', description: '', source: 'tests', license: 'CC0' } as const;

function classifyDataset(n: number): ClassifyDataset {
  // Text i is "<i>:" followed by i % 7 letters, so lengths vary and each row identifies itself.
  const items = Array.from({ length: n }, (_, i) => ({ text: `${i}:${'x'.repeat(i % 7)}`, label: i % 3 }));
  return { ...meta, id: 'toy', kind: 'classify', labels: ['a', 'b', 'c'], splits: { train: items, validation: items.slice(0, 11), test: [] } };
}

function lmDataset(): LmDataset {
  const docs = Array.from({ length: 20 }, (_, i) => ({ text: `document ${i} ` + 'abcdefghij'.slice(0, (i * 3) % 10) }));
  return { ...meta, id: 'toy-lm', kind: 'lm', splits: { train: docs, validation: docs.slice(0, 5), test: [] } };
}

function take<T>(it: Iterable<T>, n: number): T[] {
  // Stop right after the n-th item: pulling one more would advance the batcher's rng.
  const out: T[] = [];
  if (n === 0) return out;
  for (const x of it) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

/** Row r of a batch decoded back to text (masked positions only). */
function rowText(b: ClassifyBatch | LmBatch, r: number): string {
  const ids: number[] = [];
  for (let t = 0; t < b.seqLen; t++) if (b.attentionMask[r * b.seqLen + t] === 1) ids.push(b.inputIds[r * b.seqLen + t]);
  return byteTokenizer.decode(ids);
}

describe('tokenize', () => {
  it('keeps the start of long texts, up to seqLen', () => {
    const ds = classifyDataset(3);
    ds.splits.train[0] = { text: 'hello world', label: 2 };
    const ex = tokenizeClassify(ds, 'train', byteTokenizer, 5);
    expect(Array.from(ex[0].ids)).toEqual(byteTokenizer.encode('hello'));
    expect(ex[0].label).toBe(2);
    expect(ex[1].ids.length).toBe(3); // "1:x"
  });

  it('rejects a text with no tokens, naming it', () => {
    const ds = classifyDataset(3);
    ds.splits.validation = [{ text: 'ok', label: 0 }, { text: 'x', label: 0 }];
    const empty = { ...byteTokenizer, encode: (t: string) => (t === 'x' ? [] : byteTokenizer.encode(t)) };
    expect(() => tokenizeClassify(ds, 'validation', empty, 8)).toThrow('splits.validation[1].text encodes to no tokens');
  });

  it('joins lm documents with eos between them', () => {
    const ds = lmDataset();
    ds.splits.validation = [{ text: 'ab' }, { text: 'c' }, { text: 'de' }];
    expect(Array.from(tokenizeLm(ds, 'validation', byteTokenizer))).toEqual([97, 98, EOS, 99, EOS, 100, 101]);
  });
});

describe('ClassifyBatcher', () => {
  const ds = classifyDataset(10);
  const examples = tokenizeClassify(ds, 'train', byteTokenizer, 6);

  it('right-pads with padTokenId and masks 1 on real tokens only', () => {
    const b = new ClassifyBatcher(examples, { batchSize: 4, seqLen: 6, padTokenId: EOS, rng: createRng(1) }).next();
    expect(b.kind).toBe('classify');
    expect(b.inputIds.length).toBe(24);
    for (let r = 0; r < 4; r++) {
      const text = rowText(b, r);
      const i = Number(text.split(':')[0]);
      const ex = examples[i];
      expect(b.labels[r]).toBe(ex.label);
      for (let t = 0; t < 6; t++) {
        const real = t < ex.ids.length;
        expect(b.attentionMask[r * 6 + t]).toBe(real ? 1 : 0);
        expect(b.inputIds[r * 6 + t]).toBe(real ? ex.ids[t] : EOS);
      }
    }
  });

  it('visits every example once per epoch, continuing across epochs with fixed batch size', () => {
    const batcher = new ClassifyBatcher(examples, { batchSize: 4, seqLen: 6, padTokenId: EOS, rng: createRng(7) });
    const seen: string[] = [];
    for (const b of take(batcher, 5)) {
      expect(b.batchSize).toBe(4);
      for (let r = 0; r < 4; r++) seen.push(rowText(b, r).split(':')[0]);
    }
    // 20 rows = exactly two epochs of 10.
    expect(seen.slice(0, 10).sort()).toEqual(examples.map((_, i) => String(i)).sort());
    expect(seen.slice(10).sort()).toEqual(examples.map((_, i) => String(i)).sort());
    expect(seen.slice(0, 10)).not.toEqual(seen.slice(10)); // reshuffled
    expect(batcher.epoch).toBe(1);
    expect(batcher.epochProgress).toBe(2);
  });

  it('replays the same batches for the same seed, different ones for another', () => {
    const run = (seed: number) => take(new ClassifyBatcher(examples, { batchSize: 3, seqLen: 6, padTokenId: EOS, rng: createRng(seed) }), 6);
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });
});

describe('LmBatcher', () => {
  const stream = tokenizeLm(lmDataset(), 'train', byteTokenizer);

  it('draws seqLen windows that occur in the stream, mask all ones', () => {
    const batcher = new LmBatcher(stream, { batchSize: 5, seqLen: 16, rng: createRng(3) });
    const hay = Array.from(stream).join(',');
    for (const b of take(batcher, 10)) {
      expect(b.kind).toBe('lm');
      expect(b.inputIds.length).toBe(80);
      expect(Array.from(b.attentionMask).every((m) => m === 1)).toBe(true);
      for (let r = 0; r < 5; r++) {
        const w = Array.from(b.inputIds.subarray(r * 16, r * 16 + 16)).join(',');
        expect(`,${hay},`).toContain(`,${w},`);
      }
    }
    expect(batcher.tokensSeen).toBe(800);
  });

  it('is deterministic by seed', () => {
    const run = (seed: number) => take(new LmBatcher(stream, { batchSize: 4, seqLen: 8, rng: createRng(seed) }), 5);
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
  });

  it('rejects a stream shorter than seqLen', () => {
    expect(() => new LmBatcher(new Int32Array(3), { batchSize: 1, seqLen: 4, rng: createRng(0) })).toThrow(/shorter than seqLen/);
  });
});

describe('evalBatches', () => {
  it('classify: every validation example exactly once, in order, last batch smaller', () => {
    const ds = classifyDataset(30);
    const examples: TokenizedExample[] = tokenizeClassify(ds, 'validation', byteTokenizer, 12);
    const batches = [...evalBatches(examples, { batchSize: 4, seqLen: 12, padTokenId: EOS })];
    expect(batches.map((b) => b.batchSize)).toEqual([4, 4, 3]);
    const rows = batches.flatMap((b) => Array.from({ length: b.batchSize }, (_, r) => rowText(b, r)));
    expect(rows).toEqual(ds.splits.validation.map((e) => e.text));
    expect(batches.flatMap((b) => Array.from(b.labels))).toEqual(ds.splits.validation.map((e) => e.label));
    expect(batches[2].inputIds.length).toBe(3 * 12);
    // Deterministic: a second pass gives the same batches.
    expect([...evalBatches(examples, { batchSize: 4, seqLen: 12, padTokenId: EOS })]).toEqual(batches);
  });

  it('lm: consecutive non-overlapping windows covering the stream, tail padded and masked', () => {
    const stream = Int32Array.from({ length: 23 }, (_, i) => i);
    const batches = [...evalBatches(stream, { batchSize: 2, seqLen: 5, padTokenId: EOS })];
    expect(lmEvalWindowCount(23, 5)).toBe(5);
    expect(batches.map((b) => b.batchSize)).toEqual([2, 2, 1]);
    const covered: number[] = [];
    for (const b of batches) for (let i = 0; i < b.inputIds.length; i++) if (b.attentionMask[i] === 1) covered.push(b.inputIds[i]);
    expect(covered).toEqual(Array.from(stream));
    const last = batches[2];
    expect(Array.from(last.inputIds)).toEqual([20, 21, 22, EOS, EOS]);
    expect(Array.from(last.attentionMask)).toEqual([1, 1, 1, 0, 0]);
  });

  it('lm: maxBatches caps the work; a 1-token tail is dropped (nothing to predict)', () => {
    const stream = Int32Array.from({ length: 21 }, (_, i) => i);
    expect([...evalBatches(stream, { batchSize: 2, seqLen: 5, padTokenId: EOS })].map((b) => b.batchSize)).toEqual([2, 2]);
    expect([...evalBatches(stream, { batchSize: 1, seqLen: 5, padTokenId: EOS, maxBatches: 3 })]).toHaveLength(3);
  });
});
