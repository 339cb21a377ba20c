import { tf } from '../tf';
import { stat, type Stat } from './stats';

/** The backend's own matmul speed, the ceiling the scorecard's achieved FLOP rates are read against. */
export interface MatmulRate {
  /** [m, k] × [k, n]. */
  m: number;
  k: number;
  n: number;
  /** GFLOP/s (2·m·n·k per product) over the timed repeats: median, min–max. */
  gflops: Stat;
  repeats: number;
}

/**
 * Times one float32 matMul of random inputs on the current backend, each repeat synced by reading
 * the result back (the read's copy is part of the time, as a training step's own read is).
 */
export async function measureMatmulRate(m = 1024, k = 128, n = 2048, repeats = 9, warmup = 2): Promise<MatmulRate> {
  const a = tf.randomUniform([m, k], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([k, n], -1, 1, 'float32', 2) as tf.Tensor2D;
  const rates: number[] = [];
  try {
    for (let i = 0; i < warmup + repeats; i++) {
      const started = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      const ms = performance.now() - started;
      c.dispose();
      if (i >= warmup) rates.push((2 * m * n * k) / (ms / 1000) / 1e9);
    }
  } finally {
    tf.dispose([a, b]);
  }
  return { m, k, n, gflops: stat(rates), repeats };
}
