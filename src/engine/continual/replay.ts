import type { Rng } from '../data/rng';

/**
 * ConPET's dynamic replay (paper §III-B): every past example is kept, and each training batch
 * mixes new and old examples at a fixed ratio. Old examples are drawn hierarchically — first a
 * past task uniformly, then one of its examples uniformly — so every old task gets the same
 * expected share of the batch however many examples it has.
 */

/** New and old rows of a batch of `batchSize` at `oldPerNew` old per new (all new while nothing is old). */
export function replaySplit(batchSize: number, oldPerNew: number, hasOld: boolean): { newCount: number; oldCount: number } {
  if (!hasOld || oldPerNew === 0) return { newCount: batchSize, oldCount: 0 };
  // At least one new row: a batch must always move the task being learned.
  const oldCount = Math.min(batchSize - 1, Math.round((batchSize * oldPerNew) / (1 + oldPerNew)));
  return { newCount: batchSize - oldCount, oldCount };
}

/** `count` draws: a past task uniformly, then one of its examples uniformly (with replacement). */
export function sampleHierarchical<T>(pastTasks: readonly (readonly T[])[], count: number, rng: Rng): T[] {
  const tasks = pastTasks.filter((t) => t.length > 0);
  if (tasks.length === 0) throw new Error('hierarchical sampling needs at least one past task with examples');
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    const task = tasks[rng.int(tasks.length)];
    out.push(task[rng.int(task.length)]);
  }
  return out;
}

/** `count` draws uniformly from a pool (EMR's memory), with replacement. */
export function sampleUniform<T>(pool: readonly T[], count: number, rng: Rng): T[] {
  if (pool.length === 0) throw new Error('sampling needs a non-empty pool');
  return Array.from({ length: count }, () => pool[rng.int(pool.length)]);
}

/** Endless draws without replacement within a pass: a fresh seeded shuffle every pass (epoch). */
export class Cycler<T> {
  private order: T[] = [];
  private at = 0;

  constructor(
    private readonly items: readonly T[],
    private readonly rng: Rng,
  ) {
    if (items.length === 0) throw new Error('a cycler needs at least one item');
  }

  take(count: number): T[] {
    const out: T[] = [];
    while (out.length < count) {
      if (this.at >= this.order.length) {
        this.order = this.rng.shuffle([...this.items]);
        this.at = 0;
      }
      out.push(this.order[this.at++]);
    }
    return out;
  }
}

/** Where a batch's old rows come from: nothing (sequential), a memory (EMR) or all of history (ConPET). */
export type OldSource<T> = { kind: 'none' } | { kind: 'memory'; pool: readonly T[] } | { kind: 'history'; tasks: readonly (readonly T[])[] };

/**
 * Batches of a fixed size for one task: new examples without replacement per pass, old ones
 * from `old` at `oldPerNew` (shuffled together, so row order says nothing about age).
 */
export class ReplayBatcher<T> {
  private readonly fresh: Cycler<T>;
  readonly split: { newCount: number; oldCount: number };

  constructor(
    newExamples: readonly T[],
    private readonly old: OldSource<T>,
    batchSize: number,
    oldPerNew: number,
    private readonly rng: Rng,
  ) {
    this.fresh = new Cycler(newExamples, rng.fork('new'));
    const hasOld = old.kind === 'memory' ? old.pool.length > 0 : old.kind === 'history' ? old.tasks.some((t) => t.length > 0) : false;
    this.split = replaySplit(batchSize, oldPerNew, hasOld);
  }

  next(): T[] {
    const rows = this.fresh.take(this.split.newCount);
    if (this.split.oldCount > 0) {
      if (this.old.kind === 'memory') rows.push(...sampleUniform(this.old.pool, this.split.oldCount, this.rng));
      else if (this.old.kind === 'history') rows.push(...sampleHierarchical(this.old.tasks, this.split.oldCount, this.rng));
    }
    return this.rng.shuffle(rows);
  }
}
