import { expect, test, type Page } from '@playwright/test';
import { linkHash, openApp, runToEnd, shrinkTraining, TINY_LM, choosePreset } from './app';

/**
 * A walk through every panel with the console watched: a tiny experiment to the end, a tiny
 * sweep charted on the log-scale parameters axis (NOLA vs LoRA: 1,600, 2,048 and 8,192
 * parameters), a tiny task stream, each collapsed section opened. No console error (React's
 * duplicate-key warnings are console errors) and no uncaught page error may be seen.
 */

/** Opens every collapsed section (data tables, details) on the page. */
async function openAllDetails(page: Page): Promise<void> {
  for (const summary of await page.locator('details:not([open]) > summary').all()) {
    if (await summary.isVisible()) await summary.click();
  }
}

/** Records the page's console errors and uncaught errors into `errors`. */
function watch(page: Page, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
}

test('every panel, a run, a sweep and a stream: no console error, no page error', async ({ page, context }) => {
  test.setTimeout(12 * 60_000);
  const errors: string[] = [];
  watch(page, errors);

  // A tiny experiment to the end: the step charts, summary, examples, export and adapter panels.
  await openApp(page, linkHash({ ...TINY_LM, steps: 1, batch: 2, 'eval.every': 0, 'eval.batches': 1 }));
  await runToEnd(page);
  await expect(page.getByTestId('summary-table')).toBeVisible();
  await openAllDetails(page);

  // A tiny sweep on the log-scale parameters chart.
  await choosePreset(page, 'nola-vs-lora');
  await expect(page.getByLabel('Task and dataset')).toHaveValue('lm-spam');
  await shrinkTraining(page);
  await page.getByRole('button', { name: 'Run sweep (3 runs)' }).click();
  const results = page.getByTestId('sweep-results');
  await expect(results).toHaveAttribute('data-status', /^(done|failed|stopped)$/, { timeout: 6 * 60_000 });
  await expect(results).toHaveAttribute('data-status', 'done');
  const params = page.getByTestId('sweep-chart-params');
  await expect(params).toHaveAttribute('data-points', /^[^|]+\|[^|]+\|[^|]+$/);
  // Log-scale ticks: each label once.
  // (React's duplicate-key warning is development-only: on this production build the repeated
  // ticks show as repeated labels, not as console errors.)
  const tickLabels = params.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
  await expect(tickLabels.first()).toBeVisible();
  const ticks = await tickLabels.allTextContents();
    expect.soft(new Set(ticks).size, `ticks ${ticks.join(' ')}`).toBe(ticks.length);
  await openAllDetails(page);
  expect.soft(errors, 'after the run and the sweep').toEqual([]);
  await page.close();

  // A tiny task stream: one strategy, one batch per task, four test images per task.
  const stream = await context.newPage();
  watch(stream, errors);
  await openApp(
    stream,
    linkHash({ v: 1, model: 'tiny-vit', task: 'split-mnist', methods: 'lora', batch: 4, seed: 42, 'cl.strategies': 'sequential', 'cl.batches': 1, 'cl.selector': 1, 'cl.eval': 4 }),
  );
  await expect(stream.getByTestId('continual-view')).toBeVisible();
  await runToEnd(stream, 6 * 60_000);
  await expect(stream.getByTestId('stream-timeline').locator('li[data-state=done]')).toHaveCount(5);
  const batchLabels = stream.getByTestId('chart-continual-batches').locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value');
  await expect(batchLabels.first()).toBeVisible();
  const batchTicks = await batchLabels.allTextContents();
  expect.soft(new Set(batchTicks).size, `ticks ${batchTicks.join(' ')}`).toBe(batchTicks.length);
  await openAllDetails(stream);

  expect(errors).toEqual([]);
});
