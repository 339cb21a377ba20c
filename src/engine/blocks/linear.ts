import { tf } from '../tf';
import { runFused } from './fused';
import { blockKernels } from './seam';

/**
 * Matrix products whose backward does no work for frozen operands: with a frozen W, y = x·W
 * computes only dX = dY·Wᵀ and keeps only W (already resident) instead of x. tfjs's own matMul
 * gradient prunes dW too, but a customGrad around it cannot, and tfjs's wasm backend needs one:
 * XNNPACK is fast only for plain A·B (measured here: [2048,128]·[2048,128]ᵀ 560 ms vs 60 ms for
 * an explicit transpose then A·B), and a gradient is two transposed products. So on wasm every
 * transposed operand becomes an explicit transpose followed by a plain product.
 */
function transposedOnWasm(a: tf.Tensor2D, transpose: boolean): { t: tf.Tensor2D; flag: boolean } {
  if (!transpose) return { t: a, flag: false };
  if (tf.getBackend() === 'wasm') return { t: tf.transpose(a), flag: false };
  return { t: a, flag: true };
}

/** a·b (2-D) with transposes, fast on every backend. No gradient: callers are inside a block. */
export function plainMatMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  const ta = transposedOnWasm(a, transposeA);
  const tb = transposedOnWasm(b, transposeB);
  return tf.matMul(ta.t, tb.t, ta.flag, tb.flag);
}

/** y = x·W + b with W stored [in, out] (HF Conv1D layout; nn.Linear weights are transposed on load). */
export function affine(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor2D {
  return runFused([x, weight, bias], (wanted) => ({
    value: bias ? tf.fused.matMul({ a: x, b: weight, bias }) : plainMatMul(x, weight),
    // dX needs W; dW needs x. A frozen W keeps no copy of the activations.
    saved: wanted[1] ? [x, weight] : [weight],
    backward: (dy, saved) => {
      const w = saved[saved.length - 1] as tf.Tensor2D;
      const dy2 = dy as tf.Tensor2D;
      return [
        wanted[0] ? plainMatMul(dy2, w, false, true) : null,
        wanted[1] ? plainMatMul(saved[0] as tf.Tensor2D, dy2, true, false) : null,
        wanted[2] ? blockKernels().columnSums(dy2) : null,
      ];
    },
  })) as tf.Tensor2D;
}

/** a·b (optionally transposed) with a gradient only for the operands that train. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  return runFused([a, b], (wanted) => ({
    value: plainMatMul(a, b, transposeA, transposeB),
    saved: [wanted[1] ? a : null, wanted[0] ? b : null].filter((t): t is tf.Tensor2D => t !== null),
    backward: (dy, saved) => {
      const dy2 = dy as tf.Tensor2D;
      const sa = wanted[1] ? (saved[0] as tf.Tensor2D) : null;
      const sb = wanted[0] ? (saved[saved.length - 1] as tf.Tensor2D) : null;
      // C = op(A)·op(B): dA = dC·op(B)ᵀ (transposed back if A was), dB likewise.
      const da = sb ? (transposeA ? plainMatMul(sb, dy2, transposeB, true) : plainMatMul(dy2, sb, false, !transposeB)) : null;
      const db = sa ? (transposeB ? plainMatMul(dy2, sa, true, transposeA) : plainMatMul(sa, dy2, !transposeA, false)) : null;
      return [da, db];
    },
  })) as tf.Tensor2D;
}
