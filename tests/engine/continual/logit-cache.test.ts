import { describe, expect, it } from 'vitest';
import { LogitCache } from '../../../src/engine/continual/logit-cache';

describe('logit cache', () => {
  it('refuses to read or store logits of a module still training', () => {
    const cache = new LogitCache(true);
    expect(() => cache.get('task1', 3)).toThrow(/still training/);
    expect(() => cache.put('task1', 3, new Float32Array(2))).toThrow(/still training/);
    cache.freeze('task1');
    cache.put('task1', 3, Float32Array.of(1, 2));
    expect(Array.from(cache.get('task1', 3) ?? [])).toEqual([1, 2]);
    // The selector is trained again at the next task: forgetting it drops its entries and its frozen mark.
    cache.forget('task1');
    expect(() => cache.get('task1', 3)).toThrow(/still training/);
    cache.freeze('task1');
    expect(cache.get('task1', 3)).toBeUndefined();
  });

  it('keys entries by (example, module)', () => {
    const cache = new LogitCache(true);
    cache.freeze('a');
    cache.freeze('b');
    cache.put('a', 1, Float32Array.of(1));
    cache.put('b', 1, Float32Array.of(2));
    cache.put('a', 2, Float32Array.of(3));
    expect(cache.get('a', 1)?.[0]).toBe(1);
    expect(cache.get('b', 1)?.[0]).toBe(2);
    expect(cache.get('a', 2)?.[0]).toBe(3);
    expect(cache.get('b', 2)).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it('counts hits and misses, and prices hits at the measured time per computed example', () => {
    const cache = new LogitCache(true);
    cache.freeze('m');
    cache.computed(4, 100);
    for (let i = 0; i < 4; i++) cache.put('m', i, Float32Array.of(i));
    for (let i = 0; i < 6; i++) cache.get('m', i % 4);
    expect(cache.stats()).toEqual({ hits: 6, misses: 4, savedMs: 150 });
  });
});
