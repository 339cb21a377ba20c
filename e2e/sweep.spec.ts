import { expect, test } from '@playwright/test';
import { linkHash, openApp, shrinkTraining, choosePreset } from './app';
import { tinyGpt2Config } from './param-formulas';

test('a sweep preset trains its runs one after another and charts each with a link to replay it', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-gpt2', task: 'lm-spam', methods: 'lora' }));
  await choosePreset(page, 'dept-learning-rates');
  // The preset loads its settings (spam, 24 tokens so that PT's 100-token budget fits): shown
  // in the fields, which stay editable. Shrink the runs to what SwiftShader does quickly.
  await expect(page.getByLabel('Sequence length (tokens)')).toHaveValue('24');
  await expect(page.getByLabel('Task and dataset')).toHaveValue('spam');
  await shrinkTraining(page);

  // Before training, the plan lists each run with its size: DePT m = 60 matched to PT l = 100.
  const { n_embd: d } = tinyGpt2Config();
  const s = 24;
  const r = Math.round(((100 - 60) * d) / (s + d));
  const expected = (60 * d + (s + d) * r).toLocaleString('en-US');
  const plan = page.getByTestId('sweep-plan');
  await expect(plan.locator('tbody tr')).toHaveCount(3);
  for (const row of await plan.locator('tbody tr').all()) {
    await expect(row.locator('td').nth(0)).toHaveText(expected);
    await expect(row.locator('td').nth(2)).toHaveText(String(60 + s));
  }

  await page.getByRole('button', { name: 'Run sweep (3 runs)' }).click();
  const results = page.getByTestId('sweep-results');
  await expect(results).toHaveAttribute('data-status', /^(done|failed|stopped)$/, { timeout: 7 * 60_000 });
  await expect(results).toHaveAttribute('data-status', 'done');

  const rows = page.getByTestId('sweep-table').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  const links: string[] = [];
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute('data-status', 'done');
    await expect(row.getByTestId('sweep-trainable')).toHaveText(expected);
    const accuracy = Number(await row.getByTestId('sweep-metric').getAttribute('data-value'));
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    links.push((await row.getByRole('link').getAttribute('href')) ?? '');
  }
  // One bar per run.
  await expect(page.getByTestId('sweep-chart-bars').locator('.recharts-bar-rectangle')).toHaveCount(3);

  // Each link replays its own run: DePT alone, with the rates that run used.
  const rates = links.map((href) => {
    const params = new URLSearchParams(href.slice(1));
    expect(params.get('methods')).toBe('dept');
    expect(params.get('steps')).toBe('1');
    return [params.get('lr.prompt'), params.get('lr.lowrank')];
  });
  const [[prompt, lowrank]] = rates;
  expect(prompt).not.toBe(lowrank);
  expect(rates).toEqual([
    [prompt, lowrank],
    [prompt, prompt],
    [lowrank, lowrank],
  ]);
});
