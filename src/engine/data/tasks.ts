import type { ModelFamily } from '../models/hooks';

/**
 * The task registry: which built-in tasks exist, which dataset file each one reads, and how each
 * model family poses it. The app fetches `${base}data/${datasetFile}`, the CLI reads
 * `public/data/${datasetFile}`.
 *
 * A text classification task is posed two ways: GPT-2 classifies with a head on the last token
 * (GPT2ForSequenceClassification); T5 reads "prefix: text" and writes the label as a word
 * (text-to-text, as T5 was trained on GLUE). MNIST is few-shot: k training images per digit.
 */

export type TaskInputKind = 'classify' | 'lm' | 'image-classify';

export interface TaskInfo {
  id: string;
  title: string;
  kind: TaskInputKind;
  /** File name under public/data/. */
  datasetFile: string;
  /** One line for the UI. */
  description: string;
  /** What the UI/CLI report as the headline number. */
  metric: 'accuracy' | 'perplexity';
  /** Model families that can run it. */
  families: readonly ModelFamily[];
  /** T5's input prefix ("spam or ham: …"); its targets are the lower-cased label names. */
  textToTextPrefix?: string;
  /** Few-shot image tasks: training images per class, drawn by the spec's seed. */
  shotsPerClass?: number;
  /**
   * A class-incremental task stream (src/engine/continual/streams.ts): the classes arrive a few
   * at a time, in a seeded order, and the experiment runs continual strategies instead of methods.
   */
  stream?: 'split-mnist' | 'sotu-eras';
}

export const TASKS = [
  {
    id: 'spam',
    title: 'Spam or ham (SpamAssassin)',
    kind: 'classify',
    datasetFile: 'spam.json',
    description: 'Classify e-mails (subject + start of body) as ham or spam.',
    metric: 'accuracy',
    families: ['gpt2', 't5'],
    textToTextPrefix: 'spam or ham: ',
  },
  {
    id: 'sotu-party',
    title: "President's party (State of the Union)",
    kind: 'classify',
    datasetFile: 'sotu-party.json',
    description: 'Tell Democratic from Republican State of the Union paragraphs; splits by address.',
    metric: 'accuracy',
    families: ['gpt2', 't5'],
    textToTextPrefix: 'party: ',
  },
  {
    id: 'lm-spam',
    title: 'Domain adaptation: e-mail (language modelling)',
    kind: 'lm',
    datasetFile: 'spam-lm.json',
    description: 'Adapt a model pretrained on books and speeches to e-mail text; lower perplexity is better.',
    metric: 'perplexity',
    families: ['gpt2'],
  },
  {
    id: 'mnist-5shot',
    title: 'MNIST digits, 5 examples per class',
    kind: 'image-classify',
    datasetFile: 'mnist.json',
    description: 'Classify all ten digits from 5 training images each; tiny-vit was pretrained on 0–4 only, so 5–9 are new classes.',
    metric: 'accuracy',
    families: ['vit'],
    shotsPerClass: 5,
  },
  {
    id: 'mnist-10shot',
    title: 'MNIST digits, 10 examples per class',
    kind: 'image-classify',
    datasetFile: 'mnist.json',
    description: 'Classify all ten digits from 10 training images each; tiny-vit was pretrained on 0–4 only, so 5–9 are new classes.',
    metric: 'accuracy',
    families: ['vit'],
    shotsPerClass: 10,
  },
  {
    id: 'split-mnist',
    title: 'Split-MNIST: 5 tasks of 2 digits (continual)',
    kind: 'image-classify',
    datasetFile: 'mnist.json',
    description: 'Digits arrive two at a time in a seeded order; after each task the model must tell apart every digit seen so far.',
    metric: 'accuracy',
    families: ['vit'],
    stream: 'split-mnist',
  },
  {
    id: 'sotu-eras',
    title: 'SOTU presidents by era: 5 tasks of 2 presidents (continual)',
    kind: 'classify',
    datasetFile: 'sotu-party.json',
    description: 'Presidents arrive two per era in a seeded order; after each era the model must name the speaker among every president seen so far.',
    metric: 'accuracy',
    families: ['gpt2', 't5'],
    stream: 'sotu-eras',
  },
] as const satisfies readonly TaskInfo[];

export type TaskId = (typeof TASKS)[number]['id'];

export function isTaskId(id: string): id is TaskId {
  return TASKS.some((t) => t.id === id);
}

export function taskById(id: string): TaskInfo {
  const task = TASKS.find((t) => t.id === id);
  if (!task) throw new Error(`unknown task "${id}"; valid tasks: ${TASKS.map((t) => t.id).join(', ')}`);
  return task;
}

export function tasksForFamily(family: ModelFamily): TaskInfo[] {
  return TASKS.filter((t) => (t.families as readonly ModelFamily[]).includes(family));
}

/** Why `task` cannot run on a `family` model (naming the tasks that can), or null. */
export function taskFamilyProblem(task: TaskInfo, family: ModelFamily): string | null {
  if ((task.families as readonly ModelFamily[]).includes(family)) return null;
  return `task "${task.id}" does not run on ${family} models (it runs on ${task.families.join(', ')}); ${family} tasks: ${tasksForFamily(family)
    .map((t) => t.id)
    .join(', ')}`;
}

/** How a family poses a task, as the methods and heads see it (text classification on T5 is seq2seq, except in a stream). */
export function taskKindOn(task: TaskInfo, family: ModelFamily): 'lm' | 'classify' | 'image-classify' | 'seq2seq' {
  const problem = taskFamilyProblem(task, family);
  if (problem) throw new Error(problem);
  // Streams classify on every family: ConPET concatenates per-class logits across modules.
  return task.kind === 'classify' && family === 't5' && !task.stream ? 'seq2seq' : task.kind;
}
