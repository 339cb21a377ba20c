import { tf } from '../tf';

/**
 * GPU dispatches on the webgpu backend: every tfjs WebGPU kernel, and each of our WGSL kernels,
 * runs its shaders through `backend.runWebGPUProgram`, one compute dispatch a call (reshapes
 * and identities run none). Counting its calls counts what the GPU is asked to do, which
 * tf.profile's kernel list (one entry per tfjs kernel) does not.
 */
interface ProgramRunner {
  runWebGPUProgram: (program: object, ...rest: unknown[]) => unknown;
}

export interface DispatchCount<T> {
  result: T;
  dispatches: number;
  /** By program class (tfjs's own names, e.g. MatMulPackedProgram, BinaryOpProgram), most first. */
  byProgram: Array<[string, number]>;
}

export async function countDispatches<T>(fn: () => Promise<T>): Promise<DispatchCount<T>> {
  if (tf.getBackend() !== 'webgpu') throw new Error(`dispatches are counted on webgpu, not ${tf.getBackend()}`);
  const backend = tf.backend() as unknown as ProgramRunner;
  const original = backend.runWebGPUProgram;
  const counts = new Map<string, number>();
  backend.runWebGPUProgram = function (program: object, ...rest: unknown[]) {
    const name = (program as { constructor?: { name?: string } }).constructor?.name || 'program';
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return original.call(this, program, ...rest);
  };
  try {
    const result = await fn();
    const byProgram = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    return { result, dispatches: byProgram.reduce((n, [, c]) => n + c, 0), byProgram };
  } finally {
    backend.runWebGPUProgram = original;
  }
}
