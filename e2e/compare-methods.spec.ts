import { statSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { TINY_LM, linkHash, lossSeries, openApp, runToEnd, trainableByMethod } from './app';
import { gpt2Params, loraParams, promptParams, tinyGpt2Config } from './param-formulas';

test('full fine-tuning vs prompt tuning vs LoRA train side by side on WebGPU', async ({ page }) => {
  await openApp(page, linkHash({ ...TINY_LM, methods: 'full,prompt,lora', 'prompt.length': 20, 'lora.r': 8, 'lora.targets': 'q,v' }));
  await expect(page.getByTestId('backend')).toHaveText(/^.*webgpu/);
  await runToEnd(page);

  // Three training curves (and three validation curves) are drawn in the loss chart.
  const curves = page.getByTestId('chart-loss').locator('path.recharts-line-curve');
  await expect(curves).toHaveCount(6);
  // Each is drawn through at least two points (a move, then a line or curve segment).
  for (const d of await curves.evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''))) expect(d).toMatch(/^M[^A-Z]+[LC]/);
  for (const chart of ['chart-speed', 'chart-memory']) {
    await expect(page.getByTestId(chart).locator('path.recharts-line-curve')).toHaveCount(3);
  }

  // Losses fall: each run's validation loss (same batches) after training is below its loss
  // before the first step; every logged step has a finite train loss.
  const series = await lossSeries(page);
  for (const title of ['Full fine-tuning', 'Prompt tuning', 'LoRA']) {
    const train = series[`${title} · train`];
    const validation = series[`${title} · validation`];
    expect(train.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    for (const p of train) expect(Number.isFinite(p.value)).toBe(true);
    expect(validation.map((p) => p.step)).toEqual([0, 4]);
    expect(validation[1].value, `${title}: validation loss after training`).toBeLessThan(validation[0].value);
  }

  // The table's trainable counts are the formulas' (language modelling: no extra head).
  const config = tinyGpt2Config();
  expect(await trainableByMethod(page)).toEqual({
    full: { method: gpt2Params(config), head: 0 },
    prompt: { method: promptParams(config, 20), head: 0 },
    lora: { method: loraParams(config, 8, 2), head: 0 },
  });
  const table = page.getByTestId('summary-table');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table).toContainText(gpt2Params(config).toLocaleString('en-US'));
  await expect(table).toContainText(loraParams(config, 8, 2).toLocaleString('en-US'));
  await expect(table.locator('td[data-col=wall]').first()).toHaveText(/\d+(\.\d)? s|min/);
  await expect(table.locator('td[data-col=peak-gpu]').first()).toHaveText(/\d+(\.\d)? (KiB|MiB|GiB)/);

  // Each run's own memory: base weights + trainable tensors + their two Adam moments, float32.
  const runBytes = async (method: string) => Number(await table.locator(`tr[data-method=${method}] td[data-col=run-memory]`).getAttribute('data-value'));
  const base = gpt2Params(config);
  expect(await runBytes('full')).toBe(4 * 3 * base);
  expect(await runBytes('prompt')).toBe(4 * (base + 3 * promptParams(config, 20)));
  expect(await runBytes('lora')).toBe(4 * (base + 3 * loraParams(config, 8, 2)));

  // The training step's peak by part: full fine-tuning has no frozen weights but gradients and
  // Adam state for every weight; LoRA and prompt tuning hold those for their few tensors only.
  const stepMemory = page.getByTestId('chart-step-memory-table');
  await expect(stepMemory.locator('tbody tr')).toHaveCount(3);
  const part = async (title: string, key: string) => Number(await stepMemory.locator('tbody tr', { hasText: title }).locator(`td[data-key=${key}]`).getAttribute('data-value'));
  expect(await part('Full fine-tuning', 'weights')).toBe(0);
  expect(await part('Full fine-tuning', 'gradients')).toBe(4 * base);
  expect(await part('Full fine-tuning', 'optimizer')).toBe(8 * base);
  expect(await part('LoRA', 'weights')).toBe(4 * base);
  expect(await part('LoRA', 'gradients')).toBe(4 * loraParams(config, 8, 2));
  expect(await part('Prompt tuning', 'optimizer')).toBe(8 * promptParams(config, 20));
  for (const title of ['Full fine-tuning', 'Prompt tuning', 'LoRA']) expect(await part(title, 'activations'), title).toBeGreaterThan(0);
  await expect(table.locator('tr[data-method=lora] td[data-col=step-peak]')).toHaveText(/\d+(\.\d)? (KiB|MiB|GiB)/);
});

/**
 * Fair, honest numbers in the summary: the default evaluation covers 64 validation examples
 * (batch 2 → 32 batches), each accuracy has its binomial standard error next to it, and
 * "Stored adapter" is the size of the file "Download adapter" saves (LoRA's c_attn at rank 2r,
 * NOLA's float32 coefficients), with NOLA's link encoding in a column of its own.
 */
test('summary: 64 validation examples with ± standard errors; stored adapter = the downloaded file', async ({ page }) => {
  const settings = { v: 1, model: 'tiny-gpt2', task: 'spam', methods: 'head,lora,nola', steps: 1, batch: 2, seq: 16, seed: 42, 'eval.every': 1, 'lora.r': 8, 'lora.targets': 'q,v', 'nola.quantBits': 'none' };
  await openApp(page, linkHash(settings));
  await runToEnd(page);
  const table = page.getByTestId('summary-table');
  await expect(table.locator('tbody tr')).toHaveCount(3);
  await expect(table.getByRole('columnheader', { name: '± std. error' })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Link encoding' })).toBeVisible();
  for (const method of ['head', 'lora', 'nola']) {
    const row = table.locator(`tr[data-method=${method}]`);
    await expect(row.locator('td[data-col=eval-count]')).toHaveText('64 examples');
    const accuracy = Number((await row.locator('td[data-col=metric]').textContent())!.replace('%', '')) / 100;
    const se = Number(await row.locator('td[data-col=metric-se]').getAttribute('data-value'));
    expect(Math.abs(se - Math.sqrt((accuracy * (1 - accuracy)) / 64)), method).toBeLessThan(2e-3);
    await expect(row.locator('td[data-col=metric-se]')).toHaveText(/^± \d+\.\d%$/);
  }

  const config = tinyGpt2Config();
  const sizes: Record<string, number> = {};
  for (const method of ['head', 'lora', 'nola']) {
    const stored = Number(await table.locator(`tr[data-method=${method}] td[data-col=stored]`).getAttribute('data-value'));
    const button = page.getByTestId('adapter-download').and(page.locator(`[data-method=${method}]`));
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    const file = await download.path();
    expect(statSync(file).size, `${method}: the downloaded file's bytes`).toBe(stored);
    sizes[method] = stored;
  }
  // LoRA r = 8 on q, v is saved as c_attn at rank 2r: A [2r, d] and B [3d, 2r] per layer, float32.
  const d = config.n_embd;
  expect(sizes.lora).toBeGreaterThan(4 * config.n_layer * (2 * 8 * d + 3 * d * 2 * 8));
  // NOLA (k = l = 100 on q, v, quantisation none): 4 layers × 2 targets × 200 float32 coefficients.
  expect(sizes.nola).toBeGreaterThan(4 * 1600);
  expect(sizes.nola).toBeLessThan(4 * 1600 + 8 * 1024);
  // A classification NOLA trains a head too, so it has no link encoding.
  await expect(table.locator('tr[data-method=nola] td[data-col=link]')).toHaveText('—');
});
