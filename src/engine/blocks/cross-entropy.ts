import { tf } from '../tf';
import { blockKernels } from './seam';
import { runFused } from './fused';
import { plainMatMul } from './linear';
import { chunkRows } from './cross-entropy-chunks';

/**
 * The vocabulary cross-entropy as one fused block: LM head, log-softmax and the weighted NLL,
 * chunked over rows so that no [rows, V] logits tensor outlives its chunk, in the forward or the
 * backward. Kept for backward: the hidden states (an input anyway), the head (a weight) and one
 * log-sum-exp per row; the backward recomputes each chunk's logits.
 *
 *   loss = Σ_i w_i·(lse_i − z_i[t_i]),  z = h·Wᵀ
 *   dz = dLoss·w·(softmax(z) − onehot(t));  dh = dz·W;  dW = dzᵀ·h (only when W trains)
 */

/**
 * Σ weights·NLL(targets | hidden·headᵀ) for hidden [N, d], head [V, d], int32 targets [N] and
 * float weights [N] (e.g. a padding mask divided by the number of targets, for the mean).
 * `rowsPerChunk` overrides the chunking (tests use it to cross chunk borders at small sizes).
 */
export function lmCrossEntropy(hidden: tf.Tensor2D, head: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D, rowsPerChunk?: number): tf.Scalar {
  const [rows, d] = hidden.shape;
  const vocab = head.shape[0];
  const chunk = rowsPerChunk ?? chunkRows(rows, vocab);
  const starts: number[] = [];
  for (let start = 0; start < rows; start += chunk) starts.push(start);
  const slice = (t: tf.Tensor, start: number) => {
    const n = Math.min(chunk, rows - start);
    return t.rank === 1 ? tf.slice(t, [start], [n]) : tf.slice(t, [start, 0], [n, d]);
  };
  const single = starts.length === 1;
  return runFused([hidden, head], (wanted) => {
    const kernels = blockKernels();
    const headT = tf.transpose(head) as tf.Tensor2D; // [d, V], once for all chunks
    const losses: tf.Scalar[] = [];
    const lses: tf.Tensor1D[] = [];
    for (const start of starts) {
      const h = single ? hidden : (slice(hidden, start) as tf.Tensor2D);
      const t = single ? targets : (slice(targets, start) as tf.Tensor1D);
      const w = single ? weights : (slice(weights, start) as tf.Tensor1D);
      const { lossSum, lse } = kernels.crossEntropyForward(tf.matMul(h, headT), t, w);
      losses.push(lossSum);
      lses.push(lse);
    }
    const lse = single ? lses[0] : (tf.concat(lses) as tf.Tensor1D);
    return {
      value: single ? losses[0] : tf.addN(losses),
      saved: [hidden, head, targets, weights, lse],
      backward: (dy, [sh, sw, st, sweights, sLse]) => {
        const h2 = sh as tf.Tensor2D;
        const w2 = sw as tf.Tensor2D;
        const wT = tf.transpose(w2) as tf.Tensor2D;
        const dHidden: tf.Tensor2D[] = [];
        let dHeadT: tf.Tensor2D | null = null; // [d, V], transposed once at the end
        for (const start of starts) {
          const part = tf.tidy(() => {
            const h = single ? h2 : (slice(h2, start) as tf.Tensor2D);
            const dz = kernels.crossEntropyBackward(
              tf.matMul(h, wT),
              (single ? st : slice(st, start)) as tf.Tensor1D,
              (single ? sweights : slice(sweights, start)) as tf.Tensor1D,
              (single ? sLse : slice(sLse, start)) as tf.Tensor1D,
              dy as tf.Scalar,
            );
            const out: tf.Tensor2D[] = [];
            if (wanted[0]) out.push(tf.matMul(dz, w2));
            if (wanted[1]) out.push(plainMatMul(h, dz, true, false));
            return out;
          });
          if (wanted[0]) dHidden.push(part[0]);
          if (wanted[1]) {
            const dwT = part[part.length - 1];
            const previous: tf.Tensor2D | null = dHeadT;
            dHeadT = previous ? tf.add(previous, dwT) : dwT;
            if (previous) {
              previous.dispose();
              dwT.dispose();
            }
          }
        }
        return [
          wanted[0] ? (dHidden.length === 1 ? dHidden[0] : tf.concat(dHidden)) : null,
          dHeadT ? tf.transpose(dHeadT) : null,
        ];
      },
    };
  }) as tf.Scalar;
}
