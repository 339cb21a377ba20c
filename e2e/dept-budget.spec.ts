import { expect, test } from '@playwright/test';
import { linkHash, openApp } from './app';
import { tinyGpt2Config } from './param-formulas';

test('DePT shows its budget matching against prompt tuning, and a row sets the prompt length', async ({ page }) => {
  // seq 28: PT with l = 100 still fits tiny-gpt2's 128 positions.
  await openApp(page, linkHash({ task: 'lm-spam', methods: 'prompt,dept', seq: 28, 'prompt.length': 100, 'dept.length': 60, 'dept.budget': 100 }));
  const { n_embd: d } = tinyGpt2Config();
  const s = 28;
  const table = page.getByTestId('dept-budget');
  // Independent arithmetic: r = round((l − m)·d / (s + d)), params = m·d + (s + d)·r.
  for (const m of [0, 20, 40, 60, 80]) {
    const r = Math.round(((100 - m) * d) / (s + d));
    const row = table.locator(`tr[data-m="${m}"]`);
    await expect(row.locator('td').nth(0)).toHaveText(String(r));
    await expect(row.locator('td').nth(1)).toHaveText((m * d + (s + d) * r).toLocaleString('en-US'));
    await expect(row.locator('td').nth(3)).toHaveText(String(m + s));
  }
  await expect(table.locator('tr[data-m="pt"] td').nth(1)).toHaveText((100 * d).toLocaleString('en-US'));

  // Choosing m = 20 updates the options, the live count and the link.
  await table.locator('tr[data-m="20"]').getByRole('button', { name: 'use m=20' }).click();
  const r20 = Math.round((80 * d) / (s + d));
  await expect(page.getByTestId('trainable-dept')).toContainText(`Trainable params: ${(20 * d + (s + d) * r20).toLocaleString('en-US')} `);
  await expect(page).toHaveURL(/dept\.length=20(&|$)/);
});
