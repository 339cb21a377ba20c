import { expect, test, type Page } from '@playwright/test';
import { TINY_LM, linkHash, openApp, runToEnd } from './app';

/**
 * Issue 20, item 10: Run comes early (few Tab stops, near the top of a phone's page); on wide
 * screens the run and its charts stay in view while the settings scroll; on narrow ones
 * settings and results are two ARIA tabs, and the summary table becomes one card per run.
 */

/** Tab stops from the top of the page until the Run button has focus (0 if never within 60). */
async function tabStopsToRun(page: Page): Promise<number> {
  await page.locator('body').focus();
  for (let i = 1; i <= 60; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.textContent === 'Run' && document.activeElement.tagName === 'BUTTON')) return i;
  }
  return 0;
}

test('wide: Run is an early Tab stop, and Run and the live charts stay in view while the settings scroll', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1400, height: 900 });
  await openApp(page);
  const stops = await tabStopsToRun(page);
  expect(stops).toBeGreaterThan(0);
  expect(stops).toBeLessThanOrEqual(5);
  // Side by side: the settings form and the results column share a row.
  const settings = (await page.getByRole('form', { name: 'Experiment settings' }).boundingBox())!;
  const results = (await page.locator('#results').boundingBox())!;
  expect(Math.abs(settings.y - results.y)).toBeLessThan(40);
  // The settings are longer than the window; scrolled far down, Run and the loss chart are still seen.
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(1800);
  await page.evaluate(() => window.scrollTo(0, 1500));
  const run = (await page.getByRole('button', { name: 'Run', exact: true }).boundingBox())!;
  expect(run.y).toBeGreaterThanOrEqual(0);
  expect(run.y + run.height).toBeLessThanOrEqual(900);
  const chart = (await page.getByTestId('chart-loss').boundingBox())!;
  expect(chart.y).toBeLessThan(900);
  expect(chart.y + chart.height).toBeGreaterThan(0);
});

test('a 400 px phone: Run near the top, settings and results as tabs, summary rows as cards, the prompt map readable beside them', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  await page.setViewportSize({ width: 400, height: 800 });
  await openApp(page, linkHash({ ...TINY_LM, steps: 1, 'eval.every': 1, 'eval.batches': 1, methods: 'deep-prompt', 'deep-prompt.length': 4 }));
  const runButton = page.getByRole('button', { name: 'Run', exact: true });
  const run = (await runButton.boundingBox())!;
  expect(run.y).toBeLessThan(500);
  expect(await tabStopsToRun(page)).toBeLessThanOrEqual(5);

  // Two tabs; the settings are shown first, the results panel is hidden.
  const tabs = page.getByRole('tablist', { name: 'Settings or results' }).getByRole('tab');
  await expect(tabs).toHaveText(['Settings', 'Results']);
  const settingsTab = page.getByRole('tab', { name: 'Settings' });
  const resultsTab = page.getByRole('tab', { name: 'Results' });
  await expect(settingsTab).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('tabpanel', { name: 'Results' })).toBeHidden();
  await expect(page.getByLabel('Steps', { exact: true })).toBeVisible();
  // Keyboard: → moves to (and shows) Results, ← back; one Tab stop for the list.
  await settingsTab.focus();
  await page.keyboard.press('ArrowRight');
  await expect(resultsTab).toBeFocused();
  await expect(resultsTab).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: 'Results' })).toBeVisible();
  await expect(page.getByLabel('Steps', { exact: true })).toBeHidden();
  await page.keyboard.press('ArrowLeft');
  await expect(settingsTab).toHaveAttribute('aria-selected', 'true');
  await expect(resultsTab).toHaveAttribute('tabindex', '-1');

  // A run brings its results to the front.
  await runToEnd(page);
  await expect(resultsTab).toHaveAttribute('aria-selected', 'true');
  const table = page.getByTestId('summary-table');
  await expect(table).toBeVisible();
  // One card per run: the row is a block as wide as the screen allows, each value labelled.
  const row = table.locator('tbody tr').first();
  expect(await row.evaluate((tr) => getComputedStyle(tr).display)).toBe('block');
  expect((await row.boundingBox())!.width).toBeLessThanOrEqual(400);
  await expect(row.locator('td[data-col=trainable]')).toHaveAttribute('data-label', 'Trainable params');
  await expect(table).toHaveAttribute('role', 'table');
  await expect(row.locator('td[data-col=trainable]')).toHaveAttribute('role', 'cell');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);

  // The prompt map comes right after the summary, its columns decoded text (no Ġ or Ċ).
  const map = page.getByTestId('prompt-attention-map');
  await expect(map).toBeVisible({ timeout: 60_000 });
  expect(await map.evaluate((el) => el.previousElementSibling?.querySelector('[data-testid=summary-table]') !== null)).toBe(true);
  await map.getByLabel('Show as tables').check();
  const headers = (await map.getByTestId('prompt-map-table').first().locator('thead th').allTextContents()).slice(1);
  expect(headers.length).toBeGreaterThan(2);
  expect(headers.join('')).not.toMatch(/[ĠĊ]/);
});
