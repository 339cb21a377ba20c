import { describe, expect, it } from 'vitest';
import { aptLab } from '../../src/lab/apt';
import { gpuTitle, startNodeWebgpu } from './node-webgpu';

/**
 * APT's fused prompt aggregation (shaders/apt-aggregate-*.wgsl) on WebGPU in Node: forward and
 * the four gradients against the plain-tfjs twin (differentiated by tfjs), directly and through
 * the op's tf.customGrad, with no tensors left behind.
 */
const gpu = await startNodeWebgpu();

describe.skipIf(gpu.skip !== null)(gpuTitle('APT WGSL kernels (Dawn)', gpu), () => {
  it('forward and backward equal the twin to 1e-5 relative', async () => {
    // Odd sizes that divide neither the workgroup (64), the key chunk (128), the row tile (8)
    // nor the prompt-row tile (8); tiny-gpt2's 8 × 129 rows; the largest the APT issue asked for.
    const cases = [
      { n: 1, p: 1, d: 1, seed: 1 },
      { n: 13, p: 5, d: 7, seed: 2 },
      { n: 37, p: 130, d: 65, seed: 3 },
      { n: 130, p: 9, d: 200, seed: 4 },
      { n: 8 * 129, p: 10, d: 128, seed: 6 },
      { n: 512, p: 256, d: 768, seed: 5 },
    ];
    const results = await aptLab.parity(cases);
    expect(results).toHaveLength(cases.length);
    for (const r of results) {
      expect(r.backend).toBe('webgpu');
      expect(r.fused).toBe(true);
      for (const key of ['forward', 'dx', 'dk', 'da', 'dv', 'customGrad'] as const) expect(r[key], `${key} ${JSON.stringify(r)}`).toBeLessThanOrEqual(1e-5);
      expect(r.leakedTensors).toBe(0);
    }
  });
});
