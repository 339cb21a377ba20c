import { tf } from '../tf';
import { stat, type Stat } from './stats';

/**
 * A GPU's own float32 matMul rate through tfjs, the roofline a training step is read against:
 * `chain` products of [n, n]·[n, n] queued back to back and synced by reading one element of the
 * last (the queue runs in order), so neither the launch of one product nor a 16 MiB read-back
 * is in the time. GFLOP/s = 2·n³·chain / time.
 */
export async function gpuMatmulRoofline(n: number, repeats: number, chain = 4): Promise<{ m: number; k: number; n: number; gflops: Stat; repeats: number }> {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2) as tf.Tensor2D;
  const rates: number[] = [];
  try {
    // Warm-up: compiles the shader and allocates the output buffers.
    for (let i = 0; i < 2 + repeats; i++) {
      const started = performance.now();
      const products = Array.from({ length: chain }, () => tf.matMul(a, b));
      const corner = tf.slice(products[chain - 1], [0, 0], [1, 1]);
      await corner.data();
      const ms = performance.now() - started;
      tf.dispose([...products, corner]);
      if (i >= 2) rates.push((2 * n ** 3 * chain) / (ms / 1000) / 1e9);
    }
  } finally {
    tf.dispose([a, b]);
  }
  return { m: n, k: n, n, gflops: stat(rates), repeats };
}
