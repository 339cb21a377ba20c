import { tf } from '../tf';

type KernelConfig = ReturnType<typeof tf.getKernel>;
type TensorInfo = { dataId: object; shape: number[]; dtype: string };
interface WebgpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

/**
 * tfjs-backend-webgpu 4.22 compiles `tf.addN` of n tensors into one shader with n + 1 storage
 * buffers and does not split it (unlike concat), so on an adapter with the WebGPU default of 8
 * storage buffers per stage (SwiftShader, many integrated GPUs) an addN of more than 7 tensors
 * is an invalid pipeline: its output is garbage and training goes NaN. The optimizer sums one
 * squared norm per trainable tensor with addN (17 tensors for LoRA on 4 layers). This wraps
 * the kernel to add in chunks that fit the device's limit. initBackend calls it once the webgpu
 * backend is set.
 */
export function registerChunkedWebgpuAddN(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const original = tf.getKernel('AddN', 'webgpu') as KernelConfig | undefined;
  if (!original || (original as { chunked?: boolean }).chunked) return;
  const backend = tf.backend() as unknown as WebgpuBackendLike;
  // One buffer of the stage is the output.
  const maxInputs = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
  const addOnce = (inputs: TensorInfo[], args: Record<string, unknown>): TensorInfo =>
    original.kernelFunc({ ...args, inputs: inputs as never } as never) as unknown as TensorInfo;

  const chunked = {
    ...original,
    chunked: true,
    kernelFunc: (args: Record<string, unknown>) => {
      let tensors = args.inputs as unknown as TensorInfo[];
      const intermediates: TensorInfo[] = [];
      while (tensors.length > maxInputs) {
        const next: TensorInfo[] = [];
        for (let i = 0; i < tensors.length; i += maxInputs) {
          const chunk = tensors.slice(i, i + maxInputs);
          if (chunk.length === 1) {
            next.push(chunk[0]);
            continue;
          }
          const partial = addOnce(chunk, args);
          intermediates.push(partial);
          next.push(partial);
        }
        tensors = next;
      }
      const result = addOnce(tensors, args);
      // The backend defers freeing buffers that queued GPU work still reads.
      for (const t of intermediates) backend.disposeData(t.dataId);
      return result;
    },
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel(chunked as unknown as Parameters<typeof tf.registerKernel>[0]);
}
