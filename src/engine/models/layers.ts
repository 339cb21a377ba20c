import { tf } from '../tf';

/**
 * The models' building blocks. LayerNorm/RMSNorm, the activations and the linear layers are
 * fused blocks with their own gradients (src/engine/blocks/); what stays here has no backward
 * of its own.
 */
export { layerNorm, rmsNorm } from '../blocks/norm';
export { activation } from '../blocks/activation';
export { affine } from '../blocks/linear';

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
