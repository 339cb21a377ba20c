import { z } from 'zod';
import { createRng, type Rng } from './rng';
import type { ImageBatch } from './types';
import { type ImageProcessorConfig, outputSize, preprocessImage, type RawImage } from '../tokenize/image-processor';

/**
 * Labelled image sets (the built-in MNIST file) and their batches. The file is compact JSON:
 * one base64 string of 8-bit HWC pixels per image, so it stays small and needs no image codec.
 *
 * ```
 * {format: 'peft-playground-images/1', width, height, channels, labels: ['0', …],
 *  splits: {train: [{label: 3, pixels: 'base64…'}, …], test: [...]}}
 * ```
 * `train` is the pool few-shot samples are drawn from; `test` is for evaluation only.
 */

export const IMAGE_DATASET_FORMAT = 'peft-playground-images/1';
export const IMAGE_SPLITS = ['train', 'test'] as const;
export type ImageSplit = (typeof IMAGE_SPLITS)[number];

export interface LabelledImage {
  image: RawImage;
  label: number;
}

export interface ImageDataset {
  id: string;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  labels: string[];
  splits: Record<ImageSplit, LabelledImage[]>;
}

export class ImageDatasetError extends Error {
  override name = 'ImageDatasetError';
}

const itemSchema = z.object({ label: z.number().int().nonnegative(), pixels: z.string() });
const schema = z.object({
  format: z.literal(IMAGE_DATASET_FORMAT, { message: `must be "${IMAGE_DATASET_FORMAT}"` }),
  width: z.number().int().positive().max(4096),
  height: z.number().int().positive().max(4096),
  channels: z.union([z.literal(1), z.literal(3), z.literal(4)], { message: 'must be 1, 3 or 4' }),
  labels: z.array(z.string().min(1)).min(2),
  splits: z.object({ train: z.array(itemSchema), test: z.array(itemSchema) }),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 → bytes with atob (browsers, workers and Node ≥ 16 all have it). */
function decodeBase64(text: string, where: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new ImageDatasetError(`${where} is not valid base64`);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** Validates and decodes an image dataset file; errors name the file, field and index. */
export function parseImageDataset(json: unknown, id: string): ImageDataset {
  const file = `${id}.json`;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ImageDatasetError(parsed.error.issues.map((i) => `${file}: field "${i.path.join('.') || '(root)'}" ${i.message}`).join('; '));
  }
  const d = parsed.data;
  if (new Set(d.labels).size !== d.labels.length) throw new ImageDatasetError(`${file}: field "labels" has duplicate names`);
  const bytesPerImage = d.width * d.height * d.channels;
  const splits = {} as Record<ImageSplit, LabelledImage[]>;
  for (const split of IMAGE_SPLITS) {
    splits[split] = d.splits[split].map((item, i) => {
      const where = `${file}: splits.${split}[${i}]`;
      if (item.label >= d.labels.length) throw new ImageDatasetError(`${where}.label ${item.label} is not an index into the ${d.labels.length} labels`);
      const data = decodeBase64(item.pixels, `${where}.pixels`);
      if (data.length !== bytesPerImage) {
        throw new ImageDatasetError(`${where}.pixels decodes to ${data.length} bytes, ${d.width}×${d.height}×${d.channels} needs ${bytesPerImage}`);
      }
      return { label: item.label, image: { width: d.width, height: d.height, channels: d.channels, data } };
    });
  }
  if (splits.train.length === 0) throw new ImageDatasetError(`${file}: splits.train is empty`);
  return { id, width: d.width, height: d.height, channels: d.channels, labels: d.labels, splits };
}

/** Count of images per label in a split. */
export function labelCounts(dataset: ImageDataset, split: ImageSplit): number[] {
  const counts = new Array<number>(dataset.labels.length).fill(0);
  for (const item of dataset.splits[split]) counts[item.label]++;
  return counts;
}

/**
 * Exactly `shotsPerClass` training images of every label (or of `classes`, when given),
 * drawn without replacement by the seed, grouped by label in label order. Same seed, same set.
 */
export function fewShotSample(dataset: ImageDataset, shotsPerClass: number, seed: number | Rng, classes?: number[]): LabelledImage[] {
  if (!Number.isInteger(shotsPerClass) || shotsPerClass <= 0) throw new Error(`shotsPerClass must be a positive integer, got ${shotsPerClass}`);
  const rng = typeof seed === 'number' ? createRng(seed) : seed;
  const wanted = classes ?? dataset.labels.map((_, i) => i);
  const out: LabelledImage[] = [];
  for (const label of wanted) {
    if (!Number.isInteger(label) || label < 0 || label >= dataset.labels.length) throw new Error(`class ${label} is not a label index of dataset "${dataset.id}"`);
    const pool = dataset.splits.train.filter((item) => item.label === label);
    if (pool.length < shotsPerClass) {
      throw new Error(`dataset "${dataset.id}" has ${pool.length} training images of "${dataset.labels[label]}", ${shotsPerClass} shots asked`);
    }
    // A stream per label: the images of one class do not depend on which other classes are asked.
    out.push(...rng.fork(`class:${label}`).shuffle(pool).slice(0, shotsPerClass));
  }
  return out;
}

/**
 * The items reordered round-robin over labels (first of each label in label order, then the
 * second of each, …), stable within a label: any prefix is as balanced as it can be, so an
 * evaluation capped at a few batches still sees every class (the file is grouped by label).
 */
export function interleaveByLabel<T extends { label: number }>(items: readonly T[]): T[] {
  const byLabel = new Map<number, T[]>();
  for (const item of items) byLabel.set(item.label, [...(byLabel.get(item.label) ?? []), item]);
  const queues = [...byLabel.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
  const out: T[] = [];
  for (let i = 0; out.length < items.length; i++) for (const queue of queues) if (i < queue.length) out.push(queue[i]);
  return out;
}

/** The images a task validates on, in the order the runner and the app both read them. */
export function validationImages(dataset: ImageDataset): LabelledImage[] {
  return interleaveByLabel(dataset.splits.test);
}

export interface ImageBatchOptions {
  batchSize: number;
  processor: ImageProcessorConfig;
  /** The model's num_channels (grayscale ↔ RGB conversion follows it). */
  channels: number;
  /** Maps a dataset label index to the task's class index (e.g. digits 5–9 → 0–4); identity when absent. */
  labelMap?: (label: number) => number;
}

/** Preprocessed rows packed into one ImageBatch. */
export function packImages(items: readonly LabelledImage[], opts: ImageBatchOptions): ImageBatch {
  if (items.length === 0) throw new Error('an image batch needs at least one image');
  const { height, width } = outputSize(items[0].image, opts.processor);
  const per = opts.channels * height * width;
  const pixels = new Float32Array(items.length * per);
  const labels = new Int32Array(items.length);
  items.forEach((item, i) => {
    const values = preprocessImage(item.image, opts.processor, opts.channels);
    if (values.length !== per) throw new Error(`image ${i} preprocesses to ${values.length} values, the batch expects ${per}`);
    pixels.set(values, i * per);
    labels[i] = opts.labelMap ? opts.labelMap(item.label) : item.label;
  });
  return { kind: 'image', batchSize: items.length, channels: opts.channels, height, width, pixels, labels };
}

/**
 * Endless training batches of a fixed size: a seeded shuffle of all items per epoch, batches
 * cut in order (a short tail wraps into the next epoch, so every batch has the same shape).
 */
export class ImageBatcher {
  private order: number[] = [];
  private at = 0;
  epoch = 0;

  constructor(
    private readonly items: readonly LabelledImage[],
    private readonly opts: ImageBatchOptions & {
      rng: Rng;
      /** Applied to each image as it is batched (e.g. a seeded random shift), before preprocessing. */
      augment?: (item: LabelledImage) => LabelledImage;
    },
  ) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize <= 0) throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
    if (items.length === 0) throw new Error('ImageBatcher needs at least one image');
  }

  next(): ImageBatch {
    const rows: LabelledImage[] = [];
    while (rows.length < this.opts.batchSize) {
      if (this.at >= this.order.length) {
        this.order = this.opts.rng.shuffle(this.items.map((_, i) => i));
        this.at = 0;
        this.epoch++;
      }
      const item = this.items[this.order[this.at++]];
      rows.push(this.opts.augment ? this.opts.augment(item) : item);
    }
    return packImages(rows, this.opts);
  }
}

/** Evaluation batches over `items` in order; the last one may be smaller. */
export function* imageEvalBatches(items: readonly LabelledImage[], opts: ImageBatchOptions): Generator<ImageBatch> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize <= 0) throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
  for (let i = 0; i < items.length; i += opts.batchSize) yield packImages(items.slice(i, i + opts.batchSize), opts);
}
