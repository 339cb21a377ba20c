import { tf } from '../tf';
import { runFused } from './fused';
import { plainMatMul } from './linear';

/**
 * A low-rank update added to a linear layer's output, as one fused block (LoRA):
 *
 *   out = y + s·Σ_i (x·A_iᵀ)·B_iᵀ   placed at output columns [offset_i, offset_i + size_i)
 *
 * with A_i [r, in] and B_i [size_i, r] (PEFT's orientation). The parts of a fused projection
 * (GPT-2's c_attn: q and v, not k) go through two products in all: x·[A_1; A_2]ᵀ → u [N, Σr],
 * then u times a block matrix [out, Σr] built from the B_i with zeros elsewhere (a few small
 * kernels on [out × Σr], instead of zero-filled [N, out] columns, a concat and a scale on the
 * activations). Kept for backward: x (dA needs it) and u [N, Σr]; the base output y is only added.
 *
 *   dy = dOut;  dU = dOut·(s·Bblk);  dX = dU·A;  dA = dUᵀ·x;  dBblk = s·dOutᵀ·u → its B_i blocks
 */
export interface LowRankPart {
  a: tf.Tensor2D;
  b: tf.Tensor2D;
  offset: number;
  size: number;
}

/** [out, Σr]: each part's B at its rows and its rank's columns, zeros elsewhere. */
function blockMatrix(parts: readonly LowRankPart[], bs: readonly tf.Tensor2D[], out: number): tf.Tensor2D {
  if (parts.length === 1 && parts[0].offset === 0 && parts[0].size === out) return bs[0];
  const ranks = parts.map((p) => p.a.shape[0]);
  const totalRank = ranks.reduce((a, b) => a + b, 0);
  const rows: tf.Tensor2D[] = [];
  let cursor = 0;
  let rankStart = 0;
  parts.forEach((part, i) => {
    if (part.offset > cursor) rows.push(tf.zeros([part.offset - cursor, totalRank]));
    rows.push(tf.pad(bs[i], [[0, 0], [rankStart, totalRank - rankStart - ranks[i]]]));
    rankStart += ranks[i];
    cursor = part.offset + part.size;
  });
  if (cursor < out) rows.push(tf.zeros([out - cursor, totalRank]));
  return tf.concat(rows, 0);
}

export function addLowRank(y: tf.Tensor2D, x: tf.Tensor2D, parts: readonly LowRankPart[], scale: number): tf.Tensor2D {
  const sorted = [...parts].sort((p, q) => p.offset - q.offset);
  const out = y.shape[1];
  const n = sorted.length;
  const inputs = [y, x, ...sorted.map((p) => p.a), ...sorted.map((p) => p.b)];
  return runFused(inputs, (wanted) => {
    const aCat = n === 1 ? sorted[0].a : (tf.concat(sorted.map((p) => p.a), 0) as tf.Tensor2D); // [Σr, in]
    const u = plainMatMul(x, aCat, false, true); // [N, Σr]
    const bScaled = tf.mul(blockMatrix(sorted, sorted.map((p) => p.b), out), scale) as tf.Tensor2D; // [out, Σr]
    return {
      value: tf.add(y, plainMatMul(u, bScaled, false, true)),
      saved: [x, u, aCat, bScaled],
      backward: (dy, [sx, su, sa, sb]) => {
        const dOut = dy as tf.Tensor2D;
        const grads: Array<tf.Tensor | null> = [wanted[0] ? dOut : null];
        const aWanted = sorted.some((_, i) => wanted[2 + i]);
        const needDu = wanted[1] || aWanted;
        const dU = needDu ? plainMatMul(dOut, sb as tf.Tensor2D) : null; // [N, Σr]
        grads.push(wanted[1] && dU ? plainMatMul(dU, sa as tf.Tensor2D) : null);
        const dA = aWanted && dU ? plainMatMul(dU, sx as tf.Tensor2D, true, false) : null; // [Σr, in]
        const bWanted = sorted.some((_, i) => wanted[2 + n + i]);
        const dBT = bWanted ? (tf.mul(plainMatMul(su as tf.Tensor2D, dOut, true, false), scale) as tf.Tensor2D) : null; // [Σr, out]
        let rankStart = 0;
        const dAs: Array<tf.Tensor | null> = [];
        const dBs: Array<tf.Tensor | null> = [];
        sorted.forEach((part, i) => {
          const r = part.a.shape[0];
          dAs.push(wanted[2 + i] && dA ? (n === 1 ? dA : tf.slice(dA, [rankStart, 0], [r, -1])) : null);
          dBs.push(wanted[2 + n + i] && dBT ? tf.transpose(tf.slice(dBT, [rankStart, part.offset], [r, part.size])) : null);
          rankStart += r;
        });
        return [...grads, ...dAs, ...dBs];
      },
    };
  }) as tf.Tensor2D;
}
