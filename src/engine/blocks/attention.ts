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

/** Batched a·b over the last two axes, through the backend's kernel (wasm's own batched product is slow). */
function bmm(a: tf.Tensor4D, b: tf.Tensor4D, transposeA = false, transposeB = false): tf.Tensor4D {
  return blockKernels().batchMatMul(a, b, transposeA, transposeB);
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

/** Sizes of an attention over row-major activations: B sequences of `queries` and `keys` rows, `heads` heads. */
export interface AttentionRows {
  batch: number;
  queries: number;
  keys: number;
  heads: number;
  /**
   * Deep prompts: p extra keys and values [p, d] shared by every sequence, put before its own
   * keys (the bias then has p + keys columns).
   */
  prefixKeys?: tf.Tensor2D;
  prefixValues?: tf.Tensor2D;
}

/**
 * The same attention on the layout the linears produce: q [B·T, d], k and v [B·S, d] (d = heads ×
 * d_head) → context [B·T, d]. Splitting into heads, the deep-prompt prefix and merging heads
 * back happen inside the fused block, so none of those reshapes, transposes, tiles and concats
 * is recorded on the tape (tfjs would keep a copy of each one's input and replay it backwards).
 */
export function attentionOnRows(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, rows: AttentionRows, options: AttentionOptions): tf.Tensor2D {
  const { batch, queries, keys, heads } = rows;
  const d = q.shape[1];
  const headDim = d / heads;
  const prefix = rows.prefixKeys?.shape[0] ?? 0;
  const toHeads = (t: tf.Tensor2D, n: number, b: number) => tf.transpose(tf.reshape(t, [b, n, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
  const withPrefix = (own: tf.Tensor2D, shared: tf.Tensor2D | undefined) => {
    const mine = toHeads(own, keys, batch);
    return shared ? (tf.concat([tf.tile(toHeads(shared, prefix, 1), [batch, 1, 1, 1]), mine], 2) as tf.Tensor4D) : mine;
  };
  const fromHeads = (t: tf.Tensor4D) => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [batch * queries, d]) as tf.Tensor2D;
  const { scale, bias, observeProbabilities } = options;
  const biasInput = options.biasNeedsGrad ? bias : null;
  const dropout = options.dropoutRate > 0 && options.dropoutSeed !== null ? { rate: options.dropoutRate, seed: options.dropoutSeed } : null;
  const drop = (t: tf.Tensor4D) => (dropout ? (tf.dropout(t, dropout.rate, undefined, dropout.seed) as tf.Tensor4D) : t);
  const inputs = [q, k, v, rows.prefixKeys ?? null, rows.prefixValues ?? null, biasInput];
  return runFused(inputs, (wanted) => {
    const kernels = blockKernels();
    const q4 = toHeads(q, queries, batch);
    const k4 = withPrefix(k, rows.prefixKeys);
    const { probs, lse } = kernels.softmaxForward(bmm(q4, k4, false, true), bias, scale);
    observeProbabilities?.(probs);
    const saved = [q, k, v, lse, ...(bias ? [bias] : []), ...(prefix > 0 ? [rows.prefixKeys!, rows.prefixValues!] : [])];
    return {
      value: fromHeads(bmm(drop(probs), withPrefix(v, rows.prefixValues))),
      saved,
      backward: (dy, kept) => {
        const [sq, sk, sv, sLse] = kept as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D];
        const b4 = (bias ? kept[4] : null) as tf.Tensor4D | null;
        const pk = prefix > 0 ? (kept[kept.length - 2] as tf.Tensor2D) : undefined;
        const pv = prefix > 0 ? (kept[kept.length - 1] as tf.Tensor2D) : undefined;
        const dOut = toHeads(dy as tf.Tensor2D, queries, batch);
        const q4b = toHeads(sq, queries, batch);
        const k4b = withPrefix(sk, pk);
        const p = kernels.softmaxFromLse(bmm(q4b, k4b, false, true), b4, scale, sLse);
        const wantK = wanted[1] || wanted[3];
        const wantV = wanted[2] || wanted[4];
        const dV = wantV ? bmm(drop(p), dOut, true, false) : null;
        const dZ = kernels.softmaxBackward(p, drop(bmm(dOut, withPrefix(sv, pv), false, true)));
        const dScores = scale === 1 ? dZ : (tf.mul(dZ, scale) as tf.Tensor4D);
        const dK = wantK ? bmm(dScores, q4b, true, false) : null;
        // Keys/values [B, H, p + S, d_head] → the sequence's own rows and the shared prefix (summed over B).
        const ownRows = (g: tf.Tensor4D) => tf.reshape(tf.transpose(prefix > 0 ? tf.slice(g, [0, 0, prefix, 0], [-1, -1, keys, -1]) : g, [0, 2, 1, 3]), [batch * keys, d]);
        const prefixRows = (g: tf.Tensor4D) => tf.reshape(tf.transpose(tf.sum(tf.slice(g, [0, 0, 0, 0], [-1, -1, prefix, -1]), 0), [1, 0, 2]), [prefix, d]);
        return [
          wanted[0] ? fromHeads(bmm(dScores, k4b)) : null,
          wanted[1] && dK ? ownRows(dK) : null,
          wanted[2] && dV ? ownRows(dV) : null,
          wanted[3] && dK ? prefixRows(dK) : null,
          wanted[4] && dV ? prefixRows(dV) : null,
          wanted[5] && b4 ? sumToShape(dZ, b4.shape) : null,
        ];
      },
    };
  }) as tf.Tensor2D;
}

