import { expect, test } from '@playwright/test';
import { linkHash, openApp } from './app';

/**
 * Sweep presets apply to the model they were made for (issue 20, item 5): on tiny-t5 the
 * NOLA-vs-LoRA preset (language modelling, GPT-2 only) offers tiny-gpt2, and every preset says
 * which settings it changes before it changes them.
 */

test('a preset says what it changes, switches to a model it runs on, and applies only when confirmed', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-t5', task: 'spam', methods: 'lora', steps: 4, batch: 2, seq: 16 }));
  const preset = page.getByLabel('Sweep preset');

  // Cancel leaves everything as it was.
  await preset.selectOption('nola-vs-lora');
  const confirm = page.getByTestId('preset-confirm');
  await expect(confirm).toBeVisible();
  const changes = confirm.getByTestId('preset-changes');
  await expect(changes).toContainText('model tiny-t5→tiny-gpt2');
  await expect(changes).toContainText('task spam→lm-spam');
  await expect(changes).toContainText('steps 4→60');
  await expect(changes).toContainText('batch 2→8');
  // Nothing changed yet, and the keyboard lands on the choice.
  await expect(page.getByLabel('Checkpoint', { exact: true })).toHaveValue('tiny-t5');
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('4');
  await expect(confirm.getByRole('button', { name: 'Apply these settings' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(preset).toHaveValue('');
  await expect(page.getByLabel('Checkpoint', { exact: true })).toHaveValue('tiny-t5');
  await expect(page.getByLabel('Task and dataset')).toHaveValue('spam');

  // Apply: the model it was made for, its settings, and a plan without errors.
  await preset.selectOption('nola-vs-lora');
  await page.getByRole('button', { name: 'Apply these settings' }).click();
  await expect(page.getByLabel('Checkpoint', { exact: true })).toHaveValue('tiny-gpt2');
  await expect(page.getByLabel('Task and dataset')).toHaveValue('lm-spam');
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('60');
  await expect(page.getByLabel('Batch size')).toHaveValue('8');
  await expect(preset).toHaveValue('nola-vs-lora');
  await expect(page.getByTestId('sweep-plan').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByRole('list', { name: 'Why the sweep cannot run' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Run sweep (3 runs)' })).toBeVisible();
});
