import { tf } from '../tf';

/**
 * NOLA coefficient quantization (paper §3.2, Table 5): symmetric, signed, one scale per
 * coefficient vector (each target's α and each target's β has its own):
 *
 *   qmax = 2^(bits−1) − 1          (8 → 127, 4 → 7, 3 → 3)
 *   scale = max|x| / qmax          (float32; 0 when x is all zeros)
 *   q = clamp(roundHalfEven(x / scale), −qmax, qmax),   x̂ = q · scale
 *
 * so |x − x̂| ≤ scale / 2 for every element. Post-training quantization (PTQ) applies it once
 * to trained coefficients; quantization-aware training (QAT) applies it in every forward pass
 * with a straight-through estimator (the gradient w.r.t. x is the gradient w.r.t. x̂), so the
 * float coefficients keep learning while the model only ever sees x̂. The same arithmetic runs
 * here on the host (for the stored adapter) and in tfjs (for QAT), float32 throughout.
 */

export const NOLA_QUANT_BITS = [8, 4, 3] as const;
export type NolaQuantBits = (typeof NOLA_QUANT_BITS)[number];

export function quantLevels(bits: number): number {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16) throw new Error(`quantization bits must be an integer in 2…16, got ${bits}`);
  return 2 ** (bits - 1) - 1;
}

/** JS rounding that agrees with tf.round (half to even). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface QuantizedVector {
  bits: number;
  /** float32 step between levels; x̂ = q · scale. */
  scale: number;
  /** Integers in [−qmax, qmax]. */
  q: Int32Array;
}

export function quantizeVector(values: ArrayLike<number>, bits: number): QuantizedVector {
  const qmax = quantLevels(bits);
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  const scale = Math.fround(Math.fround(maxAbs) / qmax);
  const q = new Int32Array(values.length);
  if (scale > 0) {
    for (let i = 0; i < values.length; i++) q[i] = Math.max(-qmax, Math.min(qmax, roundHalfEven(Math.fround(Math.fround(values[i]) / scale))));
  }
  return { bits, scale, q };
}

export function dequantizeVector(v: QuantizedVector): Float32Array {
  const out = new Float32Array(v.q.length);
  for (let i = 0; i < out.length; i++) out[i] = v.q[i] * v.scale;
  return out;
}

/** Host x̂ of a float vector (PTQ in one call). */
export function fakeQuantizeHost(values: ArrayLike<number>, bits: number): Float32Array {
  return dequantizeVector(quantizeVector(values, bits));
}

/**
 * QAT in tfjs: x̂ of each row of x [T, n] (one scale per row), with the straight-through
 * gradient dx = dx̂.
 */
export function fakeQuantizeRows(x: tf.Tensor2D, bits: number): tf.Tensor2D {
  const qmax = quantLevels(bits);
  const op = tf.customGrad(((input: tf.Tensor2D) => {
    const value = tf.tidy(() => {
      const scale = tf.div(tf.max(tf.abs(input), 1, true), qmax);
      // All-zero rows: scale 0 → divide by 1 instead, every q is 0 anyway.
      const safe = tf.where(tf.greater(scale, 0), scale, tf.onesLike(scale));
      const q = tf.clipByValue(tf.round(tf.div(input, safe)), -qmax, qmax);
      return tf.mul(q, scale) as tf.Tensor2D;
    });
    return { value, gradFunc: (dy: tf.Tensor) => dy };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (t: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}
