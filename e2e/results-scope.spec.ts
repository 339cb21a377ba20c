import { expect, test } from '@playwright/test';
import { TINY_LM, linkHash, openApp, runToEnd } from './app';

/**
 * Results belong to their settings (issue 20, item 4): they are labelled with the experiment
 * they came from, leave the screen (into Run history) when another task or model replaces it,
 * and Run history's "Open link" brings back the settings and the results together.
 */

const LINK = linkHash({ ...TINY_LM, methods: 'lora', 'lora.r': 2, steps: 1, batch: 2, seq: 16, 'eval.every': 0, 'eval.batches': 1 });

test('results are labelled, cleared when the task changes, and restored by Run history’s Open link', async ({ page }) => {
  await openApp(page, LINK);
  await runToEnd(page);
  const summary = page.getByTestId('summary-table');
  await expect(summary.locator('tbody tr[data-method]')).toHaveCount(1);
  await expect(page.getByTestId('results-of-label')).toHaveText('tiny-gpt2 · lm-spam · lora · 1 step');

  // A finer edit keeps the results, saying that the settings moved on.
  await page.getByLabel('Steps', { exact: true }).fill('3');
  await page.getByLabel('Steps', { exact: true }).press('Tab');
  await expect(page.getByTestId('results-stale')).toContainText('steps 1→3');

  // Another task: the language-modelling results do not describe spam classification.
  await page.getByLabel('Task and dataset').selectOption('spam');
  await expect(summary).toHaveCount(0);
  await expect(page.getByTestId('results-of')).toHaveCount(0);
  await expect(page.getByTestId('chart-loss-table').locator('tbody tr')).toHaveCount(0);
  await expect(page.getByTestId('results-archived')).toContainText('tiny-gpt2 · lm-spam · lora · 1 step');

  // Run history: the run is there; Open link restores its settings and its results.
  const history = page.getByTestId('run-history');
  await history.locator('summary').click();
  await history.getByRole('link', { name: 'Open link' }).first().click();
  await expect(page.getByLabel('Task and dataset')).toHaveValue('lm-spam');
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('1');
  await expect(summary.locator('tbody tr[data-method="lora"]')).toHaveCount(1);
  await expect(page.getByTestId('results-of-label')).toHaveText('tiny-gpt2 · lm-spam · lora · 1 step');
  await expect(page.getByTestId('results-archived')).toHaveCount(0);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done');
});
