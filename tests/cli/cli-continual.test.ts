import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli';

/** The CLI on a task stream: exact counts per strategy before training, and a run's events and summary. */

describe('CLI on task streams', () => {
  it('params: each strategy’s count after the last task, from config.json alone', () => {
    const r = runCli(['params', 'tiny-vit', '--method', 'lora', '--r', '4', '--targets', 'q,v', '--task', 'split-mnist']);
    expect(r.status).toBe(0);
    const continual = r.lines[0].continual as { tasks: number; strategies: Record<string, number | string> };
    // 4 layers · (q, v) · r · (d + d) = 4,096 per module; ViT classifier rows d + 1 = 65.
    expect(continual.tasks).toBe(5);
    expect(continual.strategies).toEqual({ sequential: 4746, emr: 4746, static: 4746, dynamic: 6 * 4096 + 15 * 65, limitless: 6 * 4096 + 15 * 65 });
    const full = runCli(['params', 'tiny-vit', '--method', 'full', '--task', 'split-mnist']);
    const strategies = (full.lines[0].continual as { strategies: Record<string, number | string> }).strategies;
    expect(strategies.static).toBe(204_416 + 10 * 65);
    expect(strategies.dynamic).toMatch(/full fine-tuning trains the backbone/);
  });

  it('train: one continual-task line per strategy and task, and the summaries at the end', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cl-'));
    const spec = path.join(dir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        model: 'tiny-vit',
        task: 'split-mnist',
        methods: [{ name: 'lora', options: { r: 4 } }],
        batchSize: 4,
        continual: { strategies: ['sequential', 'dynamic'], batchesPerTask: 2, selectorBatches: 1, evalExamplesPerTask: 4 },
      }),
    );
    const r = runCli(['train', spec]);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const tasks = r.lines.filter((l) => l.type === 'continual-task');
    expect(tasks).toHaveLength(10);
    const summary = r.lines.at(-1) as { type: string; continual: Array<{ strategy: string; matrix: number[][]; cacheHitRate: number | null }> };
    expect(summary.type).toBe('summary');
    expect(summary.continual.map((s) => s.strategy)).toEqual(['sequential', 'dynamic']);
    for (const s of summary.continual) expect(s.matrix.map((row) => row.length)).toEqual([1, 2, 3, 4, 5]);
    expect(summary.continual[0].cacheHitRate).toBeNull();
    expect(typeof summary.continual[1].cacheHitRate).toBe('number');
    // stderr: a readable line per strategy and task, then the matrices and the summary table.
    const readable = r.stderr.split('\n');
    expect(readable.filter((l) => /^\[Sequential fine-tuning\] task \d\/5 \(digits \d, \d\): seen tasks /.test(l))).toHaveLength(5);
    const dynamicLines = readable.filter((l) => l.startsWith('[Dynamic ConPET] task '));
    expect(dynamicLines).toHaveLength(5);
    for (const line of dynamicLines) expect(line).toMatch(/; cache \d+ hits \/ \d+ misses/);
    expect(dynamicLines[4]).toMatch(/task 5\/5 .*: seen tasks (\d+\.\d \| ){4}\d+\.\d %; whole \d+\.\d%, average \d+\.\d%; \d+ batches/);
    expect(readable.filter((l) => l.includes('— accuracy, % (row: after training task k'))).toHaveLength(2);
    const table = readable.slice(readable.indexOf('summary:') + 1, readable.indexOf('summary:') + 4);
    expect(table[0]).toMatch(/^strategy\s+trainable\s+final whole %/);
    expect(table[1]).toMatch(/^Sequential fine-tuning\s+4,746\s/);
    const dynamicRow = table[2].split(/\s{2,}/);
    expect(dynamicRow[0]).toBe('Dynamic ConPET');
    // Final whole accuracy in the table is the summary's, rounded.
    expect(dynamicRow[2]).toBe((100 * (summary.continual[1] as unknown as { wholeAccuracy: number[] }).wholeAccuracy[4]).toFixed(1));
    expect(dynamicRow[8]).toBe(`${(100 * (summary.continual[1].cacheHitRate as number)).toFixed(1)}%`);
    const refused = runCli(['train', spec, '--save-adapter', path.join(dir, 'out')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/is a task stream/);
  });
});
