import { parseDataset, type ClassifyDataset } from '../data/datasets';
import { interleaveByLabel, packImages, parseImageDataset, type LabelledImage } from '../data/images';
import { packClassify, type TokenizedExample } from '../data/batching';
import { createRng } from '../data/rng';
import type { Batch } from '../data/types';
import type { TaskInfo } from '../data/tasks';
import { fixedInputLength } from '../models/families';
import { requireTokenizer, type BaseCheckpoint } from '../experiment/base-model';
import type { StreamInfo, StreamTaskInfo } from './events';

/**
 * Class-incremental task streams: the classes of a dataset split into tasks that arrive one
 * after another in a seeded order. Global class indices follow arrival order (task 0's classes
 * first), so the concatenated logits of per-task modules line up with the labels.
 */

/** One training or test example of a stream; `id` is unique across the stream (the cache key). */
export interface ContinualExample {
  id: number;
  /** Stream index of the task it belongs to. */
  task: number;
  /** Global class index (arrival order). */
  label: number;
  input: LabelledImage | TokenizedExample;
  /** Where it comes from, when the dataset says (a SOTU address: "1935-franklin-d-roosevelt"). */
  source?: string;
}

export interface StreamTask {
  info: StreamTaskInfo;
  /** Global index of this task's first class; its classes are classOffset … classOffset+n−1. */
  classOffset: number;
  train: ContinualExample[];
  test: ContinualExample[];
}

export interface TaskStream {
  info: StreamInfo;
  tasks: StreamTask[];
  numClasses: number;
  /** Input tokens per example (ViT's patches, the text's seqLen): TaskShape.seqLen. */
  inputLength: number;
  kind: 'image-classify' | 'classify';
  /** Packs examples into one batch; `labelOf` replaces the class label (the selector's task ids). */
  pack(examples: readonly ContinualExample[], labelOf?: (e: ContinualExample) => number): Batch;
}

interface TaskGroup {
  name: string;
  /** Dataset class keys (digit labels, president slugs) in the task's class order. */
  classes: string[];
}

const SPLIT_MNIST_TASKS: TaskGroup[] = [0, 2, 4, 6, 8].map((d) => ({ name: `digits ${d}, ${d + 1}`, classes: [String(d), String(d + 1)] }));

/** Two presidents per era, each with 46–142 passages in sotu-party.json. */
const SOTU_ERAS: TaskGroup[] = [
  { name: 'Jacksonian era', classes: ['andrew-jackson', 'martin-van-buren'] },
  { name: 'Gilded Age', classes: ['ulysses-s-grant', 'grover-cleveland'] },
  { name: 'Progressive Era', classes: ['theodore-roosevelt', 'woodrow-wilson'] },
  { name: 'New Deal and post-war', classes: ['franklin-d-roosevelt', 'harry-s-truman'] },
  { name: 'Reagan to Obama', classes: ['ronald-reagan', 'barack-obama'] },
];

/** Classes per task of a stream, in stream order (every task of our streams has two), without loading data. */
export function streamTaskSizes(stream: NonNullable<TaskInfo['stream']>): number[] {
  return (stream === 'split-mnist' ? SPLIT_MNIST_TASKS : SOTU_ERAS).map((g) => g.classes.length);
}

/** "franklin-d-roosevelt" → "Franklin D. Roosevelt". */
function presidentName(slug: string): string {
  return slug
    .split('-')
    .map((w) => (w.length === 1 ? `${w.toUpperCase()}.` : w[0].toUpperCase() + w.slice(1)))
    .join(' ');
}

/** The task order of a seed: a seeded shuffle of the groups (seed-independent class order within a task). */
function orderedGroups(groups: readonly TaskGroup[], seed: number): TaskGroup[] {
  return createRng(seed).fork('task-order').shuffle([...groups]);
}

function streamInfo(task: TaskInfo, tasks: StreamTask[]): StreamInfo {
  return { id: task.id, title: task.title, tasks: tasks.map((t) => t.info) };
}

/** Builds the stream a task names, from its dataset file and the checkpoint (tokenizer or image processor). */
export function buildTaskStream(task: TaskInfo, json: unknown, base: BaseCheckpoint, seqLen: number, seed: number): TaskStream {
  if (task.stream === 'split-mnist') return splitMnist(task, json, base, seed);
  if (task.stream === 'sotu-eras') return sotuEras(task, json, base, seqLen, seed);
  throw new Error(`task "${task.id}" is not a task stream`);
}

/** Numbers examples and assigns global labels, task by task in stream order. */
function assemble<T>(
  groups: TaskGroup[],
  examplesOf: (classKey: string) => { train: T[]; test: T[] },
  toInput: (item: T, label: number) => LabelledImage | TokenizedExample,
  className: (key: string) => string,
  sourceOf: (item: T) => string | undefined = () => undefined,
): StreamTask[] {
  let nextId = 0;
  let classOffset = 0;
  return groups.map((group, index) => {
    const train: ContinualExample[] = [];
    const test: ContinualExample[] = [];
    group.classes.forEach((key, c) => {
      const label = classOffset + c;
      const { train: tr, test: te } = examplesOf(key);
      if (tr.length === 0 || te.length === 0) throw new Error(`stream class "${key}" has ${tr.length} training and ${te.length} test examples; it needs both`);
      for (const item of tr) train.push({ id: nextId++, task: index, label, input: toInput(item, label), source: sourceOf(item) });
      for (const item of te) test.push({ id: nextId++, task: index, label, input: toInput(item, label), source: sourceOf(item) });
    });
    const task: StreamTask = {
      info: { index, name: group.name, classes: group.classes.map(className), trainExamples: train.length, testExamples: test.length },
      classOffset,
      train,
      // Round-robin over classes, so a capped evaluation still sees every class of the task.
      test: interleaveByLabel(test),
    };
    classOffset += group.classes.length;
    return task;
  });
}

