import { tf } from '../tf';
import { shaderConstant, wgsl } from './wgsl-library';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NOLA_BITS_KERNEL, NOLA_COMBINE_KERNEL, NOLA_PROJECT_KERNEL, type NolaKernelAttrs } from './nola-basis';

/**
 * tfjs WebGPU programs for NOLA's basis combination (forward) and projection (backward), and the
 * PRNG bit check. Each shader file holds one kernel's `main` and its workgroup memory: tfjs
 * prepends its own preamble (bindings named after `variableNames`, `result`, the uniform block
 * with each input's shape followed by ours, the builtins), and we prepend shaders/nola-prng.wgsl,
 * the one WGSL copy of the generator shared by all three. Workgroup size and rows per workgroup
 * are read from the shader text, so the dispatch always matches the kernel.
 *
 * The dispatch is 2-D (x: elements or bases, y: groups of coefficient rows), so `dispatchLayout`
 * has a y part and tfjs calls `main()` without a global index.
 */

// Read when the webgpu backend starts (webgpu-kernels.ts is imported only then).
const prngSource = wgsl('nola-prng');
const combineSource = wgsl('nola-combine');
const projectSource = wgsl('nola-project');
const bitsSource = wgsl('nola-bits');

const WG = shaderConstant(combineSource, 'WG');
const ROWS = shaderConstant(combineSource, 'ROWS');
const PROJECT_WG = shaderConstant(projectSource, 'WG');
const PROJECT_ROWS = shaderConstant(projectSource, 'ROWS');
const BITS_WG = shaderConstant(bitsSource, 'WG');

const COMBINE_UNIFORMS = 'nolaKey : u32, nolaCount : i32, nolaSize : i32, nolaRows : i32, nolaScale : f32, nolaInit : f32,';

class NolaProgram implements WebGPUProgram {
  readonly dispatchLayout = { x: [1], y: [0] };
  readonly workgroupSize: [number, number, number];
  readonly dispatch: [number, number, number];
  constructor(
    readonly shaderKey: string,
    readonly variableNames: string[],
    readonly outputShape: number[],
    dispatch: [number, number],
    workgroup: number,
    readonly uniforms: string,
    private readonly source: string,
  ) {
    this.workgroupSize = [workgroup, 1, 1];
    this.dispatch = [Math.max(1, dispatch[0]), Math.max(1, dispatch[1]), 1];
  }
  getUserCode(): string {
    return `${prngSource}\n${this.source}`;
  }
}

type Uniform = { type: 'int32' | 'uint32' | 'float32'; data: number[] };

function combineUniforms(attrs: NolaKernelAttrs, rows: number): Uniform[] {
  return [
    { type: 'uint32', data: [attrs.streamKey] },
    { type: 'int32', data: [attrs.count] },
    { type: 'int32', data: [attrs.size] },
    { type: 'int32', data: [rows] },
    { type: 'float32', data: [attrs.scale] },
    { type: 'float32', data: [attrs.initScale] },
  ];
}

/** Registers NolaCombine, NolaProject and NolaBits for webgpu (once, from webgpu-kernels.ts). */
export function registerNolaBasisWebgpu(): void {
  if (tf.getKernel(NOLA_COMBINE_KERNEL, 'webgpu')) return;
  tf.registerKernel({
    kernelName: NOLA_COMBINE_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { coef } = inputs as { coef: tf.TensorInfo };
      const a = attrs as unknown as NolaKernelAttrs;
      const rows = coef.shape[0];
      const program = new NolaProgram('nolaCombine', ['coef'], [rows, a.size], [Math.ceil(a.size / WG), Math.ceil(rows / ROWS)], WG, COMBINE_UNIFORMS, combineSource);
      return (backend as WebGPUBackend).runWebGPUProgram(program, [coef], 'float32', combineUniforms(a, rows));
    },
  });
  tf.registerKernel({
    kernelName: NOLA_PROJECT_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dOut } = inputs as { dOut: tf.TensorInfo };
      const a = attrs as unknown as NolaKernelAttrs;
      const rows = dOut.shape[0];
      const program = new NolaProgram('nolaProject', ['dOut'], [rows, a.count], [a.count, Math.ceil(rows / PROJECT_ROWS)], PROJECT_WG, COMBINE_UNIFORMS, projectSource);
      return (backend as WebGPUBackend).runWebGPUProgram(program, [dOut], 'float32', combineUniforms(a, rows));
    },
  });
  tf.registerKernel({
    kernelName: NOLA_BITS_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ backend, attrs }) => {
      const a = attrs as unknown as { streamKey: number; firstBasis: number; rows: number; size: number };
      const program = new NolaProgram('nolaBits', [], [a.rows, a.size], [Math.ceil(a.size / BITS_WG), a.rows], BITS_WG, 'nolaKey : u32, nolaFirst : u32, nolaSize : i32, nolaRows : i32,', bitsSource);
      return (backend as WebGPUBackend).runWebGPUProgram(program, [], 'int32', [
        { type: 'uint32', data: [a.streamKey] },
        { type: 'uint32', data: [a.firstBasis] },
        { type: 'int32', data: [a.size] },
        { type: 'int32', data: [a.rows] },
      ]);
    },
  });
}
