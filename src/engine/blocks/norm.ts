import { tf } from '../tf';
import { blockKernels } from './seam';
import { runFused } from './fused';

/**
 * LayerNorm (GPT-2, ViT) and T5's RMSNorm as fused blocks: one forward kernel and one backward
 * kernel on backends that have them; kept for backward: x and the per-row mean and 1/std
 * (2 floats a row), instead of every intermediate of the composed formula.
 */
function fusedNorm<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D | null, eps: number, rms: boolean): T {
  const d = x.shape[x.shape.length - 1];
  const x2 = (x.rank === 2 ? x : x.reshape([-1, d])) as tf.Tensor2D;
  const y = runFused([x2, gamma, beta], () => {
    const k = blockKernels();
    const { y, mean, rstd } = k.normForward(x2, gamma, beta, eps, rms);
    return {
      value: y,
      saved: [x2, mean, rstd, gamma],
      backward: (dy, [sx, sMean, sRstd, sGamma], wanted) => {
        const { dx, dGamma, dBeta } = k.normBackward(dy as tf.Tensor2D, sx as tf.Tensor2D, sGamma as tf.Tensor1D, sMean as tf.Tensor1D, sRstd as tf.Tensor1D, rms);
        return [wanted[0] ? dx : null, wanted[1] ? dGamma : null, wanted[2] ? dBeta : null];
      },
    };
  });
  return (x.rank === 2 ? y : y.reshape(x.shape)) as T;
}

/** torch.nn.LayerNorm over the last axis: biased variance, eps inside the square root. */
export function layerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): T {
  return fusedNorm(x, weight, bias, eps, false);
}

/** T5LayerNorm: x·rsqrt(mean(x²) + eps)·γ, no mean subtraction, no bias. */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  return fusedNorm(x, weight, null, eps, true);
}
