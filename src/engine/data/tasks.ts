/**
 * The task registry: which built-in tasks exist and which dataset file each one reads.
 * The app fetches `${base}data/${datasetFile}`, the CLI reads `public/data/${datasetFile}`.
 * New tasks (MNIST, continual, T5) are added here as their data lands.
 */

export type TaskKind = 'classify' | 'lm';

export interface TaskInfo {
  id: string;
  title: string;
  kind: TaskKind;
  /** File name under public/data/. */
  datasetFile: string;
  /** One line for the UI. */
  description: string;
  /** What the UI/CLI report as the headline number. */
  metric: 'accuracy' | 'perplexity';
}

export const TASKS = [
  {
    id: 'spam',
    title: 'Spam or ham (SpamAssassin)',
    kind: 'classify',
    datasetFile: 'spam.json',
    description: 'Classify e-mails (subject + start of body) as ham or spam.',
    metric: 'accuracy',
  },
  {
    id: 'sotu-party',
    title: "President's party (State of the Union)",
    kind: 'classify',
    datasetFile: 'sotu-party.json',
    description: 'Tell Democratic from Republican State of the Union paragraphs; splits by address.',
    metric: 'accuracy',
  },
  {
    id: 'lm-spam',
    title: 'Domain adaptation: e-mail (language modelling)',
    kind: 'lm',
    datasetFile: 'spam-lm.json',
    description: 'Adapt a model pretrained on books and speeches to e-mail text; lower perplexity is better.',
    metric: 'perplexity',
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
