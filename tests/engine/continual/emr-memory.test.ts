import { describe, expect, it } from 'vitest';
import { memoryRepresentatives } from '../../../src/engine/continual/emr-memory';
import { createRng } from '../../../src/engine/data/rng';

/** Three tight, far-apart clusters of 2-d points (sizes 30, 20, 10), cluster id = index / 100. */
function clusteredPoints(): { points: Float32Array[]; cluster: number[] } {
  const rng = createRng(11);
  const centres = [
    [0, 0],
    [50, 0],
    [0, 50],
  ];
  const points: Float32Array[] = [];
  const cluster: number[] = [];
  [30, 20, 10].forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      points.push(Float32Array.of(centres[c][0] + rng.normal(), centres[c][1] + rng.normal()));
      cluster.push(c);
    }
  });
  return { points, cluster };
}

describe('EMR memory: K-Means representatives', () => {
  it('covers every cluster of a class, not its densest corner', () => {
    const { points, cluster } = clusteredPoints();
    const chosen = memoryRepresentatives(points, 3, 5);
    expect(chosen).toHaveLength(3);
    expect(new Set(chosen.map((i) => cluster[i]))).toEqual(new Set([0, 1, 2]));
  });

  it('picks each example once, the same ones for the same seed', () => {
    const { points } = clusteredPoints();
    const a = memoryRepresentatives(points, 8, 5);
    expect(new Set(a).size).toBe(8);
    expect(memoryRepresentatives(points, 8, 5)).toEqual(a);
  });

  it('keeps every example when there are no more than the memory holds', () => {
    const { points } = clusteredPoints();
    expect(memoryRepresentatives(points.slice(0, 4), 5, 1)).toEqual([0, 1, 2, 3]);
  });
});
