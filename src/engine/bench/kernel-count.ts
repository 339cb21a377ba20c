import { tf } from '../tf';

/**
 * Kernel calls in a `tf.profile` result. tfjs also lists its customGrad wrappers there (named
 * after the op or the forward function, e.g. `fusedMatMul__op`, `forward`), which run no kernel
 * of their own; only names the backend has a kernel for are counted.
 */
/** The part of tfjs's ProfileInfo (not exported by name) that is read here. */
export interface ProfiledKernels {
  kernels: Array<{ name: string }>;
}

export function kernelCalls(profile: ProfiledKernels, backend: string = tf.getBackend()): Array<{ name: string }> {
  return profile.kernels.filter((kernel) => tf.getKernel(kernel.name, backend) !== undefined);
}

/** Kernel calls by name, most frequent first. */
export function kernelHistogram(profile: ProfiledKernels, backend: string = tf.getBackend()): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const { name } of kernelCalls(profile, backend)) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
