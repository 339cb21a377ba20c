import { tf } from './tf';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmUnsortedSegmentSum } from './kernels/unsorted-segment-sum-wasm';
// The twin registers itself with the seam; every backend falls back to it.
import './blocks/twin-kernels';
import { registerHostBlockKernels } from './blocks/host-kernels';
import { registerWasmBatchMatMul } from './kernels/host/batch-matmul-wasm';
import { registerChunkedWebgpuAddN } from './kernels/chunked-addn-webgpu';
import { provideWgslSources, type WgslSources } from './kernels/wgsl-library';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * Browser order: fastest first. Node's default is wasm (its fast CPU backend); WebGPU in Node
 * (Dawn's `webgpu` package) is chosen explicitly, see src/cli/node-webgpu.ts.
 */
export const BROWSER_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
export const NODE_BACKEND_ORDER: readonly BackendName[] = ['wasm', 'cpu'];

export interface BackendInfo {
  backend: BackendName;
  /** e.g. "google swiftshader" for WebGPU, the GL renderer for WebGL, "wasm simd threads=2". */
  adapter: string;
  /** Backends tried before this one and why each failed. */
  fallbacks: Array<{ backend: BackendName; reason: string }>;
  /** WebGPU's buffer limits (the largest tensor the device can hold); absent on other backends. */
  bufferLimits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

export interface InitBackendOptions {
  order?: readonly BackendName[];
  /**
   * Where the tfjs wasm binaries are served from: a folder URL or path ending in "/", or a map
   * from binary name (e.g. "tfjs-backend-wasm-simd.wasm") to its URL — bundlers give each
   * binary its own hashed URL.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * The custom kernels' WGSL (shaders/*.wgsl by name). Node reads them from disk and passes them
   * here; in the browser they default to the copy Vite bundles.
   */
  wgsl?: WgslSources;
}

export function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
}

async function registerWebgpu(): Promise<void> {
  // The import registers the backend and its flags; setting a flag before it throws.
  await import('@tensorflow/tfjs-backend-webgpu');
  // Forward on the CPU for small tensors would break custom WGSL kernels that need GPU buffers.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
}

async function adapterDescription(name: BackendName): Promise<string> {
  if (name === 'webgpu') {
    const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } };
    const info = backend.adapterInfo;
    const parts = [info?.vendor, info?.architecture, info?.description].filter((p): p is string => !!p);
    return parts.length > 0 ? parts.join(' ') : 'unknown WebGPU adapter';
  }
  if (name === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (gl) {
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      if (ext) return String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL));
      return String(gl.getParameter(gl.RENDERER));
    }
    return 'WebGL';
  }
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return `wasm${simd ? ' simd' : ''}${threads ? ' threads' : ''}`;
  }
  return 'plain JavaScript';
}

function webgpuBufferLimits(name: BackendName): Pick<BackendInfo, 'bufferLimits'> {
  const limits = name === 'webgpu' ? (tf.backend() as unknown as { device?: { limits?: GPUSupportedLimits } }).device?.limits : undefined;
  return limits ? { bufferLimits: { maxBufferSize: limits.maxBufferSize, maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize } } : {};
}

/**
 * Picks the first backend in `order` that initialises, and says which one and on what adapter.
 * Throws only if none works.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const order = options.order ?? (isNode() ? NODE_BACKEND_ORDER : BROWSER_BACKEND_ORDER);
  if (options.wasmPaths) setWasmPaths(options.wasmPaths as Parameters<typeof setWasmPaths>[0]);
  registerWasmUnsortedSegmentSum();
  registerHostBlockKernels();
  registerWasmBatchMatMul();
  const fallbacks: BackendInfo['fallbacks'] = [];
  for (const name of order) {
    try {
      if (name === 'webgpu') {
        if (typeof navigator === 'undefined' || !('gpu' in navigator)) throw new Error('navigator.gpu is missing (no WebGPU in this browser)');
        await registerWebgpu();
      }
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      if (name === 'webgpu') {
        provideWgslSources(options.wgsl ?? (isNode() ? {} : (await import('./kernels/wgsl-vite')).BUNDLED_WGSL));
        registerChunkedWebgpuAddN();
        (await import('./kernels/webgpu-kernels')).registerWebgpuKernels();
      }
      return { backend: name, adapter: await adapterDescription(name), fallbacks, ...webgpuBufferLimits(name) };
    } catch (error) {
      fallbacks.push({ backend: name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no tfjs backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}

/** Bytes tfjs holds on the current backend (GPU buffers on webgpu/webgl, heap on wasm/cpu). */
export function backendBytes(): number {
  return tf.memory().numBytes;
}
