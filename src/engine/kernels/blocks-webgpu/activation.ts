import { tf } from '../../tf';
import { wgsl } from '../wgsl-library';
import type { ActivationKind, BlockKernels } from '../../blocks/seam';
import { i32, registerWebgpuKernel, runBlockProgram, runKernel, sizeOf, workgroupOf } from './program';

/**
 * Activations on WebGPU (the seam's activationForward / activationBackward; twin:
 * twin-kernels.ts): one elementwise dispatch each, gelu_tanh, gelu_erf, relu, silu.
 */

const KERNEL = 'PeftWgslActivation';
const KINDS: Record<ActivationKind, number> = { gelu_tanh: 0, gelu_erf: 1, relu: 2, silu: 3 };

export function registerActivationWebgpu(): void {
  const source = wgsl('blocks-activation');
  const wg = workgroupOf(source);
  registerWebgpuKernel(KERNEL, (inputs, attrs, backend) => {
    const { x, dy } = inputs;
    const size = sizeOf(x.shape);
    return runBlockProgram(
      backend,
      {
        key: 'blocks-activation',
        source,
        variableNames: ['X', 'Dy'],
        outputShape: x.shape,
        groups: Math.ceil(size / wg),
        uniforms: [i32('size', size), i32('kind', KINDS[attrs.kind as ActivationKind]), i32('mode', dy ? 1 : 0)],
      },
      [x, dy ?? x],
    );
  });
}

export const activationWebgpu: Pick<BlockKernels, 'activationForward' | 'activationBackward'> = {
  activationForward(x, kind) {
    return runKernel(KERNEL, { x }, { kind })[0] as tf.Tensor2D;
  },
  activationBackward(dy, x, kind) {
    return runKernel(KERNEL, { x, dy }, { kind })[0] as tf.Tensor2D;
  },
};
