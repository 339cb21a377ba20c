import type { CacheStats } from './events';

/**
 * Dynamic ConPET's cache system (paper §III-C4): once a PET module is tuned it is frozen, so its
 * logits for an example never change; they are stored under (example id, module id) and served
 * instead of running the model again. A module may use the cache only after `freeze` (the
 * selector only after its own training of the current task ends); `get`/`put` for a module still
 * training throw, so a stale logit can never reach a gradient.
 */
export class LogitCache {
  private readonly frozen = new Set<string>();
  private readonly entries = new Map<string, Map<number, Float32Array>>();
  private hits = 0;
  private misses = 0;
  private missMs = 0;

  constructor(readonly enabled: boolean) {}

  /** The module's training is over: its logits may be cached from now on. */
  freeze(moduleId: string): void {
    this.frozen.add(moduleId);
  }

  /** Drops a module's entries and its frozen mark (the selector, before it is trained again). */
  forget(moduleId: string): void {
    this.frozen.delete(moduleId);
    this.entries.delete(moduleId);
  }

  isFrozen(moduleId: string): boolean {
    return this.frozen.has(moduleId);
  }

  private requireFrozen(moduleId: string, action: string): void {
    if (!this.frozen.has(moduleId)) throw new Error(`logit cache: cannot ${action} module "${moduleId}", it is still training`);
  }

  /** The cached logits of (example, module), or undefined (counted as a miss by `computed`). */
  get(moduleId: string, exampleId: number): Float32Array | undefined {
    this.requireFrozen(moduleId, 'read');
    const row = this.entries.get(moduleId)?.get(exampleId);
    if (row) this.hits++;
    return row;
  }

  put(moduleId: string, exampleId: number, logits: Float32Array): void {
    this.requireFrozen(moduleId, 'store');
    let rows = this.entries.get(moduleId);
    if (!rows) this.entries.set(moduleId, (rows = new Map()));
    rows.set(exampleId, logits);
  }

  /** Records `count` examples a frozen module had to compute (misses) and the time it took. */
  computed(count: number, ms: number): void {
    this.misses += count;
    this.missMs += ms;
  }

  /** Entries held, over all modules. */
  get size(): number {
    let n = 0;
    for (const rows of this.entries.values()) n += rows.size;
    return n;
  }

  stats(): CacheStats {
    const perExample = this.misses > 0 ? this.missMs / this.misses : 0;
    return { hits: this.hits, misses: this.misses, savedMs: this.hits * perExample };
  }
}
