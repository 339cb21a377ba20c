import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openApp } from './app';

/** Issue #9: runs exported on one machine and imported on another, on the same table and charts. */

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const exported = JSON.parse(readFileSync(fixture('runs-export.json'), 'utf8')) as {
  environment: { adapter: string };
  runs: Array<{ method: string; trainable: { method: number } }>;
};

test('an exported file’s runs join the table and charts, labelled with their machine; a corrupted file changes nothing', async ({ page }) => {
  await openApp(page);
  const input = page.getByTestId('run-import-input');
  await input.setInputFiles(fixture('runs-export.json'));
  await expect(page.getByTestId('run-import-ok')).toContainText(`Imported ${exported.runs.length} runs`);

  const rows = page.getByTestId('summary-table').locator('tbody tr[data-imported=true]');
  await expect(rows).toHaveCount(exported.runs.length);
  for (const [i, run] of exported.runs.entries()) {
    const row = rows.nth(i);
    await expect(row).toHaveAttribute('data-method', run.method);
    await expect(row.locator('th')).toContainText(`imported: ${exported.environment.adapter}`);
    await expect(row.locator('td[data-col=trainable]')).toHaveAttribute('data-value', String(run.trainable.method));
  }
  // The loss chart's table alternative holds their lines, with the machine in the label.
  const lossHeaders = page.getByTestId('chart-loss-table').locator('thead th[data-key]');
  await expect(lossHeaders.filter({ hasText: `imported: ${exported.environment.adapter}` })).toHaveCount(2 * exported.runs.length);

  // A corrupted file: a clear error naming the field, and the imported runs stay as they were.
  await input.setInputFiles(fixture('runs-export-corrupted.json'));
  const error = page.getByTestId('run-import-error');
  await expect(error).toContainText('runs.1.steps.2.loss');
  await expect(error).toContainText('Nothing was changed');
  await expect(rows).toHaveCount(exported.runs.length);

  // Removing the imported runs empties the table again.
  await page.getByRole('button', { name: /Remove imported runs/ }).click();
  await expect(page.getByTestId('summary-table')).toHaveCount(0);
});
