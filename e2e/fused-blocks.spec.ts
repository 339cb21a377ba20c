import { expect, test } from '@playwright/test';
import { openLab, type Lab } from './lab';

/**
 * The fused blocks (LayerNorm/RMSNorm, activations, attention with its masks and a trainable
 * bias, the chunked cross-entropy, linear, LoRA's low-rank update) against the plain tfjs
 * compositions they replaced, value and every gradient, in the real browser on WebGPU. The
 * same blocks are checked on wasm and cpu, and against float64 finite differences, in
 * tests/engine/fused-blocks.test.ts.
 */
const TOLERANCE = 1e-4;

test('fused blocks equal the plain composition on WebGPU, forward and backward', async ({ page }) => {
  test.setTimeout(180_000);
  expect(await openLab(page)).toBe('webgpu');
  const results = await page.evaluate(async () => (window as unknown as { lab: Lab }).lab.blocks.parity());
  console.log(results.map((r) => `${r.name}: ${r.error.toExponential(1)}, leaked ${r.leakedTensors}`).join("\n"));
  expect(results.length).toBeGreaterThanOrEqual(12);
  for (const r of results) {
    expect(r.backend, r.name).toBe('webgpu');
    expect(r.error, r.name).toBeLessThanOrEqual(TOLERANCE);
    expect(r.leakedTensors, r.name).toBe(0);
  }
});
