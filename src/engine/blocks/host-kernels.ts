import { tf } from '../tf';
import { HOST_BACKENDS } from '../kernels/host/host-memory';
import { normKernelConfigs } from '../kernels/host/norm';
import { activationKernelConfigs } from '../kernels/host/activation';
import { softmaxKernelConfigs } from '../kernels/host/softmax';
import { crossEntropyKernelConfigs } from '../kernels/host/cross-entropy';
import { adamKernelConfigs } from '../kernels/host/adam';
import { columnSumKernelConfigs } from '../kernels/host/column-sums';
import { registerBlockKernels, type BlockKernels } from './seam';

/**
 * The block kernels of the two backends that keep tensors in host memory (wasm, cpu): each seam
 * call is ONE tfjs kernel (`kernels/host/*.ts`, tight loops over the tensors' own memory) where
 * the twin runs 5–15 tfjs ops, each with its own pass over memory and its own temporaries.
 */

function run(kernelName: string, inputs: Record<string, tf.Tensor | null>, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const present: tf.NamedTensorMap = {};
  for (const [name, tensor] of Object.entries(inputs)) if (tensor) present[name] = tensor;
  const out = tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, present, attrs);
  return Array.isArray(out) ? out : [out];
}

/** The seam's kernels that the host backends run as one tfjs kernel each. */
export type HostBlockKernels = Pick<
  BlockKernels,
  | 'normForward'
  | 'normBackward'
  | 'activationForward'
  | 'activationBackward'
  | 'softmaxForward'
  | 'softmaxFromLse'
  | 'softmaxBackward'
  | 'crossEntropyForward'
  | 'crossEntropyBackward'
  | 'columnSums'
  | 'sumOfSquares'
  | 'adamUpdate'
>;

export const hostBlockKernels: HostBlockKernels = {
  normForward(x, gamma, beta, eps, rms) {
    const [y, mean, rstd] = run('PeftNormForward', { x, gamma, beta }, { eps, rms });
    return { y: y as tf.Tensor2D, mean: mean as tf.Tensor1D, rstd: rstd as tf.Tensor1D };
  },

  normBackward(dy, x, gamma, mean, rstd, rms) {
    const [dx, dGamma, dBeta] = run('PeftNormBackward', { dy, x, gamma, mean, rstd }, { rms });
    return { dx: dx as tf.Tensor2D, dGamma: dGamma as tf.Tensor1D, dBeta: rms ? null : (dBeta as tf.Tensor1D) };
  },

  activationForward(x, kind) {
    return run('PeftActivationForward', { x }, { kind })[0] as tf.Tensor2D;
  },

  activationBackward(dy, x, kind) {
    return run('PeftActivationBackward', { dy, x }, { kind })[0] as tf.Tensor2D;
  },

  softmaxForward(scores, bias, scale) {
    const [probs, lse] = run('PeftSoftmaxForward', { scores, bias }, { scale });
    return { probs: probs as tf.Tensor4D, lse: lse as tf.Tensor3D };
  },

  softmaxFromLse(scores, bias, scale, lse) {
    return run('PeftSoftmaxFromLse', { scores, bias, lse }, { scale })[0] as tf.Tensor4D;
  },

  softmaxBackward(probs, dProbs) {
    return run('PeftSoftmaxBackward', { probs, dProbs })[0] as tf.Tensor4D;
  },

  crossEntropyForward(logits, targets, weights) {
    const [lossSum, lse] = run('PeftCrossEntropyForward', { logits, targets, weights });
    return { lossSum: lossSum as tf.Scalar, lse: lse as tf.Tensor1D };
  },

  crossEntropyBackward(logits, targets, weights, lse, dLoss) {
    return run('PeftCrossEntropyBackward', { logits, targets, weights, lse, dLoss })[0] as tf.Tensor2D;
  },

  columnSums(x) {
    return run('PeftColumnSums', { x })[0] as tf.Tensor1D;
  },

  sumOfSquares(grads) {
    const inputs: Record<string, tf.Tensor> = {};
    grads.forEach((g, i) => (inputs[`g${i}`] = g));
    return run('PeftSumOfSquares', inputs, { n: grads.length })[0] as tf.Scalar;
  },

  adamUpdate(group, clip, settings) {
    const n = group.params.length;
    if (n === 0) return [];
    const inputs: Record<string, tf.Tensor> = { clip };
    for (let i = 0; i < n; i++) {
      inputs[`p${i}`] = group.params[i];
      inputs[`g${i}`] = group.grads[i];
      inputs[`m${i}`] = group.m[i];
      inputs[`v${i}`] = group.v[i];
    }
    const { kind, lr, beta1, beta2, epsilon, weightDecay, bias1, bias2 } = settings;
    const out = run('PeftAdamUpdate', inputs, { n, kind, lr, beta1, beta2, epsilon, weightDecay, bias1, bias2 });
    return group.params.map((_, i) => ({ p: out[3 * i], m: out[3 * i + 1], v: out[3 * i + 2] }));
  },
};

let tfKernelsRegistered = false;

/**
 * Registers the host kernels with tfjs for wasm and cpu (once) and makes them those backends'
 * block kernels (again on every call, so a test that unregistered them can restore them).
 */
export function registerHostBlockKernels(): void {
  if (!tfKernelsRegistered) {
    for (const config of [...normKernelConfigs, ...activationKernelConfigs, ...softmaxKernelConfigs, ...crossEntropyKernelConfigs, ...adamKernelConfigs, ...columnSumKernelConfigs]) {
      if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
    }
    tfKernelsRegistered = true;
  }
  for (const backendName of HOST_BACKENDS) registerBlockKernels(backendName, hostBlockKernels);
}
