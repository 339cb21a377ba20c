import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { linkHash, openApp, shrinkTraining, choosePreset } from './app';
import { tinyGpt2Config } from './param-formulas';

/** Issue #9's teaching views: the parameters-vs-accuracy sweep, where the parameters live, the guided tour. */

const CONFIGURATIONS = [
  'PT l=60',
  'PT l=100',
  'DePT m=30 (PT 60)',
  'DePT m=50 (PT 100)',
  'LoRA r=1',
  'LoRA r=8',
  'NOLA k=l=32',
  'NOLA k=l=100',
  'APT p=4',
  'APT p=16',
];

test('the params-vs-accuracy sweep charts one point per configuration, each a link to its run', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  await openApp(page, linkHash({ v: 1, model: 'tiny-gpt2', task: 'lm-spam', methods: 'lora' }));
  await choosePreset(page, 'params-vs-accuracy');
  await expect(page.getByLabel('Sequence length (tokens)')).toHaveValue('24');
  await expect(page.getByLabel('Task and dataset')).toHaveValue('spam');
  // Shrunk to what SwiftShader does quickly: one step, two examples, one validation batch.
  await shrinkTraining(page);

  await expect(page.getByTestId('sweep-plan').locator('tbody tr')).toHaveCount(CONFIGURATIONS.length);
  await page.getByRole('button', { name: `Run sweep (${CONFIGURATIONS.length} runs)` }).click();
  const results = page.getByTestId('sweep-results');
  await expect(results).toHaveAttribute('data-status', /^(done|failed|stopped)$/, { timeout: 14 * 60_000 });
  await expect(results).toHaveAttribute('data-status', 'done');

  // The chart holds one point per configuration (every run has a metric and > 0 parameters).
  const chart = page.getByTestId('sweep-chart-params');
  await expect(chart).toBeVisible();
  const points = ((await chart.getAttribute('data-points')) ?? '').split('|');
  expect([...points].sort()).toEqual([...CONFIGURATIONS].sort());
  // The front is a non-empty subset of the points.
  const front = ((await chart.getAttribute('data-front')) ?? '').split('|').filter(Boolean);
  expect(front.length).toBeGreaterThan(0);
  for (const label of front) expect(CONFIGURATIONS).toContain(label);

  // The table alternative: one row per configuration, each with an accuracy and a replay link.
  const rows = page.getByTestId('sweep-table').locator('tbody tr');
  await expect(rows).toHaveCount(CONFIGURATIONS.length);
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute('data-status', 'done');
    const accuracy = Number(await row.getByTestId('sweep-metric').getAttribute('data-value'));
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    const href = (await row.getByRole('link').getAttribute('href')) ?? '';
    const params = new URLSearchParams(href.slice(1));
    expect(params.get('methods')?.split(',')).toHaveLength(1);
    expect(params.get('task')).toBe('spam');
  }

  // Export: this machine's runs with the sweep's points, then imported back as another machine's.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export runs (JSON)' }).click()]);
  const file = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  expect(file.format).toBe('peft-playground/runs');
  expect(file.environment.backend).toBe('webgpu');
  expect(file.environment.adapter.length).toBeGreaterThan(0);
  expect(file.runs.length).toBeGreaterThanOrEqual(1);
  expect(file.sweep.presetId).toBe('params-vs-accuracy');
  expect(file.sweep.variants.map((v: { label: string }) => v.label)).toEqual(CONFIGURATIONS);
  for (const v of file.sweep.variants) expect(v.point.trainableParams).toBeGreaterThan(0);
  await page.getByTestId('run-import-input').setInputFiles((await download.path())!);
  await expect(page.getByTestId('run-import-ok')).toBeVisible();
  await expect(page.getByTestId('summary-table').locator('tbody tr[data-imported=true]')).toHaveCount(file.runs.length);
});

test('where the parameters live: a block diagram with a table per ticked method, from the formulas', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-gpt2', task: 'spam', methods: 'lora,deep-prompt', 'lora.r': 4, 'lora.targets': 'q,v', 'deep-prompt.length': 16 }));
  const { n_embd: d, n_layer: layers } = tinyGpt2Config();
  const lora = page.locator('.method[data-method=lora]');
  await lora.getByText('Where do the parameters live?').click();
  const table = lora.getByTestId('param-placement-table-lora');
  // LoRA r=4 on q and v: 2·4·(d + d) in each layer's attention, nothing in the MLPs or the input.
  for (let i = 0; i < layers; i++) {
    await expect(table.locator(`tr[data-part=layer-${i}-attention] td`).first()).toHaveAttribute('data-value', String(2 * 4 * (d + d)));
    await expect(table.locator(`tr[data-part=layer-${i}-mlp] td`).first()).toHaveAttribute('data-value', '0');
  }
  await expect(table.locator('tr[data-part=embeddings] td').first()).toHaveAttribute('data-value', '0');
  await expect(table.locator('tr[data-part=head] td').first()).toHaveAttribute('data-value', String(2 * d));
  await expect(lora.locator('[data-testid=param-placement-lora] [data-part=layer-0-attention]').first()).toBeVisible();

  const deep = page.locator('.method[data-method=deep-prompt]');
  await deep.getByText('Where do the parameters live?').click();
  await expect(deep.getByTestId('param-placement-table-deep-prompt').locator('tr[data-part=layer-0-attention] td').first()).toHaveAttribute('data-value', String(16 * d));
  // Options change the diagram: LoRA r=1 quarters each block.
  await lora.getByLabel('Rank r', { exact: true }).fill('1');
  await lora.getByLabel('Rank r', { exact: true }).press('Tab');
  await expect(table.locator('tr[data-part=layer-0-attention] td').first()).toHaveAttribute('data-value', String(2 * 1 * (d + d)));
});

test('the guided tour: each step opens its experiment', async ({ page }) => {
  await openApp(page);
  const tour = page.getByTestId('guided-tour');
  await expect(tour.locator('li')).toHaveCount(4);
  await tour.getByRole('link', { name: /Prompt tuning vs DePT/ }).click();
  await expect(page.getByLabel('Sequence length (tokens)')).toHaveValue('24');
  await expect(page.locator('.method[data-method=dept] input[type=checkbox]').first()).toBeChecked();
  await expect(page.locator('.method[data-method=prompt] input[type=checkbox]').first()).toBeChecked();
  await expect(page.locator('.method[data-method=lora] input[type=checkbox]').first()).not.toBeChecked();
  await tour.getByRole('link', { name: /Parameters vs accuracy/ }).click();
  await expect(page.getByLabel('Sweep preset')).toHaveValue('params-vs-accuracy');
  await expect(page.getByTestId('sweep-plan').locator('tbody tr')).toHaveCount(10);
});
