/**
 * Seeded pseudo-random numbers for everything that must replay: data splits, batch order,
 * parameter init, dropout seeds. SplitMix32-style mixing of a 32-bit counter (simple to
 * re-implement anywhere, no state beyond one integer). `fork(label)` derives an independent
 * stream so that, e.g., adding a method does not shift the batch order of another.
 */
export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** An independent stream derived from this stream's seed and a label. */
  fork(label: string): Rng;
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashLabel(label: string): number {
  // FNV-1a over UTF-16 code units.
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const baseSeed = seed >>> 0;
  let state = baseSeed;
  const rng: Rng = {
    nextU32() {
      state = (state + 0x9e3779b9) >>> 0;
      return mix32(state);
    },
    nextFloat() {
      return rng.nextU32() / 4294967296;
    },
    int(n: number) {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`int(n) needs a positive integer, got ${n}`);
      return Math.floor(rng.nextFloat() * n);
    },
    normal() {
      // 1 - u keeps the log argument in (0, 1].
      const u1 = 1 - rng.nextFloat();
      const u2 = rng.nextFloat();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
    fork(label: string) {
      return createRng(mix32(baseSeed ^ hashLabel(label)));
    },
  };
  return rng;
}
