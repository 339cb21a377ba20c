import { expect, test, type Page } from '@playwright/test';
import { openApp, runToEnd } from './app';

/** Marks any script a link managed to run: a dialog, or a global set by injected markup. */
function watchForInjection(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return dialogs;
}

async function expectNothingInjected(page: Page, dialogs: string[]): Promise<void> {
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  await expect(page.locator('#root img, #root script, #root iframe, #root svg[onload]')).toHaveCount(0);
}

const SCRIPT = '<script>window.__pwned=1;alert(1)</script>';
const IMG = '<img src=x onerror="window.__pwned=1;alert(2)">';

test('malformed and hostile links give messages, inject nothing, and the app still trains', async ({ page }) => {
  const dialogs = watchForInjection(page);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const notices = page.getByTestId('link-notices');

  // Bad numbers, an unknown method, markup in values and keys, broken percent-encoding.
  const hostile = [
    'v=1&task=spam&methods=lora,evil',
    'batch=abc&seq=1e999&lr.lora=NaN&seed=0x10&warmup=-5',
    `task=${encodeURIComponent(SCRIPT)}`,
    `lora.alpha=${encodeURIComponent(IMG)}&${encodeURIComponent(IMG)}=1`,
    'lora.targets=q,zz&eval.every=%E0%A4%A',
    // Small enough to train in seconds: what is valid in a bad link is used.
    'steps=1&eval.batches=1&lora.r=2',
  ].join('&');
  await openApp(page, hostile);
  await expect(notices).toBeVisible();
  for (const key of ['evil', 'batch', 'seq', 'lr.lora', 'seed', 'warmup', 'task', 'lora.alpha', 'lora.targets', 'eval.every']) {
    await expect(notices, `a notice names ${key}`).toContainText(key);
  }
  // Markup from the link is shown as text, never parsed.
  await expect(notices).toContainText('<script>');
  await expect(notices).toContainText('<img');
  await expectNothingInjected(page, dialogs);

  // Defaults stand in for the bad values; the valid ones are kept.
  await expect(page.getByLabel('Task and dataset')).toHaveValue('spam');
  await expect(page.getByRole('checkbox', { name: 'LoRA', exact: true })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Full fine-tuning', exact: true })).not.toBeChecked();
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('1');
  await expect(page.getByLabel('Batch size')).toHaveValue('8');
  await expect(page.getByLabel('Rank r', { exact: true })).toHaveValue('2');
  await expect(page.getByLabel('Alpha (update scaled by alpha / r)')).toHaveValue('16');

  // Notices can be dismissed one by one and all at once.
  const count = await notices.getByRole('listitem').count();
  await notices.getByRole('button', { name: 'Dismiss notice 1', exact: true }).click();
  await expect(notices.getByRole('listitem')).toHaveCount(count - 1);
  await notices.getByRole('button', { name: 'Dismiss all' }).click();
  await expect(notices).toHaveCount(0);

  // The app still works: the sanitised experiment trains.
  await runToEnd(page);
  await expect(page.getByTestId('summary-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('summary-table').locator('td[data-col=steps]')).toHaveText('1');
  await expectNothingInjected(page, dialogs);

  // 100 KB of junk: refused as too long, with a message; the default experiment is shown.
  await page.goto('about:blank');
  const junk = Array.from({ length: 100_000 }, (_, i) => 'a=&%<>"\'#;x'[i % 11]).join('');
  await openApp(page, junk);
  await expect(notices).toContainText('link refused');
  await expect(notices).toContainText('4096');
  expect(page.url().length).toBeLessThan(4096);
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  await expectNothingInjected(page, dialogs);
  expect(errors).toEqual([]);
});
