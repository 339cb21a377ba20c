import { expect, test } from '@playwright/test';
import { TINY_LM, linkHash, openApp, runToEnd, trainableByMethod } from './app';

/**
 * Deep prompt and APT side by side in the app on WebGPU: both train, their trainable counts are
 * the formulas', and after training the prompt attention map (APT's Fig. 3) shows one
 * layers × tokens heat map per run, with a table alternative.
 */
test('deep prompt vs APT: counts, and the prompt attention map after training', async ({ page }) => {
  const p = 8;
  await openApp(page, linkHash({ ...TINY_LM, steps: 2, 'eval.every': 2, methods: 'deep-prompt,apt', 'deep-prompt.length': p, 'apt.length': p }));
  await expect(page.getByTestId('backend')).toHaveText(/^.*webgpu/);
  await runToEnd(page);

  // tiny-gpt2: d = 128, 4 layers. Deep prompt L·p·d; APT L·(p·d + 2·d·r + 1) with r = 4.
  const [d, layers, r] = [128, 4, 4];
  expect(await trainableByMethod(page)).toEqual({
    'deep-prompt': { method: layers * p * d, head: 0 },
    apt: { method: layers * (p * d + 2 * d * r + 1), head: 0 },
  });

  const panel = page.getByTestId('prompt-attention-map');
  await expect(panel).toBeVisible({ timeout: 60_000 });
  const figures = panel.locator('figure');
  await expect(figures).toHaveCount(2);
  await expect(figures.nth(0)).toContainText('Deep prompt p=8');
  await expect(figures.nth(1)).toContainText('APT p=8');
  const cells = await figures.nth(0).locator('rect').count();
  expect(cells % layers).toBe(0);
  expect(cells).toBeGreaterThanOrEqual(layers * 2);
  await expect(figures.nth(1).locator('rect')).toHaveCount(cells);

  await panel.getByLabel('Show as tables').check();
  const tables = panel.getByTestId('prompt-map-table');
  await expect(tables).toHaveCount(2);
  const values = (await tables.locator('td').allTextContents()).map(Number);
  expect(values.length).toBe(2 * cells);
  for (const v of values) expect(v >= 0 && v <= 100).toBe(true);
  // Deep-prompt queries put softmax mass on the prompts.
  expect(values.slice(0, cells).some((v) => v > 0)).toBe(true);
});
