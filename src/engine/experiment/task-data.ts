import { parseDataset } from '../data/datasets';
import { taskById, type TaskInfo } from '../data/tasks';
import { ClassifyBatcher, LmBatcher, evalBatches, tokenizeClassify, tokenizeLm, type TokenizedExample } from '../data/batching';
import type { Rng } from '../data/rng';
import type { Batch } from '../data/types';
import type { TextTokenizer } from '../tokenize/types';
import type { TaskShape } from '../methods/types';

/** A task's data, tokenized once per experiment and shared by every run. */
export interface TaskData {
  info: TaskInfo;
  shape: TaskShape;
  labels: string[];
  /** A fresh training batch stream; same rng seed → same batches for every method. */
  trainBatches(rng: Rng): { next(): Batch };
  /** The fixed validation batches (capped at `maxBatches`). */
  validationBatches(maxBatches: number): Batch[];
  trainExamples: number;
}

/**
 * What a method needs to size itself for a task, without tokenizing anything: the head's label
 * count comes from the dataset file (language modelling reads nothing). For parameter counts
 * shown before training (the app, the CLI's `params`).
 */
export async function loadTaskShape(taskId: string, readDataFile: (file: string) => Promise<unknown>, seqLen: number): Promise<TaskShape> {
  const info = taskById(taskId);
  if (info.kind === 'lm') return { kind: 'lm', numLabels: 0, seqLen };
  const dataset = parseDataset(await readDataFile(info.datasetFile), info.id);
  return { kind: 'classify', numLabels: dataset.kind === 'classify' ? dataset.labels.length : 0, seqLen };
}

export async function prepareTaskData(
  taskId: string,
  readDataFile: (file: string) => Promise<unknown>,
  tokenizer: TextTokenizer,
  batchSize: number,
  seqLen: number,
): Promise<TaskData> {
  const info = taskById(taskId);
  const dataset = parseDataset(await readDataFile(info.datasetFile), info.id);
  const pad = tokenizer.padTokenId;
  if (dataset.kind === 'classify') {
    const train = tokenizeClassify(dataset, 'train', tokenizer, seqLen);
    const validation = tokenizeClassify(dataset, 'validation', tokenizer, seqLen);
    return {
      info,
      shape: { kind: 'classify', numLabels: dataset.labels.length, seqLen },
      labels: dataset.labels,
      trainExamples: train.length,
      trainBatches: (rng) => new ClassifyBatcher(train, { batchSize, seqLen, padTokenId: pad, rng }),
      validationBatches: (maxBatches) => take(evalBatches(validation as readonly TokenizedExample[], { batchSize, seqLen, padTokenId: pad }), maxBatches),
    };
  }
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

function take<T>(items: Iterable<T>, max: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= max) break;
    out.push(item);
  }
  return out;
}
