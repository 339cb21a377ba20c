import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/engine/data/rng';
import { Cycler, ReplayBatcher, replaySplit, sampleHierarchical } from '../../../src/engine/continual/replay';

/** Old tasks of very different sizes: 5, 50 and 500 examples, tagged by task. */
const OLD = [5, 50, 500].map((n, task) => Array.from({ length: n }, (_, i) => ({ task, i })));

describe('hierarchical sampling (ConPET dynamic replay)', () => {
  it('gives every old task the same expected share, whatever its size', () => {
    const draws = sampleHierarchical(OLD, 30_000, createRng(7));
    const shares = [0, 1, 2].map((t) => draws.filter((d) => d.task === t).length / draws.length);
    // Pooled uniform sampling would give 5/555 ≈ 0.009 to the smallest task; 1/3 ± 7 standard deviations here.
    for (const share of shares) expect(Math.abs(share - 1 / 3)).toBeLessThan(0.02);
  });

  it('then draws uniformly within the chosen task', () => {
    const draws = sampleHierarchical(OLD, 30_000, createRng(8)).filter((d) => d.task === 0);
    for (let i = 0; i < 5; i++) {
      const share = draws.filter((d) => d.i === i).length / draws.length;
      expect(Math.abs(share - 0.2)).toBeLessThan(0.03);
    }
  });

  it('refuses to sample from no history', () => {
    expect(() => sampleHierarchical([[], []], 1, createRng(1))).toThrow(/at least one past task/);
  });
});

describe('old:new ratio', () => {
  it('splits a batch at old:new and always keeps a new row', () => {
    expect(replaySplit(8, 1, true)).toEqual({ newCount: 4, oldCount: 4 });
    expect(replaySplit(8, 3, true)).toEqual({ newCount: 2, oldCount: 6 });
    expect(replaySplit(8, 1, false)).toEqual({ newCount: 8, oldCount: 0 });
    expect(replaySplit(2, 16, true)).toEqual({ newCount: 1, oldCount: 1 });
    expect(replaySplit(8, 0, true)).toEqual({ newCount: 8, oldCount: 0 });
  });

  it('holds in every batch of a replay batcher, from history and from a memory', () => {
    const fresh = Array.from({ length: 12 }, (_, i) => ({ task: 9, i }));
    const history = new ReplayBatcher(fresh, { kind: 'history', tasks: OLD }, 8, 1, createRng(3));
    const memory = new ReplayBatcher(fresh, { kind: 'memory', pool: OLD[1].slice(0, 3) }, 8, 1, createRng(3));
    for (let b = 0; b < 200; b++) {
      const rows = history.next();
      expect(rows.filter((r) => r.task === 9)).toHaveLength(4);
      expect(rows.filter((r) => r.task !== 9)).toHaveLength(4);
      const fromMemory = memory.next();
      expect(fromMemory.filter((r) => r.task === 9)).toHaveLength(4);
      expect(fromMemory.filter((r) => r.task === 1 && r.i < 3)).toHaveLength(4);
    }
  });

  it('draws new examples without replacement within a pass, and replays a seed exactly', () => {
    const fresh = Array.from({ length: 12 }, (_, i) => ({ task: 9, i }));
    const a = new ReplayBatcher(fresh, { kind: 'none' }, 4, 1, createRng(5));
    const pass = [a.next(), a.next(), a.next()].flat();
    expect(new Set(pass.map((r) => r.i)).size).toBe(12);
    const b = new ReplayBatcher(fresh, { kind: 'history', tasks: OLD }, 8, 1, createRng(5));
    const c = new ReplayBatcher(fresh, { kind: 'history', tasks: OLD }, 8, 1, createRng(5));
    for (let i = 0; i < 5; i++) expect(b.next()).toEqual(c.next());
  });

  it('a cycler reshuffles every pass', () => {
    const cycler = new Cycler([1, 2, 3, 4, 5], createRng(2));
    const passes = [cycler.take(5), cycler.take(5), cycler.take(5)];
    for (const pass of passes) expect([...pass].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(passes[0].join() === passes[1].join() && passes[1].join() === passes[2].join()).toBe(false);
  });
});
