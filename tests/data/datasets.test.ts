import { describe, expect, it } from 'vitest';
import { DATASET_FORMAT, parseDataset, splitSizes } from '../../src/engine/data/datasets';
import { TASKS, isTaskId, taskById } from '../../src/engine/data/tasks';

function classifyJson() {
  return {
    format: DATASET_FORMAT,
    id: 'toy',
    title: 'Toy',
    description: '',
    source: 'tests',
    license: 'CC0',
    kind: 'classify',
    labels: ['no', 'yes'],
    splits: {
      train: [
        { text: 'a', label: 0 },
        { text: 'b', label: 1, group: 'g1' },
      ],
      validation: [{ text: 'c', label: 1 }],
      test: [],
    },
  };
}

describe('parseDataset', () => {
  it('accepts a valid classify and lm dataset', () => {
    const ds = parseDataset(classifyJson(), 'toy');
    expect(ds.kind).toBe('classify');
    expect(splitSizes(ds)).toEqual({ train: 2, validation: 1, test: 0 });
    const lm = parseDataset(
      { ...classifyJson(), kind: 'lm', labels: undefined, splits: { train: [{ text: 'x' }], validation: [{ text: 'y' }], test: [{ text: 'z' }] } },
      'toy-lm',
    );
    expect(lm.kind).toBe('lm');
  });

  it('names the out-of-range label with its path', () => {
    const json = classifyJson();
    json.splits.train[1].label = 2;
    expect(() => parseDataset(json, 'spam')).toThrow('dataset "spam": splits.train[1].label must be an integer in [0, 2)');
    json.splits.train[1].label = 0.5;
    expect(() => parseDataset(json, 'spam')).toThrow('splits.train[1].label must be an integer in [0, 2)');
  });

  it('names structural errors with their path', () => {
    const json: Record<string, unknown> = classifyJson();
    (json.splits as { validation: unknown[] }).validation[0] = { label: 0 };
    expect(() => parseDataset(json, 'toy')).toThrow(/^dataset "toy": splits\.validation\[0\]\.text: /);
    expect(() => parseDataset({ ...classifyJson(), format: 'other/2' }, 'toy')).toThrow(/dataset "toy": format: /);
    expect(() => parseDataset({ ...classifyJson(), kind: 'images' }, 'toy')).toThrow(/dataset "toy": kind: /);
    expect(() => parseDataset({ ...classifyJson(), labels: ['only'] }, 'toy')).toThrow(/labels: must name at least two classes/);
    expect(() => parseDataset({ ...classifyJson(), labels: ['a', 'a'] }, 'toy')).toThrow(/labels: must not repeat a label/);
    const empty = classifyJson();
    empty.splits.train = [];
    expect(() => parseDataset(empty, 'toy')).toThrow(/splits\.train: must contain at least one item/);
    expect(() => parseDataset('nope', 'toy')).toThrow(/dataset "toy": \(root\): /);
  });
});

describe('tasks', () => {
  it('finds registered tasks and lists valid ids otherwise', () => {
    expect(taskById('spam').datasetFile).toBe('spam.json');
    expect(taskById('lm-spam').kind).toBe('lm');
    expect(isTaskId('sotu-party')).toBe(true);
    expect(isTaskId('mnist-9000')).toBe(false);
    expect(() => taskById('nope')).toThrow('unknown task "nope"; valid tasks: spam, sotu-party, lm-spam');
    expect(new Set(TASKS.map((t) => t.id)).size).toBe(TASKS.length);
  });
});
