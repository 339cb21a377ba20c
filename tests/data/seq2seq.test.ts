import { describe, expect, it } from 'vitest';
import type { ClassifyDataset } from '../../src/engine/data/datasets';
import { createRng } from '../../src/engine/data/rng';
import { labelWords, packSeq2Seq, Seq2SeqBatcher, seq2seqEvalBatches, targetLength, tokenizeTextToText } from '../../src/engine/data/seq2seq';
import { byteTokenizer, EOS } from './byteTokenizer';

/** Text classification posed text-to-text (T5): "prefix: text</s>" → "label</s>", fixed-shape batches. */

const bytes = (s: string) => Array.from(new TextEncoder().encode(s));

const dataset: ClassifyDataset = {
  format: 'peft-playground-dataset/1',
  id: 'spam',
  title: 'spam',
  description: '',
  source: '',
  license: '',
  kind: 'classify',
  labels: ['Ham', 'Spam'],
  splits: {
    train: [
      { text: 'hello', label: 0, group: 'a' },
      { text: 'win money now', label: 1, group: 'b' },
      { text: 'meeting at noon', label: 0, group: 'c' },
    ],
    validation: [{ text: 'free', label: 1, group: 'd' }],
    test: [],
  },
} as ClassifyDataset;

describe('text-to-text examples', () => {
  it('encoder input = prefix + text, cut to seqLen − 1, then eos; target = the lower-cased label word + eos', () => {
    expect(labelWords(dataset.labels)).toEqual(['ham', 'spam']);
    const examples = tokenizeTextToText(dataset, 'train', byteTokenizer, 8, 'sh: ');
    expect(Array.from(examples[0].input)).toEqual([...bytes('sh: hel'), EOS]);
    expect(Array.from(examples[0].target)).toEqual([...bytes('ham'), EOS]);
    expect(Array.from(examples[1].target)).toEqual([...bytes('spam'), EOS]);
    const short = tokenizeTextToText(dataset, 'validation', byteTokenizer, 64, 'sh: ');
    expect(Array.from(short[0].input)).toEqual([...bytes('sh: free'), EOS]);
    expect(targetLength(examples)).toBe(5);
  });

  it('packs right-padded batches with a label mask over the target and its eos only', () => {
    const examples = tokenizeTextToText(dataset, 'train', byteTokenizer, 6, '');
    const b = packSeq2Seq(examples.slice(0, 2), { seqLen: 6, targetLen: 5, padTokenId: 0 });
    expect(b.kind).toBe('seq2seq');
    expect(Array.from(b.inputIds)).toEqual([...bytes('hello'), EOS, ...bytes('win m'), EOS]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(b.labels)).toEqual([...bytes('ham'), EOS, 0, ...bytes('spam'), EOS]);
    expect(Array.from(b.labelMask)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    expect(() => packSeq2Seq(examples.slice(1, 2), { seqLen: 6, targetLen: 3, padTokenId: 0 })).toThrow(/exceeds/);
  });

  it('training batches have one shape and replay per seed; evaluation covers the split once', () => {
    const examples = tokenizeTextToText(dataset, 'train', byteTokenizer, 16, '');
    const packing = { seqLen: 16, targetLen: 5, padTokenId: 0, batchSize: 2 };
    const first = new Seq2SeqBatcher(examples, { ...packing, rng: createRng(3) });
    const again = new Seq2SeqBatcher(examples, { ...packing, rng: createRng(3) });
    for (let i = 0; i < 4; i++) {
      const a = first.next();
      expect([a.batchSize, a.seqLen, a.targetLen]).toEqual([2, 16, 5]);
      expect(Array.from(a.inputIds)).toEqual(Array.from(again.next().inputIds));
    }
    const evaluation = [...seq2seqEvalBatches(examples, packing)];
    expect(evaluation.map((b) => b.batchSize)).toEqual([2, 1]);
  });
});
