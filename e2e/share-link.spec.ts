import { expect, test, type Page } from '@playwright/test';
import { openApp } from './app';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

/** What the settings panels show, read back through their labels. */
async function visibleSettings(page: Page) {
  const checked = async (name: string) => page.getByRole('checkbox', { name, exact: true }).isChecked();
  return {
    task: await page.getByLabel('Task and dataset').inputValue(),
    full: await checked('Full fine-tuning'),
    head: await checked('Head only'),
    prompt: await checked('Prompt tuning'),
    lora: await checked('LoRA'),
    steps: await page.getByLabel('Steps', { exact: true }).inputValue(),
    batch: await page.getByLabel('Batch size').inputValue(),
    seed: await page.getByLabel('Seed').inputValue(),
    loraRank: await page.getByLabel('Rank r', { exact: true }).inputValue(),
    loraKey: await page.getByRole('checkbox', { name: 'key (k)' }).isChecked(),
    loraLr: await page.getByLabel('Learning rate: LoRA A, B').inputValue(),
    schedule: await page.getByLabel('LR schedule').inputValue(),
    checkpoint: await page.getByLabel('Activation checkpointing').inputValue(),
  };
}

test('a copied link opened in a fresh page restores the same experiment, without running it', async ({ page, browser }) => {
  await openApp(page);
  // Change settings of every kind: select, method checkboxes, numbers, an option set, an LR.
  await page.getByLabel('Task and dataset').selectOption('sotu-party');
  await page.getByRole('checkbox', { name: 'Full fine-tuning', exact: true }).uncheck();
  await page.getByRole('checkbox', { name: 'Head only', exact: true }).check();
  await page.getByLabel('Steps', { exact: true }).fill('7');
  await page.getByLabel('Batch size').fill('3');
  await page.getByLabel('Seed').fill('1234');
  await page.getByLabel('Rank r', { exact: true }).fill('3');
  await page.getByRole('checkbox', { name: 'key (k)' }).check();
  await page.getByLabel('Learning rate: LoRA A, B').fill('0.005');
  await page.getByLabel('LR schedule').selectOption('cosine');
  await page.getByLabel('Activation checkpointing').selectOption('blocks');
  const before = await visibleSettings(page);
  expect(before).toMatchObject({ task: 'sotu-party', full: false, head: true, steps: '7', loraRank: '3', loraKey: true, schedule: 'cosine', checkpoint: 'blocks' });

  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Link copied')).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(page.url());
  expect(link).toMatch(/#v=1&model=tiny-gpt2&task=sotu-party&methods=head,prompt,lora&steps=7&/);
  expect(link).toContain('lora.targets=q,k,v');
  expect(link).toContain('&ckpt=blocks&');

  // A fresh context: nothing shared with the first page but the link.
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const fresh = await context.newPage();
  await fresh.goto(link);
  await expect(fresh.getByTestId('backend')).not.toHaveText(/starting backend/, { timeout: 90_000 });
  expect(await visibleSettings(fresh)).toEqual(before);
  expect(new URL(fresh.url()).hash).toBe(new URL(link).hash);
  // Offered, not started.
  await expect(fresh.getByText('opened from a link')).toBeVisible();
  await expect(fresh.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  await expect(fresh.getByTestId('run-status')).toHaveAttribute('data-status', 'idle');
  await expect(fresh.getByTestId('link-notices')).toHaveCount(0);
  await context.close();
});
