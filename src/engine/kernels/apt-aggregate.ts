import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';

/**
 * APT's prompt aggregation (Wu et al. 2023, eq. 13, the part inside e^s·(SA(X) + ·)):
 *
 *   ΔX = (ReLU(X·Kᵀ) ⊙ a) · V          X [n, d], K [p, d], a [p], V = P' [p, d] → ΔX [n, d]
 *
 * Two implementations with the same gradient:
 * - the plain-tfjs twin: matMul → relu → scale → matMul, differentiated by tfjs (any backend);
 * - the fused WGSL kernels (shaders/apt-aggregate-*.wgsl), when registered for the current
 *   backend (webgpu only, see apt-aggregate-webgpu.ts): forward and backward never write the
 *   n×p score matrix to GPU memory; the backward recomputes the scores tile by tile.
 */

/** tfjs kernel names the WGSL side registers; absent on other backends. */
export const APT_KERNELS = {
  forward: 'AptAggregate',
  gradInput: 'AptAggregateGradInput',
  gradPrompt: 'AptAggregateGradPrompt',
} as const;

export type AptImplementation = 'auto' | 'fused' | 'twin';

/** True when the fused kernels are registered for the active backend. */
export function fusedAptAvailable(): boolean {
  return tf.getKernel(APT_KERNELS.forward, tf.getBackend()) !== undefined;
}

/** The twin: ordinary tfjs ops, so autodiff gives dX, dK, da, dV. */
export function aptAggregateTwin(x: tf.Tensor2D, k: tf.Tensor2D, a: tf.Tensor1D, v: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const gated = tf.mul(tf.relu(matMul2d(x, k, false, true)), a) as tf.Tensor2D;
    return matMul2d(gated, v);
  });
}

type Fused = (x: tf.Tensor2D, k: tf.Tensor2D, a: tf.Tensor1D, v: tf.Tensor2D) => tf.Tensor2D;

/** Gradients of the fused op: dX from one kernel, [dV | dK | dA] from the other. */
export function aptAggregateFusedGrads(
  x: tf.Tensor2D,
  k: tf.Tensor2D,
  a: tf.Tensor1D,
  v: tf.Tensor2D,
  dy: tf.Tensor2D,
): { dx: tf.Tensor2D; dk: tf.Tensor2D; da: tf.Tensor1D; dv: tf.Tensor2D } {
  return tf.tidy(() => {
    const engine = tf.engine();
    const inputs = { x, k, a, v, dy } as unknown as tf.NamedTensorMap;
    const dx = engine.runKernel(APT_KERNELS.gradInput, inputs) as tf.Tensor2D;
    const d = x.shape[1];
    const promptGrads = engine.runKernel(APT_KERNELS.gradPrompt, inputs) as tf.Tensor2D;
    const dv = tf.slice(promptGrads, [0, 0], [-1, d]);
    const dk = tf.slice(promptGrads, [0, d], [-1, d]);
    const da = tf.reshape(tf.slice(promptGrads, [0, 2 * d], [-1, 1]), [-1]) as tf.Tensor1D;
    return { dx, dk, da, dv };
  });
}

const fusedWithGrad: Fused = tf.customGrad(((x: tf.Tensor, k: tf.Tensor, a: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, k, a, v]);
  const value = tf.engine().runKernel(APT_KERNELS.forward, { x, k, a, v } as unknown as tf.NamedTensorMap) as tf.Tensor2D;
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sk, sa, sv] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
      const g = aptAggregateFusedGrads(sx, sk, sa, sv, dy as tf.Tensor2D);
      return [g.dx, g.dk, g.da, g.dv];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Fused;

/**
 * ΔX for x [n, d], keys k [p, d], weights a [p], values v [p, d]. `auto` takes the fused kernel
 * where registered (webgpu), the twin elsewhere; the lab forces one or the other for parity.
 */
export function aptAggregate(x: tf.Tensor2D, k: tf.Tensor2D, a: tf.Tensor1D, v: tf.Tensor2D, implementation: AptImplementation = 'auto'): tf.Tensor2D {
  const [n, d] = x.shape;
  const [p, dk] = k.shape;
  if (dk !== d || v.shape[0] !== p || v.shape[1] !== d || a.shape[0] !== p) {
    throw new Error(`aptAggregate: shapes x [${x.shape}], k [${k.shape}], a [${a.shape}], v [${v.shape}] do not match ([n,d], [p,d], [p], [p,d])`);
  }
  const fused = implementation === 'fused' || (implementation === 'auto' && fusedAptAvailable());
  if (!fused || n === 0) return aptAggregateTwin(x, k, a, v);
  if (!fusedAptAvailable()) throw new Error(`aptAggregate: the fused kernel is not registered on backend "${tf.getBackend()}"`);
  return fusedWithGrad(x, k, a, v);
}
