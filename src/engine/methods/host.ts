import { tf } from '../tf';
import type { HostTensor } from '../io/safetensors';

export { expectTensor, rejectUnknown, uniformArray } from './host-tensors';

/** Host copy of a variable's values, for saving. */
export async function toHost(t: tf.Tensor): Promise<HostTensor> {
  return { dtype: 'F32', shape: [...t.shape], data: (await t.data()) as Float32Array };
}

/** Assigns after every check has passed: loading is all-or-nothing. */
export function assignAll(assignments: Array<[tf.Variable, Float32Array]>): void {
  for (const [variable, data] of assignments) {
    tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
  }
}
