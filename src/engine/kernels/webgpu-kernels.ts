/**
 * The custom WGSL kernels, loaded only when the webgpu backend starts (backend.ts imports this
 * module dynamically): their shader sources come from shaders/*.wgsl through Vite's `?raw`
 * imports, which Node's CLI cannot load and never needs.
 */
import { registerAptAggregateWebgpu } from './apt-aggregate-webgpu';
import { registerNolaBasisWebgpu } from './nola-basis-webgpu';
import { registerBlocksWebgpu } from './blocks-webgpu';

export function registerWebgpuKernels(): void {
  registerAptAggregateWebgpu();
  registerNolaBasisWebgpu();
  registerBlocksWebgpu();
  // Each fused kernel registers itself here (NOLA basis, APT aggregation).
}
