import { describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { blocksLab } from '../../src/lab/blocks';
import { gpuTitle, startNodeWebgpu } from './node-webgpu';

/**
 * The lean engine's fused blocks (src/engine/blocks/) on WebGPU in Node, against the plain tfjs
 * composition each replaced, differentiated by tfjs's own autodiff: value and every input's
 * gradient. (wasm and cpu, with float64 finite differences: tests/engine/fused-blocks.test.ts.)
 */
const gpu = await startNodeWebgpu();

describe.skipIf(gpu.skip !== null)(gpuTitle('fused blocks on WebGPU (Dawn)', gpu), () => {
  it('every block equals its composition to 1e-5 relative and leaves no tensors', async () => {
    const results = await blocksLab.parity();
    expect(results.length).toBeGreaterThanOrEqual(8);
    for (const r of results) {
      expect(r.backend).toBe('webgpu');
      expect(r.error, r.name).toBeLessThanOrEqual(1e-5);
      expect(r.leakedTensors, r.name).toBe(0);
    }
    expect(tf.getBackend()).toBe('webgpu');
  });
});
