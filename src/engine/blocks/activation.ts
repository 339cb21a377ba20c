import { tf } from '../tf';
import { blockKernels, type ActivationKind } from './seam';
import { runFused } from './fused';

/** The activation names of HF's ACT2FN that our configs use, by the formula they compute. */
export type HfActivation = 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu_fast' | 'gelu' | 'relu' | 'silu';

export function activationKind(name: HfActivation): ActivationKind {
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return 'gelu_tanh';
    case 'gelu':
      return 'gelu_erf';
    case 'relu':
      return 'relu';
    case 'silu':
      return 'silu';
  }
}

/** An elementwise activation as one fused block; kept for backward: its input only. */
export function activation<T extends tf.Tensor>(x: T, name: HfActivation): T {
  const kind = activationKind(name);
  const m = x.shape[x.shape.length - 1];
  const x2 = (x.rank === 2 ? x : x.reshape([-1, m])) as tf.Tensor2D;
  const y = runFused([x2], () => {
    const k = blockKernels();
    return {
      value: k.activationForward(x2, kind),
      saved: [x2],
      backward: (dy, [sx]) => [k.activationBackward(dy as tf.Tensor2D, sx as tf.Tensor2D, kind)],
    };
  });
  return (x.rank === 2 ? y : y.reshape(x.shape)) as T;
}
