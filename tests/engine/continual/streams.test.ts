import { beforeAll, describe, expect, it } from 'vitest';
import { loadBaseCheckpoint, type BaseCheckpoint } from '../../../src/engine/experiment/base-model';
import { modelSource, readDataFile } from '../../../src/cli/node-env';
import { taskById } from '../../../src/engine/data/tasks';
import { buildTaskStream, streamTaskSizes } from '../../../src/engine/continual/streams';
import { parseImageDataset, type LabelledImage } from '../../../src/engine/data/images';
import { useWasmBackend } from '../node-backend';

let vit: BaseCheckpoint;
let gpt2: BaseCheckpoint;
let mnist: unknown;
let sotu: unknown;

beforeAll(async () => {
  await useWasmBackend();
  [vit, gpt2, mnist, sotu] = await Promise.all([
    loadBaseCheckpoint(modelSource('tiny-vit')),
    loadBaseCheckpoint(modelSource('tiny-gpt2')),
    readDataFile('mnist.json'),
    readDataFile('sotu-party.json'),
  ]);
});

const keyOf = (pixels: ArrayLike<number>) => Array.from(pixels).join(',');

describe('Split-MNIST stream', () => {
  it('is five tasks of two digits covering each digit once, classes numbered in arrival order', () => {
    const stream = buildTaskStream(taskById('split-mnist'), mnist, vit, 64, 1);
    const dataset = parseImageDataset(mnist, 'mnist');
    const digitOf = new Map<string, number>();
    for (const split of ['train', 'test'] as const) for (const item of dataset.splits[split]) digitOf.set(keyOf(item.image.data), item.label);
    expect(stream.tasks).toHaveLength(5);
    expect(stream.numClasses).toBe(10);
    expect(stream.tasks.flatMap((t) => t.info.classes).sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    stream.tasks.forEach((task, k) => {
      expect(task.classOffset).toBe(2 * k);
      // The pairs are Split-MNIST's {0,1}, {2,3}, …: the two digits of a task differ by one, the first even.
      const [a, b] = task.info.classes.map(Number);
      expect([a % 2, b - a]).toEqual([0, 1]);
      expect(task.train).toHaveLength(160);
      expect(task.test).toHaveLength(160);
      for (const e of [...task.train, ...task.test]) {
        expect(e.task).toBe(k);
        // The class the global label names is the digit the dataset file gives this image.
        expect(task.info.classes[e.label - task.classOffset]).toBe(String(digitOf.get(keyOf((e.input as LabelledImage).image.data))));
      }
    });
    const ids = stream.tasks.flatMap((t) => [...t.train, ...t.test].map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('orders its tasks by the seed: same seed same order, another seed another', () => {
    const order = (seed: number) => buildTaskStream(taskById('split-mnist'), mnist, vit, 64, seed).tasks.map((t) => t.info.name).join(' | ');
    expect(order(3)).toBe(order(3));
    const orders = new Set([1, 2, 3, 4, 5].map(order));
    expect(orders.size).toBeGreaterThan(1);
  });

  it("packs examples with their global labels, or with the selector's task ids", () => {
    const stream = buildTaskStream(taskById('split-mnist'), mnist, vit, 64, 1);
    const rows = [stream.tasks[3].train[0], stream.tasks[1].train[5]];
    const batch = stream.pack(rows);
    expect(batch.kind).toBe('image');
    if (batch.kind !== 'image') return;
    expect(Array.from(batch.labels)).toEqual([rows[0].label, rows[1].label]);
    const byTask = stream.pack(rows, (e) => e.task);
    if (byTask.kind === 'image') expect(Array.from(byTask.labels)).toEqual([3, 1]);
  });

  it('its task sizes are known without data', () => {
    expect(streamTaskSizes('split-mnist')).toEqual([2, 2, 2, 2, 2]);
  });
});

describe('SOTU eras stream', () => {
  it('is five eras of two presidents; test passages come from addresses no training passage shares', () => {
    const stream = buildTaskStream(taskById('sotu-eras'), sotu, gpt2, 32, 1);
    expect(stream.tasks).toHaveLength(5);
    expect(stream.numClasses).toBe(10);
    expect(stream.tasks.flatMap((t) => t.info.classes)).toContain('Franklin D. Roosevelt');
    for (const task of stream.tasks) {
      expect(task.train.length).toBeGreaterThan(40);
      expect(task.test.length).toBeGreaterThan(10);
      for (const e of [...task.train, ...task.test]) expect((e.input as { ids: Int32Array }).ids.length).toBeLessThanOrEqual(32);
    }
    expect(stream.inputLength).toBe(32);
  });

  it('holds out whole addresses: every president is tested on addresses no training passage comes from', () => {
    const stream = buildTaskStream(taskById('sotu-eras'), sotu, gpt2, 32, 1);
    for (const task of stream.tasks) {
      for (let c = 0; c < 2; c++) {
        const label = task.classOffset + c;
        const train = new Set(task.train.filter((e) => e.label === label).map((e) => e.source));
        const test = new Set(task.test.filter((e) => e.label === label).map((e) => e.source));
        expect(test.size).toBeGreaterThan(0);
        for (const address of test) expect(train.has(address)).toBe(false);
        // Every address belongs to the president the label names.
        const slug = task.info.classes[c].toLowerCase().replace(/\./g, '').replace(/ /g, '-');
        for (const address of [...train, ...test]) expect(address).toMatch(new RegExp(`^\\d{4}-${slug}$`));
      }
    }
  });
});
