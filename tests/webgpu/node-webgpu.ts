import type { BackendInfo } from '../../src/engine/backend';
import { initNodeBackend } from '../../src/cli/node-env';

/**
 * Starts tfjs on WebGPU in Node (Dawn; here on Chromium's SwiftShader). A machine without a
 * Vulkan loader or driver has no adapter: the caller's tests then skip, and this says why.
 */
export async function startNodeWebgpu(): Promise<{ info: BackendInfo; skip: null } | { info: null; skip: string }> {
  try {
    return { info: await initNodeBackend('webgpu'), skip: null };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    process.stderr.write(`WebGPU tests skipped: ${why}\n`);
    return { info: null, skip: why };
  }
}

/** A describe title that carries the skip reason, so the report says why nothing ran. */
export function gpuTitle(title: string, gpu: { skip: string | null }): string {
  return gpu.skip ? `${title} (skipped: no WebGPU adapter in Node: ${gpu.skip})` : title;
}
