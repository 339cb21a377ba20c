import { expect, test } from '@playwright/test';
import { openLab, type Lab } from './lab';

/**
 * APT's fused WGSL aggregation (shaders/apt-aggregate-*.wgsl) against its plain-tfjs twin, in
 * the real browser on WebGPU: forward and all four gradients (dX, dK, da, dP'), both from the
 * kernels directly and through the op's tf.customGrad. Error = max |fused − twin| / max |twin|.
 * Two odd shapes prove the browser path (Vite's bundled shaders); the bulk of the checking — the
 * tile edges, tiny-gpt2's rows, n 512 × p 256 × d 768 — runs in vitest on Dawn in Node
 * (tests/webgpu/apt-kernels.test.ts).
 */
const TOLERANCE = 1e-5;

test('fused APT aggregation matches the twin, forward and backward', async ({ page }) => {
  test.setTimeout(180_000);
  expect(await openLab(page)).toBe('webgpu');
  const cases = [
    { n: 13, p: 5, d: 7, seed: 2 },
    { n: 37, p: 130, d: 65, seed: 3 },
  ];
  const results = await page.evaluate(async (c) => (window as unknown as { lab: Lab }).lab.apt.parity(c), cases);
  console.log(results.map((r) => `n=${r.n} p=${r.p} d=${r.d}: fwd ${r.forward.toExponential(1)} dX ${r.dx.toExponential(1)} dK ${r.dk.toExponential(1)} da ${r.da.toExponential(1)} dP' ${r.dv.toExponential(1)} customGrad ${r.customGrad.toExponential(1)}`).join('\n'));
  for (const r of results) {
    const where = `n=${r.n} p=${r.p} d=${r.d}`;
    expect(r.backend, where).toBe('webgpu');
    expect(r.fused, where).toBe(true);
    for (const key of ['forward', 'dx', 'dk', 'da', 'dv', 'customGrad'] as const) {
      expect(r[key], `${where} ${key}`).toBeLessThanOrEqual(TOLERANCE);
    }
    expect(r.leakedTensors, where).toBe(0);
  }
});
