import { tf } from '../tf';

/**
 * tfjs's wasm backend has no `UnsortedSegmentSum`, the gradient of `tf.gather`, so training an
 * embedding table (full fine-tuning ties it to the LM head) would throw there. This registers a
 * plain scatter-add on the host side for wasm only; every other backend keeps its own kernel.
 * The data already lives in wasm memory on the CPU, so reading it is a copy, not a GPU sync.
 */
interface WasmLikeBackend {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array | Int32Array): tf.TensorInfo;
}

let registered = false;

export function registerWasmUnsortedSegmentSum(): void {
  if (registered) return;
  const existing = tf.getKernel('UnsortedSegmentSum', 'wasm');
  registered = true;
  if (existing) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const wasm = backend as unknown as WasmLikeBackend;
      const xValues = wasm.readSync(x.dataId);
      const ids = wasm.readSync(segmentIds.dataId);
      // segmentIds indexes the leading dimensions of x; the rest is one "row".
      const rowSize = ids.length === 0 ? 0 : xValues.length / ids.length;
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = x.dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
      for (let i = 0; i < ids.length; i++) {
        const segment = ids[i];
        if (segment < 0 || segment >= numSegments) continue; // as TF: out-of-range ids are dropped
        const src = i * rowSize;
        const dst = segment * rowSize;
        for (let j = 0; j < rowSize; j++) out[dst + j] += xValues[src + j];
      }
      return wasm.makeOutput(outShape, x.dtype, undefined, out);
    },
  });
}
