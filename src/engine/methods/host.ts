import { tf } from '../tf';
import type { HostTensor } from '../io/safetensors';
import { AdapterError } from './types';
import { firstNonFinite } from '../io/finite';

/** Host copy of a variable's values, for saving. */
export async function toHost(t: tf.Tensor): Promise<HostTensor> {
  return { dtype: 'F32', shape: [...t.shape], data: (await t.data()) as Float32Array };
}

/** Checks a loaded tensor's presence and shape, naming it on failure. */
export function expectTensor(tensors: Map<string, HostTensor>, name: string, shape: readonly number[]): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new AdapterError(`adapter is missing tensor "${name}" (expected shape [${shape}])`);
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new AdapterError(`adapter tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
  }
  if (!(t.data instanceof Float32Array)) throw new AdapterError(`adapter tensor "${name}" must be a float tensor`);
  const bad = firstNonFinite(t.data);
  if (bad >= 0) throw new AdapterError(`adapter tensor "${name}" element ${bad} is ${t.data[bad]}`);
  return t.data;
}

/** Rejects tensors an adapter does not know, so a wrong file is not half-applied. */
export function rejectUnknown(tensors: Map<string, HostTensor>, known: Set<string>): void {
  for (const name of tensors.keys()) {
    if (!known.has(name)) throw new AdapterError(`adapter has unexpected tensor "${name}"`);
  }
}

/** Assigns after every check has passed: loading is all-or-nothing. */
export function assignAll(assignments: Array<[tf.Variable, Float32Array]>): void {
  for (const [variable, data] of assignments) {
    tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
  }
}

/** Uniform values in [-bound, bound) from a seeded stream. */
export function uniformArray(size: number, bound: number, next: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (next() * 2 - 1) * bound;
  return out;
}
