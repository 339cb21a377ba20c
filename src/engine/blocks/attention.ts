import { tf } from '../tf';
import { blockKernels } from './seam';
import { runFused } from './fused';

/**
 * Scaled dot-product attention as one fused block, flash-attention style in what it keeps:
 * q, k, v and the per-row log-sum-exp (one float per query row and head). The probabilities
 * [B, H, T, S] are recomputed in the backward from q, k and the lse, so no [B, H, T, S]
 * tensor outlives the forward (the composed formula kept three: scores, softmax and dropout).
 *
 *   P = softmax(scale·q·kᵀ + bias),  out = dropout(P)·v
 *   dV = dropout(P)ᵀ·dO;  dP = dropout'(dO·vᵀ);  dZ = P ⊙ (dP − rowsum(dP ⊙ P))
 *   dQ = scale·dZ·k;  dK = scale·dZᵀ·q;  dBias = dZ summed over bias's broadcast axes
 *
 * Dropout on P regenerates the same mask in the backward from the same seed (tf.dropout is
 * deterministic for a given shape and seed), so its gradient needs nothing kept either.
 */
export interface AttentionOptions {
  /** Multiplies q·kᵀ (1/√d_head for GPT-2 and ViT; 1 for T5). */
  scale: number;
  /** Additive [B|1, H|1, T, S]: masks (−1e9) and T5's position bias; null for none. */
  bias: tf.Tensor4D | null;
  /**
   * Whether the bias carries a gradient (T5's position bias under full fine-tuning). Masks do
   * not: a constant bias is captured, not differentiated.
   */
  biasNeedsGrad: boolean;
  /** Dropout on the probabilities while training (HF's attn_pdrop); seed null = none. */
  dropoutRate: number;
  dropoutSeed: number | null;
  /** Called with the probabilities (before dropout) for views; evaluation only. */
  observeProbabilities?: (probs: tf.Tensor4D) => void;
}

/** Batched a·b over the last two axes; on wasm transposes are explicit (see linear.ts). */
function bmm(a: tf.Tensor4D, b: tf.Tensor4D, transposeA = false, transposeB = false): tf.Tensor4D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  const swap = [0, 1, 3, 2];
  return tf.matMul(transposeA ? tf.transpose(a, swap) : a, transposeB ? tf.transpose(b, swap) : b);
}

/** Sum `g` down to `shape` over the axes where `shape` broadcasts (size 1). */
function sumToShape(g: tf.Tensor4D, shape: number[]): tf.Tensor4D {
  const axes = shape.map((n, i) => (n === 1 && g.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  return axes.length === 0 ? g : (tf.sum(g, axes, true) as tf.Tensor4D);
}

/** Context [B, H, T, d_head] for q [B, H, T, d_head] and k, v [B, H, S, d_head]. */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, options: AttentionOptions): tf.Tensor4D {
  const { scale, bias, observeProbabilities } = options;
  const biasInput = options.biasNeedsGrad ? bias : null;
  const dropout = options.dropoutRate > 0 && options.dropoutSeed !== null ? { rate: options.dropoutRate, seed: options.dropoutSeed } : null;
  const drop = (t: tf.Tensor4D) => (dropout ? (tf.dropout(t, dropout.rate, undefined, dropout.seed) as tf.Tensor4D) : t);
  return runFused([q, k, v, biasInput], (wanted) => {
    const kernels = blockKernels();
    const { probs, lse } = kernels.softmaxForward(bmm(q, k, false, true), bias, scale);
    observeProbabilities?.(probs);
    return {
      value: bmm(drop(probs), v),
      // Everything the backward reads must be saved: the forward's scope frees the rest.
      saved: bias ? [q, k, v, lse, bias] : [q, k, v, lse],
      backward: (dy, [sq, sk, sv, sLse, sBias]) => {
        const b4 = (sBias ?? null) as tf.Tensor4D | null;
        const dOut = dy as tf.Tensor4D;
        const q4 = sq as tf.Tensor4D;
        const k4 = sk as tf.Tensor4D;
        const p = kernels.softmaxFromLse(bmm(q4, k4, false, true), b4, scale, sLse as tf.Tensor3D);
        const dV = wanted[2] ? bmm(drop(p), dOut, true, false) : null;
        const dZ = kernels.softmaxBackward(p, drop(bmm(dOut, sv as tf.Tensor4D, false, true)));
        const dScores = scale === 1 ? dZ : (tf.mul(dZ, scale) as tf.Tensor4D);
        return [
          wanted[0] ? bmm(dScores, k4) : null,
          wanted[1] ? bmm(dScores, q4, true, false) : null,
          dV,
          wanted[3] && b4 ? sumToShape(dZ, b4.shape) : null,
        ];
      },
    };
  }) as tf.Tensor4D;
}
