import { expect, test } from '@playwright/test';
import { openApp } from './app';

/**
 * Issue 20, items 8 and 9 (no training): switching the model is complete, a failed checkpoint
 * reference is not kept, and the forms say what they do — errors that go when the entry is
 * valid again, why the last method stays ticked, no empty NOLA line, a fading "Link copied",
 * and pages that say what they are.
 */

// No training here: a hang fails fast.
test.describe.configure({ timeout: 120_000 });

const method = (page: import('@playwright/test').Page, name: string) => page.locator(`[data-method=${name}]`);
const tick = (page: import('@playwright/test').Page, name: string) => method(page, name).locator('.method-title input');

test('model switching: unticked prompt inits follow ViT, DePT counts patches, a failed hub id is not kept and says the hub is offline', async ({ page, context }) => {
  await openApp(page);
  const checkpoint = page.getByTestId('model-panel').getByLabel('Checkpoint', { exact: true });
  // Prompt tuning starts from vocabulary rows on GPT-2; unticked, it keeps that option...
  await expect(method(page, 'prompt').getByLabel('Initialisation')).toHaveValue('vocab');
  await tick(page, 'prompt').uncheck();
  await checkpoint.selectOption('tiny-vit');
  await expect(page.getByTestId('model-shape')).toHaveAttribute('data-family', 'vit');
  // ...which ViT (no vocabulary) cannot run: ticked again on ViT it starts random.
  await tick(page, 'prompt').check();
  await expect(method(page, 'prompt').getByLabel('Initialisation')).toHaveValue('random');
  await expect(page.getByTestId('unsupported-prompt')).toHaveCount(0);

  // DePT's budget table counts ViT's 16 patches, and says there is no context to exceed.
  await tick(page, 'dept').check();
  const caption = page.getByTestId('dept-budget').locator('caption');
  await expect(caption).toContainText('s = 16 image patches');
  await expect(caption).not.toContainText('context )');

  // Offline, a hub id is not kept: the model stays, one message says the hub cannot be reached.
  await context.setOffline(true);
  await page.locator('details.other-checkpoints').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  const input = page.getByTestId('model-ref-input');
  await input.fill('openai-community/gpt2');
  await page.getByTestId('model-ref-show').click();
  const alerts = page.getByTestId('model-panel').getByRole('alert');
  await expect(alerts).toHaveCount(1);
  await expect(alerts).toContainText('cannot be reached');
  await expect(alerts).toContainText('offline');
  await expect(checkpoint).toHaveValue('tiny-vit');
  await expect(page.getByTestId('model-panel')).not.toContainText('Download');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  // A new reference typed: the old error goes.
  await input.fill('openai-community/gpt2-medium');
  await expect(alerts).toHaveCount(0);
  await context.setOffline(false);
});

test('forms: errors go when the entry is valid again, the last method says why it stays, no empty NOLA line, "Link copied" fades', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openApp(page);
  const steps = page.getByLabel('Steps', { exact: true });
  const stepsError = steps.locator('xpath=..').getByRole('alert');
  await steps.fill('-1');
  await expect(stepsError).toBeVisible();
  await steps.fill('3');
  await expect(stepsError).toHaveCount(0);
  // Left while rejected: the value in force is shown again, and no error stays under it.
  await steps.fill('-1');
  await expect(stepsError).toBeVisible();
  await steps.press('Tab');
  await expect(steps).toHaveValue('3');
  await expect(stepsError).toHaveCount(0);
  await expect(steps).not.toHaveAttribute('aria-invalid', 'true');

  // The last ticked method cannot be unticked, and says so.
  await tick(page, 'full').uncheck();
  await tick(page, 'prompt').uncheck();
  await expect(page.getByTestId('only-method')).toHaveCount(1);
  await expect(method(page, 'lora').getByTestId('only-method')).toContainText('tick another');
  await expect(tick(page, 'lora')).toHaveAttribute('aria-describedby', /only-method-lora/);
  // Focusable (aria-disabled, so the reason is read with it); Space leaves it ticked.
  await tick(page, 'lora').focus();
  await page.keyboard.press('Space');
  await expect(tick(page, 'lora')).toBeChecked();

  // NOLA without coefficients from a link shows no empty 'Trained coefficients: ""' line.
  await tick(page, 'nola').check();
  await expect(method(page, 'nola')).toBeVisible();
  await expect(method(page, 'nola').getByLabel('Rank r', { exact: true })).toBeVisible();
  await expect(method(page, 'nola')).not.toContainText('Trained coefficients');
  await expect(page.getByTestId('only-method')).toHaveCount(0);

  // "Link copied" is shown, then fades away.
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Link copied')).toBeVisible();
  await expect(page.getByText('Link copied')).toHaveCount(0, { timeout: 8000 });

  // The subtitle says what the page is for.
  await expect(page.getByTestId('tagline')).toContainText('compare parameter-efficient methods');
});

test('the bench page says ci covers tiny-gpt2 only, and the lab page says what it is', async ({ page }) => {
  await page.goto('./bench.html');
  await expect(page.getByTestId('bench-intro')).toContainText('ci covers tiny-gpt2 only');
  await expect(page.getByTestId('bench-mode-ci').locator('..')).toContainText('tiny-gpt2 only');
  await page.goto('./lab.html');
  await expect(page.getByRole('heading', { name: 'PEFT playground — kernel lab' })).toBeVisible();
  await expect(page.locator('#lab-intro')).toContainText('not a user page');
  await expect(page.getByRole('link', { name: 'Open the playground' })).toBeVisible();
});
