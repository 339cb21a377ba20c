/**
 * The committed public/data files: parse with the app's parser, match the README's table,
 * and never leak an item (or a whole address / e-mail) between splits.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPLIT_NAMES, parseDataset, type Dataset } from '../../src/engine/data/datasets';
import { TASKS } from '../../src/engine/data/tasks';

const DIR = join(__dirname, '..', '..', 'public', 'data');

function load(file: string, id: string): Dataset {
  return parseDataset(JSON.parse(readFileSync(join(DIR, file), 'utf8')), id);
}

/** `| file | split | items | detail |` rows of public/data/README.md. */
function readmeTable(): Map<string, { items: number; detail: string }> {
  const rows = new Map<string, { items: number; detail: string }>();
  for (const line of readFileSync(join(DIR, 'README.md'), 'utf8').split('\n')) {
    const m = /^\| (\S+\.json) \| (train|validation|test) \| (\d+) \| (.*) \|$/.exec(line);
    if (m) rows.set(`${m[1]}/${m[2]}`, { items: Number(m[3]), detail: m[4] });
  }
  return rows;
}

function groupsOf(ds: Dataset, split: (typeof SPLIT_NAMES)[number]): Set<string> {
  return new Set(ds.splits[split].map((it) => it.group ?? ''));
}

/**
 * Text datasets (the image dataset has its own format and tests: tests/data/images.test.ts).
 * Task streams regroup another task's file (sotu-eras reads sotu-party.json; tests/engine/continual).
 */
const TEXT_TASKS = TASKS.filter((t) => t.kind !== 'image-classify' && !('stream' in t));

describe('public/data', () => {
  const table = readmeTable();

  it.each(TEXT_TASKS.map((t) => [t.id, t.datasetFile, t.kind] as const))('%s (%s) parses and matches the README', (id, file, kind) => {
    const ds = load(file, id);
    expect(ds.id).toBe(id);
    expect(ds.kind).toBe(kind);
    for (const split of SPLIT_NAMES) {
      const row = table.get(`${file}/${split}`);
      expect(row, `README row for ${file} ${split}`).toBeDefined();
      expect(ds.splits[split].length).toBe(row?.items);
      if (ds.kind === 'classify') {
        const counts = ds.labels.map((l, i) => `${l} ${ds.splits[split].filter((it) => it.label === i).length}`).join(', ');
        expect(counts).toBe(row?.detail);
      } else {
        expect(`${ds.splits[split].reduce((n, it) => n + it.text.length, 0)} chars`).toBe(row?.detail);
      }
    }
  });

  it.each(TEXT_TASKS.map((t) => [t.id, t.datasetFile] as const))('%s: no text or group in two splits', (id, file) => {
    const ds = load(file, id);
    const textSplit = new Map<string, string>();
    const groupSplit = new Map<string, string>();
    for (const split of SPLIT_NAMES) {
      for (const it of ds.splits[split]) {
        const prev = textSplit.get(it.text);
        expect(prev === undefined || prev === split, `text in ${prev} and ${split}: ${it.text.slice(0, 60)}`).toBe(true);
        textSplit.set(it.text, split);
        expect(it.group, 'every built-in item names its source').toBeTruthy();
        const g = it.group ?? '';
        const pg = groupSplit.get(g);
        expect(pg === undefined || pg === split, `group ${g} in ${pg} and ${split}`).toBe(true);
        groupSplit.set(g, split);
      }
    }
  });

  it('sotu-party is split by address and stays in shape', () => {
    const ds = load('sotu-party.json', 'sotu-party');
    if (ds.kind !== 'classify') throw new Error('expected classify');
    expect(ds.labels).toEqual(['Democratic', 'Republican']);
    const [tr, va, te] = SPLIT_NAMES.map((s) => groupsOf(ds, s));
    for (const g of va) expect(tr.has(g) || te.has(g)).toBe(false);
    for (const g of te) expect(tr.has(g)).toBe(false);
    for (const g of [...tr, ...va, ...te]) expect(g).toMatch(/^\d{4}-[a-z-]+$/);
    // Several addresses per evaluation split, so one speech cannot decide the score.
    expect(va.size).toBeGreaterThanOrEqual(10);
    expect(te.size).toBeGreaterThanOrEqual(10);
    for (const split of SPLIT_NAMES) for (const it of ds.splits[split]) {
      expect(it.text.length).toBeGreaterThanOrEqual(200);
      expect(it.text.length).toBeLessThanOrEqual(600);
    }
  });

  it('spam texts are short and spam-lm never reuses a spam.json e-mail', () => {
    const spam = load('spam.json', 'spam');
    const lm = load('spam-lm.json', 'lm-spam');
    const used = new Set(SPLIT_NAMES.flatMap((s) => [...groupsOf(spam, s)]));
    for (const split of SPLIT_NAMES) {
      for (const it of spam.splits[split]) expect(it.text.length).toBeLessThanOrEqual(600);
      for (const g of groupsOf(lm, split)) expect(used.has(g), g).toBe(false);
    }
  });

  it('stays small enough to ship with the app', () => {
    // Each file once (two MNIST tasks read mnist.json); the app fetches only its task's file.
    const files = new Set<string>(TASKS.map((t) => t.datasetFile));
    const total = [...files].reduce((n, file) => n + statSync(join(DIR, file)).size, 0);
    expect(total).toBeLessThan(5 * 1024 * 1024);
  });
});
