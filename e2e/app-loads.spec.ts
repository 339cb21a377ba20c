import { expect, test } from '@playwright/test';
import { openApp } from './app';
import { loraParams, tinyGpt2Config } from './param-formulas';

test('the app loads on WebGPU (SwiftShader adapter) and counts trainable parameters as you type', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await openApp(page);

  // The header names the backend and the adapter; no fallback banner on a WebGPU browser.
  await expect(page.getByTestId('backend')).toHaveText(/webgpu · google swiftshader/);
  await expect(page.getByTestId('backend-banner')).toHaveCount(0);
  await expect(page.getByTestId('model-shape')).toContainText('4 layers');

  // Live count: LoRA's rank edited in place, the figure follows the formula without a run.
  const config = tinyGpt2Config();
  const lora = page.getByTestId('trainable-lora');
  await expect(lora).toContainText(`Trainable params: ${loraParams(config, 8, 2).toLocaleString('en-US')} `);
  const rank = page.getByLabel('Rank r', { exact: true });
  await rank.fill('4');
  await expect(lora).toContainText(`Trainable params: ${loraParams(config, 4, 2).toLocaleString('en-US')} `);
  await page.getByRole('checkbox', { name: 'key (k)' }).check();
  await expect(lora).toContainText(`Trainable params: ${loraParams(config, 4, 3).toLocaleString('en-US')} `);

  // A rejected value is explained and not taken (the link keeps the last valid one).
  await rank.fill('0');
  await expect(page.getByText(/Too small|>=\s*1/).first()).toBeVisible();
  await expect(page).toHaveURL(/lora\.r=4(&|$)/);

  // Keyboard: Tab moves to the next control, and the focused control is visibly outlined.
  await rank.focus();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    return { tag: el.tagName, outline: getComputedStyle(el).outlineStyle };
  });
  expect(focused.tag).toBe('INPUT');
  expect(focused.outline).not.toBe('none');
  expect(errors).toEqual([]);
});
