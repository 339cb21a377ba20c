import { expect, test } from '@playwright/test';
import { openLab, type Lab } from './lab';

/**
 * NOLA's WGSL kernels in a real browser (SwiftShader here), proving the browser path (Vite's
 * bundled shaders, the worker-free lab page): the PRNG bit for bit against the TypeScript
 * generator, and the fused forward/backward against the plain-tfjs twin on one small shape. The
 * bulk of the kernel checking — GPT-2 small's shapes, k = l = 1000, 1e-5 — runs in vitest on
 * Dawn in Node (tests/webgpu/nola-kernels.test.ts).
 */
// page.evaluate functions run in the page: each reaches window.lab itself.
type Win = { lab: Lab };

test.describe('NOLA WGSL kernels', () => {
  test('PRNG bits, and kernel vs twin on a shared-basis layout', async ({ page }) => {
    test.setTimeout(180_000);
    expect(await openLab(page)).toBe('webgpu');
    expect(await page.evaluate(() => (window as unknown as Win).lab.nola.kernelRegistered())).toBe(true);

    // Bits: first and last bases of two streams (one a shared-basis stream), elements past 2^16.
    for (const options of [
      { seed: 0, stream: 6, firstBasis: 0, rows: 3, size: 700 },
      { seed: 0xdeadbeef, stream: 0x80000005, firstBasis: 998, rows: 3, size: 70_000 },
    ]) {
      const bits = await page.evaluate((o) => (window as unknown as Win).lab.nola.prngBits(o), options);
      expect(bits.gpu.length).toBe(options.rows * options.size);
      expect(bits.mismatches, JSON.stringify(options)).toBe(0);
      expect(new Set(bits.gpu.slice(0, 1000)).size).toBeGreaterThan(990);
    }

    // Shared-basis layout: 10 coefficient rows (two groups of 8 rows in the kernels).
    const rows = await page.evaluate(() => (window as unknown as Win).lab.nola.parity({ m: 40, n: 24, r: 4, k: 300, l: 270, seed: 5, rows: 10 }));
    for (const s of rows.scale) expect(s).toBeGreaterThan(0.1);
    for (const e of [...rows.forward, ...rows.backward]) expect(e).toBeLessThanOrEqual(1e-5);
  });
});
