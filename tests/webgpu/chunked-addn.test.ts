import { describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { gpuTitle, startNodeWebgpu } from './node-webgpu';

/**
 * tfjs's webgpu AddN compiles n inputs into one shader with n + 1 storage buffers; past the
 * adapter's per-stage limit (8 on SwiftShader) that pipeline is invalid. The engine's chunked
 * AddN (src/engine/kernels/chunked-addn-webgpu.ts) must give the plain sum for any n.
 */
const gpu = await startNodeWebgpu();

describe.skipIf(gpu.skip !== null)(gpuTitle('chunked AddN on WebGPU (Dawn)', gpu), () => {
  it('is the registered AddN, and sums 1…40 tensors exactly like a host loop', async () => {
    expect((tf.getKernel('AddN', 'webgpu') as unknown as { chunked?: boolean }).chunked).toBe(true);
    for (const n of [1, 2, 7, 8, 9, 17, 40]) {
      const values = Array.from({ length: n }, (_, i) => Float32Array.from({ length: 33 }, (_, j) => ((i * 31 + j * 7) % 13) - 6 + i / 8));
      const tensors = values.map((v) => tf.tensor1d(v));
      const before = tf.memory().numTensors;
      const sum = tf.addN(tensors);
      const got = (await sum.data()) as Float32Array;
      const want = new Float32Array(33);
      for (const v of values) for (let j = 0; j < 33; j++) want[j] += v[j];
      // Small integers and eighths: float32 sums are exact in any order.
      expect(Array.from(got), `n = ${n}`).toEqual(Array.from(want));
      sum.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(tensors);
    }
  });
});
