import { parseDataset, type ClassifyDataset } from '../data/datasets';
import { taskById, taskKindOn, type TaskInfo } from '../data/tasks';
import { ClassifyBatcher, LmBatcher, evalBatches, tokenizeClassify, tokenizeLm, type TokenizedExample } from '../data/batching';
import { fewShotSample, ImageBatcher, imageEvalBatches, parseImageDataset, validationImages, type LabelledImage } from '../data/images';
import { labelWords, Seq2SeqBatcher, seq2seqEvalBatches, targetLength, tokenizeTextToText } from '../data/seq2seq';
import type { Rng } from '../data/rng';
import type { Batch } from '../data/types';
import type { TaskShape } from '../methods/types';
import { fixedInputLength, type ModelConfig } from '../io/model-config';
import { requireTokenizer, type BaseCheckpoint } from './base-model';

/** A task's data, tokenized (or preprocessed) once per experiment and shared by every run. */
export interface TaskData {
  info: TaskInfo;
  shape: TaskShape;
  labels: string[];
  /** A fresh training batch stream; same rng seed → same batches for every method. */
  trainBatches(rng: Rng): { next(): Batch };
  /** The fixed validation batches (capped at `maxBatches`). */
  validationBatches(maxBatches: number): Batch[];
  trainExamples: number;
  /** Image tasks: the few-shot training images and the validation images, for the app's grid. */
  images?: { train: LabelledImage[]; validation: LabelledImage[] };
}

/**
 * What a method needs to size itself for a task on a model, without tokenizing anything: the
 * head's label count comes from the dataset file (language modelling reads nothing), the input
 * length from the spec (text) or the model (ViT's patches). For counts shown before training.
 */
export async function loadTaskShape(taskId: string, readDataFile: (file: string) => Promise<unknown>, seqLen: number, model: ModelConfig): Promise<TaskShape> {
  const info = taskById(taskId);
  const kind = taskKindOn(info, model.family);
  const inputLength = fixedInputLength(model) ?? seqLen;
  if (kind === 'lm') return { kind, numLabels: 0, seqLen: inputLength };
  const json = await readDataFile(info.datasetFile);
  const labels = kind === 'image-classify' ? parseImageDataset(json, info.id).labels : classifyDataset(json, info).labels;
  return { kind, numLabels: labels.length, seqLen: inputLength };
}

function classifyDataset(json: unknown, info: TaskInfo): ClassifyDataset {
  const dataset = parseDataset(json, info.id);
  if (dataset.kind !== 'classify') throw new Error(`${info.datasetFile}: task "${info.id}" needs a classification dataset, the file holds "${dataset.kind}"`);
  return dataset;
}

export async function prepareTaskData(
  taskId: string,
  readDataFile: (file: string) => Promise<unknown>,
  base: BaseCheckpoint,
  batchSize: number,
  seqLen: number,
  seed: number,
): Promise<TaskData> {
  const info = taskById(taskId);
  const kind = taskKindOn(info, base.model.family);
  const json = await readDataFile(info.datasetFile);
  if (kind === 'image-classify') return imageTaskData(info, json, base, batchSize, seed);
  const tokenizer = requireTokenizer(base);
  const pad = tokenizer.padTokenId;
  if (kind === 'seq2seq') {
    const dataset = classifyDataset(json, info);
    const prefix = info.textToTextPrefix ?? '';
    const train = tokenizeTextToText(dataset, 'train', tokenizer, seqLen, prefix);
    const validation = tokenizeTextToText(dataset, 'validation', tokenizer, seqLen, prefix);
    const packing = { seqLen, targetLen: targetLength([...train, ...validation]), padTokenId: pad, batchSize };
    return {
      info,
      shape: { kind, numLabels: dataset.labels.length, seqLen },
      labels: labelWords(dataset.labels),
      trainExamples: train.length,
      trainBatches: (rng) => new Seq2SeqBatcher(train, { ...packing, rng }),
      validationBatches: (maxBatches) => take(seq2seqEvalBatches(validation, packing), maxBatches),
    };
  }
  if (kind === 'classify') {
    const dataset = classifyDataset(json, info);
    const train = tokenizeClassify(dataset, 'train', tokenizer, seqLen);
    const validation = tokenizeClassify(dataset, 'validation', tokenizer, seqLen);
    return {
      info,
      shape: { kind, numLabels: dataset.labels.length, seqLen },
      labels: dataset.labels,
      trainExamples: train.length,
      trainBatches: (rng) => new ClassifyBatcher(train, { batchSize, seqLen, padTokenId: pad, rng }),
      validationBatches: (maxBatches) => take(evalBatches(validation as readonly TokenizedExample[], { batchSize, seqLen, padTokenId: pad }), maxBatches),
    };
  }
  const dataset = parseDataset(json, info.id);
  if (dataset.kind !== 'lm') throw new Error(`${info.datasetFile}: task "${info.id}" needs a language-modelling dataset, the file holds "${dataset.kind}"`);
  const train = tokenizeLm(dataset, 'train', tokenizer);
  const validation = tokenizeLm(dataset, 'validation', tokenizer);
  return {
    info,
    shape: { kind: 'lm', numLabels: 0, seqLen },
    labels: [],
    trainExamples: Math.floor(train.length / seqLen),
    trainBatches: (rng) => new LmBatcher(train, { batchSize, seqLen, rng }),
    validationBatches: (maxBatches) => take(evalBatches(validation, { batchSize, seqLen, padTokenId: pad, maxBatches }), maxBatches),
  };
}

/**
 * Few-shot image classification: `shotsPerClass` training images per label, drawn by the
 * experiment's seed (the paper's protocol: several seeds, mean ± std), validated on the test split.
 */
function imageTaskData(info: TaskInfo, json: unknown, base: BaseCheckpoint, batchSize: number, seed: number): TaskData {
  const dataset = parseImageDataset(json, info.id);
  if (!base.imageProcessor || base.model.family !== 'vit') throw new Error(`${base.source}: task "${info.id}" needs an image model with preprocessor_config.json`);
  const shots = info.shotsPerClass ?? 1;
  const train = fewShotSample(dataset, shots, seed);
  const validation = validationImages(dataset);
  const packing = { batchSize, processor: base.imageProcessor, channels: base.model.config.channels };
  return {
    info,
    shape: { kind: 'image-classify', numLabels: dataset.labels.length, seqLen: fixedInputLength(base.model) ?? 0 },
    labels: dataset.labels,
    trainExamples: train.length,
    trainBatches: (rng) => new ImageBatcher(train, { ...packing, rng }),
    validationBatches: (maxBatches) => take(imageEvalBatches(validation, packing), maxBatches),
    images: { train, validation },
  };
}

function take<T>(items: Iterable<T>, max: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= max) break;
    out.push(item);
  }
  return out;
}
