import { tf } from '../tf';
import { matMul2d } from '../kernels/matmul';
import type { Gpt2Activation } from './gpt2-config';

/** Building blocks shared by the models, each the same formula as its PyTorch counterpart. */

/** torch.nn.LayerNorm over the last axis: biased variance, eps inside the square root. */
export function layerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, weight), bias) as T;
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** HF's ACT2FN for the activations GPT-2 configs use. */
export function activation<T extends tf.Tensor>(x: T, kind: Gpt2Activation): T {
  return tf.tidy(() => {
    switch (kind) {
      case 'gelu_new':
      case 'gelu_pytorch_tanh':
      case 'gelu_fast': {
        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))));
        return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner))) as T;
      }
      case 'gelu':
        return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))) as T;
      case 'relu':
        return tf.relu(x) as T;
      case 'silu':
        return tf.mul(x, tf.sigmoid(x)) as T;
    }
  });
}

/** y = x·W + b with W stored [in, out] (HF Conv1D layout). */
export function affine(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor2D {
  const y = matMul2d(x, weight);
  return bias ? (tf.add(y, bias) as tf.Tensor2D) : y;
}

/** Dropout that is a no-op at rate 0 or outside training; seeded so runs replay. */
export function maybeDropout<T extends tf.Tensor>(x: T, rate: number, seed: number | null): T {
  if (rate <= 0 || seed === null) return x;
  return tf.dropout(x, rate, undefined, seed) as T;
}

let variableSerial = 0;

/**
 * A tf.Variable that owns its value. `tf.variable(t)` shares `t`'s data and leaves `t` alive,
 * so without disposing `t` here, disposing the variable would leak it. The name gets a serial
 * suffix: tfjs variable names are global, and runs side by side each hold their own model,
 * method and head.
 */
export function ownedVariable(initial: tf.Tensor, trainable: boolean, name: string): tf.Variable {
  const variable = tf.variable(initial, trainable, `${name}#${++variableSerial}`);
  initial.dispose();
  return variable;
}
