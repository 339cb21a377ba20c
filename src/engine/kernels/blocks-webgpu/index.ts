import { registerBlockKernels, type BlockKernels } from '../../blocks/seam';
import { normWebgpu, registerNormWebgpu } from './norm';
import { activationWebgpu, registerActivationWebgpu } from './activation';
import { adamWebgpu, registerAdamWebgpu } from './adam';

/**
 * The lean blocks' WGSL kernels (shaders/blocks-*.wgsl) behind the seam: registers their tfjs
 * kernels on webgpu and makes them webgpu's block kernels; the seam's other kernels stay the
 * plain-tfjs twin's. Called from webgpu-kernels.ts when the webgpu backend starts.
 */
export function registerBlocksWebgpu(): void {
  registerNormWebgpu();
  registerActivationWebgpu();
  registerAdamWebgpu();
  registerBlockKernels('webgpu', webgpuBlockKernels);
}

export const webgpuBlockKernels: Partial<BlockKernels> = {
  ...normWebgpu,
  ...activationWebgpu,
  ...adamWebgpu,
};
