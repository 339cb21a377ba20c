import { tf } from '../../tf';
import { shaderConstant } from '../wgsl-library';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/**
 * The shared plumbing of the lean blocks' WGSL kernels. Each shader in shaders/blocks-*.wgsl
 * holds only its `main(index: i32)`; tfjs prepends the preamble (one read-only storage binding
 * per name in `variableNames`, the `result` output binding, the uniform block with each input's
 * shape followed by the program's own uniforms). Every shader declares `const WG: u32 = …u;`,
 * its workgroup size, which the host reads from the source so the dispatch follows the WGSL.
 *
 * A program's uniforms are declared as one string (`"n : i32, eps : f32,"`) and passed as
 * values in the same order. tfjs caches pipelines by `shaderKey` plus the inputs' ranks and
 * dtypes, so a key names the shader file: different code never shares a key.
 */

export type Uniform = { name: string; type: 'i32' | 'f32'; value: number };

export interface BlockProgramSpec {
  /** The shader's file name in shaders/ (also its pipeline cache key). */
  key: string;
  source: string;
  variableNames: string[];
  outputShape: number[];
  /** Workgroups to dispatch (flat; tfjs folds more than the per-dimension limit into x·y). */
  groups: number;
  uniforms: Uniform[];
}

class BlockProgram implements WebGPUProgram {
  readonly dispatchLayout = { x: [0] };
  readonly workgroupSize: [number, number, number];
  readonly dispatch: [number, number, number];
  readonly variableNames: string[];
  readonly outputShape: number[];
  readonly uniforms: string;
  shaderKey: string;
  private readonly source: string;
  constructor(spec: BlockProgramSpec, workgroup: number) {
    this.shaderKey = spec.key;
    this.variableNames = spec.variableNames;
    this.outputShape = spec.outputShape;
    this.workgroupSize = [workgroup, 1, 1];
    this.dispatch = [Math.max(1, spec.groups), 1, 1];
    this.uniforms = spec.uniforms.map((u) => `${u.name} : ${u.type},`).join(' ');
    this.source = spec.source;
  }
  getUserCode(): string {
    return this.source;
  }
}

const workgroups = new Map<string, number>();

/** The `WG` constant of a shader (cached per source). */
export function workgroupOf(source: string): number {
  let wg = workgroups.get(source);
  if (wg === undefined) {
    wg = shaderConstant(source, 'WG');
    workgroups.set(source, wg);
  }
  return wg;
}

/** Runs one program (one dispatch) on the webgpu backend; the caller owns the result. */
export function runBlockProgram(backend: WebGPUBackend, spec: BlockProgramSpec, inputs: tf.TensorInfo[]): tf.TensorInfo {
  const program = new BlockProgram(spec, workgroupOf(spec.source));
  const uniformData = spec.uniforms.map((u) => ({ type: u.type === 'i32' ? 'int32' : 'float32', data: [u.value] }));
  return backend.runWebGPUProgram(program, inputs, 'float32', uniformData as never);
}

/** Frees an intermediate of a kernel function (tfjs defers it until queued GPU work is done). */
export function release(backend: WebGPUBackend, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

export const i32 = (name: string, value: number): Uniform => ({ name, type: 'i32', value });
export const f32 = (name: string, value: number): Uniform => ({ name, type: 'f32', value });

type KernelFunc = (inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>, backend: WebGPUBackend) => tf.TensorInfo | tf.TensorInfo[];

/** Registers one tfjs kernel on webgpu (once), so each seam call is one kernel in tf.profile. */
export function registerWebgpuKernel(kernelName: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(kernelName, 'webgpu')) return;
  tf.registerKernel({
    kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => kernelFunc(inputs as Record<string, tf.TensorInfo>, attrs as Record<string, unknown>, backend as WebGPUBackend),
  });
}

/** Runs a registered kernel from a seam function: tensors in, tensors out. */
export function runKernel(kernelName: string, inputs: Record<string, tf.Tensor | null>, attrs: Record<string, unknown> = {}): tf.Tensor[] {
  const present: tf.NamedTensorMap = {};
  for (const [name, tensor] of Object.entries(inputs)) if (tensor) present[name] = tensor;
  const out = tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, present, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

/** Number of elements of a shape. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
