import type { tf } from '../../tf';

/**
 * Direct access to tensor data on the two backends that keep it in host memory, so a host
 * kernel reads its inputs and writes its outputs in place instead of copying them.
 *
 * - wasm: a tensor is `memoryOffset` bytes into the module's heap. Outputs are allocated on the
 *   heap with `makeOutput(shape, dtype)` (uninitialised memory: every element must be written).
 *   An allocation may grow the heap, which detaches every view made before it, so a kernel
 *   allocates ALL its outputs first and only then asks for views.
 * - cpu: a tensor's values are a typed array in `backend.data`; outputs are plain typed arrays
 *   handed over with `makeTensorInfo` (no copy).
 *
 * The backend internals used here are checked against tfjs 4.22 (`backend_wasm.js`,
 * `backend_cpu.js`); they are not public API, hence the minimal local interfaces.
 *
 * Kernel bodies keep their element loops in separate functions over typed arrays only: V8 then
 * optimizes each loop once, whatever the plumbing around it does.
 */

export type HostBackendName = 'wasm' | 'cpu';
export const HOST_BACKENDS: readonly HostBackendName[] = ['wasm', 'cpu'];

interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface CpuBackendInternals {
  data: { get(dataId: unknown): { values?: unknown } | undefined };
  readSync(dataId: unknown): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** What a host kernel body sees: allocate outputs, then take views (inputs and outputs). */
export interface HostMemory {
  /** A new float32 output. Allocate every output before taking any view (wasm throws otherwise). */
  alloc(shape: number[]): tf.TensorInfo;
  /** The float32 data of a tensor (input or output), in place. */
  f32(info: tf.TensorInfo, what: string): Float32Array;
  /** The int32 data of a tensor, in place. */
  i32(info: tf.TensorInfo, what: string): Int32Array;
}

function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

function checkDtype(info: tf.TensorInfo, dtype: tf.DataType, kernel: string, what: string): void {
  if (info.dtype !== dtype) throw new Error(`${kernel}: ${what} must be ${dtype}, got ${info.dtype}`);
}

// Classes, not per-call closures: a kernel body calls these on every invocation, and a fresh
// closure each time is a new call target that deoptimizes the body ("wrong call target").
class WasmHostMemory implements HostMemory {
  /** The heap the first view was made on; a view after the heap grew would mean an earlier one is detached. */
  private heap: ArrayBufferLike | null = null;

  constructor(
    private readonly backend: WasmBackendInternals,
    private readonly kernel: string,
    inputs: tf.NamedTensorInfoMap,
  ) {
    // Looking a tensor up moves it here if it lives on another backend, which allocates: do all
    // such moves now, before any view exists.
    for (const info of Object.values(inputs)) if (info) backend.dataIdMap.get(info.dataId);
  }

  alloc(shape: number[]): tf.TensorInfo {
    if (this.heap) throw new Error(`${this.kernel}: outputs must be allocated before any view is taken`);
    return this.backend.makeOutput(shape, 'float32');
  }

  f32(info: tf.TensorInfo, what: string): Float32Array {
    const offset = this.offsetOf(info, 'float32', what);
    return new Float32Array(this.currentHeap(), offset, sizeOf(info.shape));
  }

  i32(info: tf.TensorInfo, what: string): Int32Array {
    const offset = this.offsetOf(info, 'int32', what);
    return new Int32Array(this.currentHeap(), offset, sizeOf(info.shape));
  }

  private currentHeap(): ArrayBufferLike {
    const heap = this.backend.wasm.HEAPU8.buffer;
    if (this.heap && this.heap !== heap) throw new Error(`${this.kernel}: the wasm heap grew while views were live`);
    this.heap = heap;
    return heap;
  }

  private offsetOf(info: tf.TensorInfo, dtype: tf.DataType, what: string): number {
    checkDtype(info, dtype, this.kernel, what);
    const data = this.backend.dataIdMap.get(info.dataId);
    if (!data) throw new Error(`${this.kernel}: ${what} is not on the wasm backend`);
    return data.memoryOffset;
  }
}

class CpuHostMemory implements HostMemory {
  constructor(
    private readonly backend: CpuBackendInternals,
    private readonly kernel: string,
  ) {}

  alloc(shape: number[]): tf.TensorInfo {
    return this.backend.makeTensorInfo(shape, 'float32', new Float32Array(sizeOf(shape)));
  }

  f32(info: tf.TensorInfo, what: string): Float32Array {
    checkDtype(info, 'float32', this.kernel, what);
    const values = this.valuesOf(info, what);
    return values instanceof Float32Array ? values : Float32Array.from(this.backend.readSync(info.dataId));
  }

  i32(info: tf.TensorInfo, what: string): Int32Array {
    checkDtype(info, 'int32', this.kernel, what);
    const values = this.valuesOf(info, what);
    return values instanceof Int32Array ? values : Int32Array.from(this.backend.readSync(info.dataId));
  }

  private valuesOf(info: tf.TensorInfo, what: string): unknown {
    const data = this.backend.data.get(info.dataId);
    if (!data) throw new Error(`${this.kernel}: ${what} is not on the cpu backend`);
    return data.values;
  }
}

export type HostKernelBody = (inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory) => tf.TensorInfo | tf.TensorInfo[];

/** One tfjs kernel config per host backend, all running the same body. */
export function hostKernelConfigs(kernelName: string, body: HostKernelBody): tf.KernelConfig[] {
  return HOST_BACKENDS.map((backendName) => ({
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const memory =
        backendName === 'wasm'
          ? new WasmHostMemory(backend as unknown as WasmBackendInternals, kernelName, inputs)
          : new CpuHostMemory(backend as unknown as CpuBackendInternals, kernelName);
      return body(inputs, attrs ?? {}, memory);
    },
  }));
}

/** A required input, with a clear error naming the kernel when it is missing. */
export function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const info = inputs[name];
  if (!info) throw new Error(`${kernel}: input "${name}" is missing`);
  return info;
}

export function numberAttr(attrs: tf.NamedAttrMap, name: string, kernel: string): number {
  const value = attrs[name];
  if (typeof value !== 'number') throw new Error(`${kernel}: attribute "${name}" must be a number`);
  return value;
}
