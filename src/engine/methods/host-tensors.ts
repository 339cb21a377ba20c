import type { HostTensor } from '../io/safetensors';
import { firstNonFinite } from '../io/finite';
import { AdapterError } from './types';

/**
 * Checks on adapter tensors held on the host (no tfjs): what a file must contain before anything
 * is assigned. The tensor side (host copies of variables, assignment) is in host.ts.
 */

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

/** Uniform values in [-bound, bound) from a seeded stream. */
export function uniformArray(size: number, bound: number, next: () => number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (next() * 2 - 1) * bound;
  return out;
}
