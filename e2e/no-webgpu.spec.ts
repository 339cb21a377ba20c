import { expect, test } from '@playwright/test';
import { linkHash, openApp, runToEnd } from './app';
import { tinyGpt2Config } from './param-formulas';

// Runs in the "no-webgpu" project: Chromium without --enable-unsafe-webgpu, where
// navigator.gpu offers no adapter, as on hardware or browsers without WebGPU.
test('without WebGPU the app says so, falls back, and still trains', async ({ page }) => {
  const adapter = await page.goto('./').then(() => page.evaluate(async () => (navigator.gpu ? await navigator.gpu.requestAdapter() : null)));
  expect(adapter, 'this browser must really lack a WebGPU adapter').toBeNull();

  await openApp(
    page,
    linkHash({ v: 1, task: 'spam', methods: 'prompt,lora', steps: 2, batch: 2, seq: 16, 'eval.every': 0, 'eval.batches': 1 }),
  );
  const banner = page.getByTestId('backend-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('WebGPU is not available');
  await expect(banner).toHaveAttribute('role', 'status');
  await expect(page.getByTestId('backend')).not.toHaveText(/webgpu/);
  const backend = (await page.getByTestId('backend').textContent()) ?? '';
  expect(['webgl', 'wasm', 'cpu'].some((name) => backend.includes(name))).toBe(true);

  await runToEnd(page);
  const rows = page.getByTestId('summary-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.locator('td[data-col=steps]')).toHaveText(['2', '2']);
  // Classification: the task head (2 labels × d) is listed for every method.
  const head = (2 * tinyGpt2Config().n_embd).toLocaleString('en-US');
  await expect(rows.locator('td[data-col=head]')).toHaveText([head, head]);
});
