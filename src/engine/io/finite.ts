/** Index of the first NaN or ±Inf in `data`, or -1: weights must be finite to be worth loading. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return i;
  }
  return -1;
}
