import { kmeans } from 'ml-kmeans';

/**
 * EMR's episodic memory (the paper's baselines, §IV-B): a fixed number of examples per class,
 * chosen by K-Means on the model's features — K = the memory size, and for each centroid the
 * example nearest to it — so the memory covers the spread of the class rather than a random
 * corner of it. Clustering is `ml-kmeans` (k-means++ init, seeded).
 */

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/**
 * Indices (into `features`) of `size` representatives: the example nearest each K-Means
 * centroid, each example used once (a centroid whose nearest example is taken gets its next
 * nearest). All of them when there are at most `size`.
 */
export function memoryRepresentatives(features: readonly Float32Array[], size: number, seed: number): number[] {
  if (features.length <= size) return features.map((_, i) => i);
  const points = features.map((f) => Array.from(f));
  const { centroids } = kmeans(points, size, { seed, initialization: 'kmeans++', maxIterations: 100 });
  const taken = new Set<number>();
  const out: number[] = [];
  for (const centroid of centroids) {
    const byDistance = points.map((p, i) => [squaredDistance(p, centroid), i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const nearest = byDistance.find(([, i]) => !taken.has(i));
    if (nearest === undefined) break;
    taken.add(nearest[1]);
    out.push(nearest[1]);
  }
  return out;
}
