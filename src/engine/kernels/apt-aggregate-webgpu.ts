import { tf } from '../tf';
import { shaderConstant, wgsl } from './wgsl-library';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { APT_KERNELS } from './apt-aggregate';

/**
 * tfjs WebGPU programs for APT's fused prompt aggregation. Each shader file holds only the
 * `main`: tfjs prepends its preamble (storage bindings named after `variableNames`, the uniform
 * block with each input's shape, workgroup ids). The tiling constants live in the shaders; the
 * host reads them from there so the dispatch always matches.
 */

// Read when the webgpu backend starts (webgpu-kernels.ts is imported only then).
const forwardSource = wgsl('apt-aggregate-forward');
const gradInputSource = wgsl('apt-aggregate-grad-input');
const gradPromptSource = wgsl('apt-aggregate-grad-prompt');

const WORKGROUP = shaderConstant(forwardSource, 'WG');
const FORWARD_ROWS = shaderConstant(forwardSource, 'ROWS');
const GRAD_INPUT_ROWS = shaderConstant(gradInputSource, 'ROWS');
const GRAD_PROMPT_KEYS = shaderConstant(gradPromptSource, 'KEYS_PER_GROUP');

class AptProgram implements WebGPUProgram {
  readonly dispatchLayout = { x: [0] };
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly dispatch: [number, number, number];
  constructor(
    readonly shaderKey: string,
    readonly variableNames: string[],
    readonly outputShape: number[],
    groups: number,
    private readonly source: string,
  ) {
    this.dispatch = [Math.max(1, groups), 1, 1];
  }
  getUserCode(): string {
    return this.source;
  }
}

type Inputs = Record<string, tf.TensorInfo>;

function run(backend: WebGPUBackend, program: AptProgram, inputs: tf.TensorInfo[]): tf.TensorInfo {
  return backend.runWebGPUProgram(program, inputs, 'float32');
}

/** Registers the three kernels for the webgpu backend (called once from webgpu-kernels.ts). */
export function registerAptAggregateWebgpu(): void {
  if (tf.getKernel(APT_KERNELS.forward, 'webgpu')) return;
  tf.registerKernel({
    kernelName: APT_KERNELS.forward,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, k, a, v } = inputs as Inputs;
      const [n, d] = x.shape;
      const program = new AptProgram('aptAggregateForward', ['X', 'K', 'A', 'V'], [n, d], Math.ceil(n / FORWARD_ROWS), forwardSource);
      return run(backend as WebGPUBackend, program, [x, k, a, v]);
    },
  });
  tf.registerKernel({
    kernelName: APT_KERNELS.gradInput,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, k, a, v, dy } = inputs as Inputs;
      const [n, d] = x.shape;
      const program = new AptProgram('aptAggregateGradInput', ['X', 'K', 'A', 'V', 'Dy'], [n, d], Math.ceil(n / GRAD_INPUT_ROWS), gradInputSource);
      return run(backend as WebGPUBackend, program, [x, k, a, v, dy]);
    },
  });
  tf.registerKernel({
    kernelName: APT_KERNELS.gradPrompt,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, k, a, v, dy } = inputs as Inputs;
      const d = x.shape[1];
      const p = k.shape[0];
      const program = new AptProgram('aptAggregateGradPrompt', ['X', 'K', 'A', 'V', 'Dy'], [p, 2 * d + 1], Math.ceil(p / GRAD_PROMPT_KEYS), gradPromptSource);
      return run(backend as WebGPUBackend, program, [x, k, a, v, dy]);
    },
  });
}
