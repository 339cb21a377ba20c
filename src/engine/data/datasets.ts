/**
 * The dataset file format (`public/data/*.json`, written by scripts/prepare-data.ts) and its
 * validation. Runs in the browser (fetch) and in Node (fs), so: no Node or DOM imports here.
 *
 * Files are validated on load because users can also bring their own file in this format; a bad
 * file should fail with the path of the offending field, not deep inside the trainer.
 */
import { z } from 'zod';

export const DATASET_FORMAT = 'peft-playground-dataset/1';

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export interface ClassifyExample {
  text: string;
  /** Index into the dataset's `labels`. */
  label: number;
  /** Source unit the item came from (SOTU address, e-mail id): splits never share a group. */
  group?: string;
}

export interface LmDocument {
  text: string;
  group?: string;
}

export type Splits<T> = Record<SplitName, T[]>;

interface DatasetBase {
  format: typeof DATASET_FORMAT;
  id: string;
  title: string;
  description: string;
  /** Where the text comes from (package, URL). */
  source: string;
  license: string;
}

export interface ClassifyDataset extends DatasetBase {
  kind: 'classify';
  labels: string[];
  splits: Splits<ClassifyExample>;
}

export interface LmDataset extends DatasetBase {
  kind: 'lm';
  splits: Splits<LmDocument>;
}

export type Dataset = ClassifyDataset | LmDataset;

const text = z.string().min(1, 'must be a non-empty string');
const group = z.string().optional();

const classifyItem = z.object({ text, label: z.number(), group });
const lmItem = z.object({ text, group });

function splitsOf<T extends z.ZodType>(item: T) {
  return z.object({
    // Training and model selection need data; a held-out test split may be left empty.
    train: z.array(item).min(1, 'must contain at least one item'),
    validation: z.array(item).min(1, 'must contain at least one item'),
    test: z.array(item),
  });
}

const base = {
  format: z.literal(DATASET_FORMAT),
  id: text,
  title: text,
  description: z.string(),
  source: z.string(),
  license: z.string(),
};

const datasetSchema = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('classify'),
    labels: z
      .array(text)
      .min(2, 'must name at least two classes')
      .refine((l) => new Set(l).size === l.length, 'must not repeat a label'),
    splits: splitsOf(classifyItem),
  }),
  z.object({ ...base, kind: z.literal('lm'), splits: splitsOf(lmItem) }),
]);

/** `splits.train[12].label` from zod's path array. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out.length === 0 ? String(p) : `.${String(p)}`;
  }
  return out.length === 0 ? '(root)' : out;
}

/** Zod's default texts ("Invalid input: expected string, received undefined") read fine after a path. */
function describeIssues(id: string, issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return `dataset "${id}": ${shown.join('; ')}${more}`;
}

/**
 * Validate `json` (a parsed dataset file) and return it typed. `id` names the dataset in errors
 * (the task id or file name the caller asked for; the file's own `id` is kept in the result).
 * Unknown extra fields are dropped, so newer files with extra metadata still load.
 */
export function parseDataset(json: unknown, id: string): Dataset {
  const result = datasetSchema.safeParse(json);
  if (!result.success) throw new Error(describeIssues(id, result.error.issues));
  const ds = result.data;
  if (ds.kind === 'classify') {
    // Label range depends on `labels`, so it is checked after the structural parse.
    const n = ds.labels.length;
    for (const split of SPLIT_NAMES) {
      const items = ds.splits[split];
      for (let i = 0; i < items.length; i++) {
        const label = items[i].label;
        if (!Number.isInteger(label) || label < 0 || label >= n) {
          throw new Error(`dataset "${id}": splits.${split}[${i}].label must be an integer in [0, ${n}), got ${label}`);
        }
      }
    }
  }
  return ds;
}

/** Number of items per split, for display and sanity checks. */
export function splitSizes(ds: Dataset): Record<SplitName, number> {
  return { train: ds.splits.train.length, validation: ds.splits.validation.length, test: ds.splits.test.length };
}
