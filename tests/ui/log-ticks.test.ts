import { describe, expect, it } from 'vitest';
import { logAxisTicks } from '../../src/ui/charts/log-ticks';

describe('logAxisTicks', () => {
  it('NOLA vs LoRA (1,600, 2,048, 8,192): 1-2-5 ticks over the decade, each once at its value', () => {
    expect(logAxisTicks([1600, 2048, 8192])).toEqual({ domain: [1000, 10000], ticks: [1000, 2000, 5000, 10000] });
  });

  it('two decades: 1-2-5 per decade', () => {
    expect(logAxisTicks([150, 9000])).toEqual({ domain: [100, 10000], ticks: [100, 200, 500, 1000, 2000, 5000, 10000] });
  });

  it('more than two decades: powers of ten only', () => {
    expect(logAxisTicks([60, 1_000_000])).toEqual({ domain: [10, 1_000_000], ticks: [10, 100, 1000, 10_000, 100_000, 1_000_000] });
  });

  it('exact powers of ten are decade bounds, not one below them', () => {
    expect(logAxisTicks([1000, 10000])?.domain).toEqual([1000, 10000]);
    expect(logAxisTicks([1000])).toEqual({ domain: [1000, 10000], ticks: [1000, 2000, 5000, 10000] });
  });

  it('values below one', () => {
    expect(logAxisTicks([0.3, 0.7])).toEqual({ domain: [0.1, 1], ticks: [0.1, 0.2, 0.5, 1] });
  });

  it('ticks are unique, increasing, inside the domain and cover every value', () => {
    for (const values of [[1], [7, 7], [3, 3e7], [12, 13, 14], [2048, 8192, 1600, 128, 77_000]]) {
      const axis = logAxisTicks(values);
      expect(axis).not.toBeNull();
      const { domain, ticks } = axis!;
      expect(new Set(ticks).size).toBe(ticks.length);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1]);
      expect(ticks[0]).toBe(domain[0]);
      expect(ticks[ticks.length - 1]).toBe(domain[1]);
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(domain[0]);
        expect(v).toBeLessThanOrEqual(domain[1]);
      }
    }
  });

  it('no positive values: no log axis', () => {
    expect(logAxisTicks([])).toBeNull();
    expect(logAxisTicks([0, -3, Number.NaN])).toBeNull();
  });
});
