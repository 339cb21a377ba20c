import { readFileSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseVitConfig, vitParamCount } from '../../src/engine/models/vit-config';
import { VitModel } from '../../src/engine/models/vit';
import { readSafetensors } from '../../src/engine/io/safetensors';
import { parseImageProcessorConfig } from '../../src/engine/tokenize/image-processor';
import { imageEvalBatches, parseImageDataset, type LabelledImage } from '../../src/engine/data/images';
import { MNIST_RANGES, mnistRange } from '../../scripts/prepare-mnist';

/** The committed public/models/tiny-vit checkpoint: HF layout, size, and the accuracy its README claims. */

const DIR = path.resolve(__dirname, '../../public/models/tiny-vit');
const read = (file: string) => readFileSync(path.join(DIR, file));

let model: VitModel;
const config = parseVitConfig(JSON.parse(read('config.json').toString('utf8')));
const processor = parseImageProcessorConfig(JSON.parse(read('preprocessor_config.json').toString('utf8')));

beforeAll(async () => {
  await useWasmBackend();
  model = VitModel.fromWeights(config, readSafetensors(new Uint8Array(read('model.safetensors'))).tensors);
  return () => model.dispose();
});

function accuracy(items: LabelledImage[]): number {
  let correct = 0;
  for (const batch of imageEvalBatches(items, { batchSize: 100, processor, channels: config.channels })) {
    const predicted = tf.tidy(() => {
      const pixels = tf.tensor4d(batch.pixels, [batch.batchSize, batch.channels, batch.height, batch.width]);
      return tf.argMax(model.classifierLogits(model.forward(pixels)), 1).dataSync();
    });
    batch.labels.forEach((label, i) => (correct += predicted[i] === label ? 1 : 0));
  }
  return correct / items.length;
}

describe('public/models/tiny-vit', () => {
  it('is a ViTForImageClassification in the HF layout, under 10 MB, for 28×28 grayscale digits 0–4', () => {
    const json = JSON.parse(read('config.json').toString('utf8'));
    expect(json).toMatchObject({ architectures: ['ViTForImageClassification'], model_type: 'vit', id2label: { '0': '0', '4': '4' } });
    expect(config).toMatchObject({ imageSize: 28, patchSize: 7, channels: 1, numLabels: 5, hiddenDropout: 0, attentionDropout: 0 });
    const total = readdirSync(DIR).reduce((n, f) => n + statSync(path.join(DIR, f)).size, 0);
    expect(total).toBeLessThan(10 * 1024 * 1024);
    const { tensors } = readSafetensors(new Uint8Array(read('model.safetensors')));
    expect([...tensors.keys()].every((n) => n.startsWith('vit.') || n.startsWith('classifier.'))).toBe(true);
    expect([...tensors.values()].reduce((n, t) => n + t.data.length, 0)).toBe(vitParamCount(config));
  });

  it('classifies the held-out digits 0–4 as training_log.json and README.md say (≥ 95%)', () => {
    const heldOut: LabelledImage[] = [];
    for (const digit of [0, 1, 2, 3, 4]) {
      for (const data of mnistRange(digit, MNIST_RANGES.pretrainHeldOut as unknown as [number, number])) {
        heldOut.push({ label: digit, image: { width: 28, height: 28, channels: 1, data } });
      }
    }
    const measured = accuracy(heldOut);
    const log = JSON.parse(read('training_log.json').toString('utf8'));
    expect(measured).toBe(log.final.accuracy);
    expect(measured).toBeGreaterThanOrEqual(0.95);
    expect(read('README.md').toString('utf8')).toContain(`${(measured * 100).toFixed(2)}%`);
  });

  it("classifies mnist.json's test digits 0–4 (never trained on) at ≥ 95%", () => {
    const mnist = parseImageDataset(JSON.parse(readFileSync(path.resolve(__dirname, '../../public/data/mnist.json'), 'utf8')), 'mnist');
    const test = mnist.splits.test.filter((item) => item.label < 5);
    expect(test).toHaveLength(400);
    const acc = accuracy(test);
    console.log(`tiny-vit on mnist.json test digits 0–4: ${(acc * 100).toFixed(2)}%`);
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });
});
