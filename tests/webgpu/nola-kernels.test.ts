import { describe, expect, it } from 'vitest';
import { nolaLab } from '../../src/lab/nola';
import { gpuTitle, startNodeWebgpu } from './node-webgpu';

/**
 * NOLA's WGSL kernels (shaders/nola-*.wgsl) on WebGPU in Node: the PRNG bit for bit against the
 * TypeScript generator, and the fused combine (forward) and project (backward) against the
 * plain-tfjs twin that materialises the basis. Error is normwise relative (src/lab/nola.ts).
 */
const gpu = await startNodeWebgpu();

describe.skipIf(gpu.skip !== null)(gpuTitle('NOLA WGSL kernels (Dawn)', gpu), () => {
  it('registers on Node WebGPU as in the browser', () => {
    expect(gpu.info?.backend).toBe('webgpu');
    expect(nolaLab.kernelRegistered()).toBe(true);
  });

  it('PRNG bits equal the TypeScript generator, past 2^16 elements and on a shared-basis stream', async () => {
    for (const options of [
      { seed: 0, stream: 6, firstBasis: 0, rows: 3, size: 700 },
      { seed: 0xdeadbeef, stream: 0x80000005, firstBasis: 998, rows: 3, size: 70_000 },
    ]) {
      const bits = await nolaLab.prngBits(options);
      expect(bits.gpu.length).toBe(options.rows * options.size);
      expect(bits.mismatches, JSON.stringify(options)).toBe(0);
      expect(new Set(bits.gpu.slice(0, 1000)).size).toBeGreaterThan(990);
    }
  });

  for (const shape of [
    { m: 40, n: 24, r: 4, k: 300, l: 270, seed: 5, rows: 10 },
    { m: 128, n: 384, r: 8, k: 200, l: 200, seed: 42 },
    { m: 768, n: 768, r: 8, k: 1000, l: 1000, seed: 42 },
    { m: 768, n: 3072, r: 8, k: 1000, l: 1000, seed: 42 },
  ]) {
    it(`combine and project equal the twin to 1e-5 at ${shape.m}×${shape.n}, r ${shape.r}, k ${shape.k}, ${shape.rows ?? 1} row(s)`, async () => {
      const result = await nolaLab.parity(shape);
      expect(result.backend).toBe('webgpu');
      for (const s of result.scale) expect(s).toBeGreaterThan(0.1);
      for (const [i, e] of [...result.forward, ...result.backward].entries()) expect(e, `check ${i}: ${JSON.stringify(result)}`).toBeLessThanOrEqual(1e-5);
    });
  }
});
