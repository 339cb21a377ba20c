import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * WebGPU in Node through Dawn's Node bindings (the npm package `webgpu`, a prebuilt dawn.node).
 * Dawn runs on Vulkan here: it needs a Vulkan loader (libvulkan.so.1) and a driver (an ICD
 * manifest). The system's drivers are tried first — on a machine with a GPU that is the GPU.
 * When they give no adapter and the user named none, Chromium's SwiftShader (Vulkan on the CPU,
 * installed with Debian's chromium for the e2e tests) is tried, so tests and `--quick` benchmarks
 * run on any machine here; it is slow and says so in the adapter name.
 */

/** Chromium's own SwiftShader ICD (Debian's chromium package). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const LOADER_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

export interface NodeGpu {
  gpu: GPU;
  /** Where the driver came from: the system's, one named in the environment, or SwiftShader. */
  driver: 'system' | 'VK_DRIVER_FILES' | 'VK_ICD_FILENAMES' | 'swiftshader';
}

type Dawn = { create: (options: string[]) => GPU; globals: Record<string, unknown> };

async function loadDawn(): Promise<Dawn> {
  try {
    return (await import('webgpu')) as unknown as Dawn;
  } catch (error) {
    throw new Error(`WebGPU in Node needs the npm package "webgpu" (Dawn's dawn.node for ${process.platform}-${process.arch}), which failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

/** The folder of this platform's dawn.node (Dawn also looks for a Vulkan loader beside it). */
function dawnNodeDir(): string | undefined {
  try {
    const root = path.dirname(createRequire(import.meta.url).resolve('webgpu/package.json'));
    return path.join(root, 'dist', `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`);
  } catch {
    return undefined;
  }
}

/** Whether a Vulkan loader is where the dynamic linker (or Dawn, beside dawn.node) looks. */
function vulkanLoaderFound(): boolean {
  const dawnDir = dawnNodeDir();
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LOADER_DIRS, ...(dawnDir ? [dawnDir] : [])];
  return dirs.some((dir) => existsSync(path.join(dir, 'libvulkan.so.1')));
}

async function firstAdapter(dawn: Dawn): Promise<{ gpu: GPU; adapter: GPUAdapter } | null> {
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { gpu, adapter } : null;
}

/**
 * Finds a WebGPU adapter and installs `navigator.gpu` for tfjs's webgpu backend. Throws one
 * line saying what is missing and what to try.
 */
export async function installNodeWebgpu(): Promise<NodeGpu> {
  const dawn = await loadDawn();
  Object.assign(globalThis, dawn.globals);
  // SwiftShader probes for a Wayland display and complains on stderr without a runtime dir.
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'peft-webgpu-'));
  const named = process.env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : process.env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : null;
  let found = await firstAdapter(dawn);
  let driver: NodeGpu['driver'] = named ?? 'system';
  if (!found && !named && existsSync(SWIFTSHADER_ICD)) {
    // Dawn reads the variable each time it makes an instance, so a second try sees it.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    found = await firstAdapter(dawn);
    driver = 'swiftshader';
    if (!found) delete process.env.VK_ICD_FILENAMES;
  }
  if (!found) {
    const why = !vulkanLoaderFound()
      ? 'no Vulkan loader (libvulkan.so.1) was found; install it (Debian/Ubuntu: apt-get install libvulkan1) or put it on LD_LIBRARY_PATH'
      : named
        ? `the Vulkan driver named by ${named}=${process.env[named]} gave no adapter`
        : `no Vulkan driver gave an adapter (install your GPU's Vulkan driver, or name its ICD manifest with VK_DRIVER_FILES=/path/icd.json${existsSync(SWIFTSHADER_ICD) ? '' : `; for a software GPU install Debian's chromium, whose SwiftShader lives at ${SWIFTSHADER_ICD}`})`;
    throw new Error(`no WebGPU adapter in Node: ${why}; or run on the CPU with --backend wasm`);
  }
  // Node 20 has no navigator; later versions have one without gpu. tfjs asks navigator.gpu.
  const existing = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(existing), { gpu: found.gpu }), configurable: true, writable: true });
  return { gpu: found.gpu, driver };
}
