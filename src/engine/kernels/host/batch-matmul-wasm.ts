import { tf } from '../../tf';
import { registerBlockKernels } from '../../blocks/seam';

/**
 * `PeftBatchMatMul` (wasm): a batched product a [..., M, K] · b [..., K, N] → [..., M, N], no
 * transposes, as ONE tfjs kernel that runs the wasm module's own fast 2-D product on each slice.
 *
 * Why: tfjs's wasm BatchMatMul is fast (XNNPACK) only for an untransposed product with a batch
 * of one; anything else takes a naive loop. Measured here (one thread): attention's
 * [32, 128, 32]·[32, 32, 128] takes 26.7 ms batched, 5.1 ms as 32 separate 2-D products, and a
 * single [128, 128]·[128, 32] 0.05 ms: the batched path is what made attention the most
 * expensive part of a tiny-gpt2 step.
 *
 * How: every slice is handed to the module's `BatchMatMul` as a batch-1 tensor by registering a
 * temporary tensor id for it that points into the parent's heap memory (`registerTensor(id,
 * size, offset)`), and unregistering it after (`tfjs.disposeData(id)` forgets the id and any
 * operator cached for it; the memory stays owned by the parent, which `_free` alone releases).
 * These are tfjs-backend-wasm 4.22 internals, checked against its `backend_wasm.js` and
 * `kernels/BatchMatMul.js`; the parity test against tf.matMul guards them.
 *
 * Inputs: a [..., M, K], b [..., K, N] float32 with equal batch dims, or b of batch size 1
 * (shared by every slice). Output [..., M, N].
 */

interface WasmInternals {
  dataIdMap: { get(dataId: unknown): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
  };
}

export const BATCH_MATMUL_KERNEL = 'PeftBatchMatMul';

let wasmBatchMatMul: ((...args: unknown[]) => void) | null = null;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

function batchMatMulKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const wasm = backend as WasmInternals;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${BATCH_MATMUL_KERNEL}: a and b must be float32`);
  const [m, k] = a.shape.slice(-2);
  const [kb, n] = b.shape.slice(-2);
  const batch = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (k !== kb || (batchB !== batch && batchB !== 1)) {
    throw new Error(`${BATCH_MATMUL_KERNEL}: cannot multiply [${a.shape}] by [${b.shape}]`);
  }
  wasmBatchMatMul ??= wasm.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
  const out = wasm.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
  const aData = wasm.dataIdMap.get(a.dataId)!;
  const bData = wasm.dataIdMap.get(b.dataId)!;
  const outData = wasm.dataIdMap.get(out.dataId)!;
  const aShape = shapeBytes([1, m, k]);
  const bShape = shapeBytes([1, k, n]);
  const register = (memoryOffset: number, size: number) => {
    const id = wasm.dataIdNextNumber++;
    wasm.wasm.tfjs.registerTensor(id, size, memoryOffset);
    return id;
  };
  const forget = (id: number) => wasm.wasm.tfjs.disposeData(id);
  const sharedB = batchB === 1 ? register(bData.memoryOffset, k * n) : null;
  try {
    for (let i = 0; i < batch; i++) {
      const aId = register(aData.memoryOffset + 4 * i * m * k, m * k);
      const bId = sharedB ?? register(bData.memoryOffset + 4 * i * k * n, k * n);
      const outId = register(outData.memoryOffset + 4 * i * m * n, m * n);
      try {
        wasmBatchMatMul(aId, aShape, 3, bId, bShape, 3, false, false, outId);
      } finally {
        forget(aId);
        forget(outId);
        if (sharedB === null) forget(bId);
      }
    }
  } finally {
    if (sharedB !== null) forget(sharedB);
  }
  return out;
}

let registered = false;

/** Registers the kernel and the seam's `batchMatMul` for wasm (transposes made explicit first). */
export function registerWasmBatchMatMul(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: BATCH_MATMUL_KERNEL, backendName: 'wasm', kernelFunc: batchMatMulKernel as unknown as tf.KernelFunc });
  const swapLast = [0, 1, 3, 2];
  registerBlockKernels('wasm', {
    batchMatMul: (a, b, transposeA, transposeB) =>
      tf.tidy(() => {
        const left = transposeA ? tf.transpose(a, swapLast) : a;
        const right = transposeB ? tf.transpose(b, swapLast) : b;
        return tf.engine().runKernel(BATCH_MATMUL_KERNEL, { a: left, b: right }) as tf.Tensor4D;
      }),
  });
}