/** Split-MNIST: the ten digits as five tasks of two ({0,1}, {2,3}, …) in a seeded order. */
function splitMnist(task: TaskInfo, json: unknown, base: BaseCheckpoint, seed: number): TaskStream {
  const dataset = parseImageDataset(json, task.id);
  if (!base.imageProcessor || base.model.family !== 'vit') throw new Error(`${base.source}: task "${task.id}" needs an image model with preprocessor_config.json`);
  const labelIndex = (key: string) => {
    const i = dataset.labels.indexOf(key);
    if (i < 0) throw new Error(`dataset "${dataset.id}" has no label "${key}"`);
    return i;
  };
  const ofLabel = (items: readonly LabelledImage[], key: string) => {
    const label = labelIndex(key);
    return items.filter((x) => x.label === label);
  };
  const tasks = assemble(
    orderedGroups(SPLIT_MNIST_TASKS, seed),
    (key) => ({ train: ofLabel(dataset.splits.train, key), test: ofLabel(dataset.splits.test, key) }),
    (item, label) => ({ image: item.image, label }),
    (key) => key,
  );
  const packing = { batchSize: 1, processor: base.imageProcessor, channels: base.model.config.channels };
  return {
    info: streamInfo(task, tasks),
    tasks,
    numClasses: tasks.reduce((n, t) => n + t.info.classes.length, 0),
    inputLength: fixedInputLength(base.model) ?? 0,
    kind: 'image-classify',
    pack: (examples, labelOf) =>
      packImages(
        examples.map((e) => ({ image: (e.input as LabelledImage).image, label: labelOf ? labelOf(e) : e.label })),
        packing,
      ),
  };
}

/** The address a SOTU passage comes from ("1935-franklin-d-roosevelt") and its president's slug. */
function addressOf(group: string | undefined, where: string): { year: number; president: string } {
  const m = /^(\d{4})-(.+)$/.exec(group ?? '');
  if (!m) throw new Error(`${where}: group "${group}" is not "<year>-<president>"`);
  return { year: Number(m[1]), president: m[2] };
}

/**
 * SOTU presidents by era: every passage of sotu-party.json (all splits) regrouped by president;
 * within a president, every fourth address (by year: the 4th, 8th, …) is held out for testing,
 * so test passages never share an address with training ones.
 */
function sotuEras(task: TaskInfo, json: unknown, base: BaseCheckpoint, seqLen: number, seed: number): TaskStream {
  const dataset = parseDataset(json, task.id);
  if (dataset.kind !== 'classify') throw new Error(`${task.datasetFile}: task "${task.id}" needs a classification dataset, the file holds "${dataset.kind}"`);
  const tokenizer = requireTokenizer(base);
  const byPresident = passagesByPresident(dataset);
  const tasks = assemble(
    orderedGroups(SOTU_ERAS, seed),
    (key) => {
      const passages = byPresident.get(key) ?? [];
      const years = [...new Set(passages.map((p) => p.year))].sort((a, b) => a - b);
      const heldOut = new Set(years.filter((_, i) => i % 4 === 3));
      return { train: passages.filter((p) => !heldOut.has(p.year)), test: passages.filter((p) => heldOut.has(p.year)) };
    },
    (p, label) => {
      const ids = tokenizer.encode(p.text);
      if (ids.length === 0) throw new Error(`dataset "${dataset.id}": a passage of ${p.year} encodes to no tokens`);
      return { ids: Int32Array.from(ids.slice(0, seqLen)), label };
    },
    presidentName,
    (p) => p.address,
  );
  return {
    info: streamInfo(task, tasks),
    tasks,
    numClasses: tasks.reduce((n, t) => n + t.info.classes.length, 0),
    inputLength: seqLen,
    kind: 'classify',
    pack: (examples, labelOf) =>
      packClassify(
        examples.map((e) => ({ ids: (e.input as TokenizedExample).ids, label: labelOf ? labelOf(e) : e.label })),
        seqLen,
        tokenizer.padTokenId,
      ),
  };
}

function passagesByPresident(dataset: ClassifyDataset): Map<string, { text: string; year: number; address: string }[]> {
  const out = new Map<string, { text: string; year: number; address: string }[]>();
  for (const split of ['train', 'validation', 'test'] as const) {
    dataset.splits[split].forEach((ex, i) => {
      const { year, president } = addressOf(ex.group, `dataset "${dataset.id}" splits.${split}[${i}]`);
      pushTo(out, president, { text: ex.text, year, address: ex.group ?? '' });
    });
  }
  return out;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
