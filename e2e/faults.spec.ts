import { expect, test, type Page } from '@playwright/test';
import { TINY_LM, linkHash, lossSeries, openApp } from './app';

/**
 * A lost GPU device and a NaN loss pause the run with a clear message and resume from the last
 * good checkpoint — never a blank page. The device loss is real: `GPUDevice.destroy()` on the
 * worker's device (a control shown only with ?debug=faults), so WebGPU's own `device.lost` runs.
 */

async function waitForEnd(page: Page): Promise<void> {
  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', /^(done|error)$/, { timeout: 5 * 60_000 });
  expect(await status.getAttribute('data-status'), (await status.textContent()) ?? '').toBe('done');
}

test('a lost GPU device pauses the run; Resume re-creates the device and finishes from the checkpoint', async ({ page }) => {
  const steps = 12;
  await openApp(page, linkHash({ ...TINY_LM, methods: 'lora', 'lora.r': 2, steps, batch: 2, seq: 16, log: 1, 'eval.every': 0, 'eval.batches': 1 }), '?debug=faults');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.getByTestId('checkpoint-status')).toHaveAttribute('data-step', /^([1-9]|1[01])$/, { timeout: 4 * 60_000 });
  await page.getByTestId('simulate-device-loss').click();

  const notice = page.getByTestId('fault-notice');
  await expect(notice).toHaveAttribute('data-kind', 'device-lost', { timeout: 60_000 });
  await expect(notice).toContainText('The GPU device was lost');
  const resume = notice.getByRole('button', { name: /^Resume from step \d+ on a new GPU device$/ });
  const from = Number((await resume.textContent())?.match(/\d+/)?.[0]);
  await resume.click();
  await waitForEnd(page);
  await expect(notice).toHaveCount(0);
  const [series] = Object.values(await lossSeries(page));
  expect(series.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  expect(series.every((p) => Number.isFinite(p.value))).toBe(true);
  expect(from).toBeGreaterThanOrEqual(1);
  // The header names the backend again (the new device).
  await expect(page.getByTestId('backend')).toContainText(/webgpu/i);
});

test('a NaN loss pauses the run naming the learning rate; resuming with sane rates finishes', async ({ page }) => {
  // AdamW at LR 10 with weight decay 1 multiplies each weight by −9 per step: LoRA overflows in ~20 steps.
  const steps = 28;
  await openApp(page, linkHash({ ...TINY_LM, methods: 'lora', 'lora.r': 2, steps, batch: 2, seq: 16, log: 1, opt: 'adamw', 'lr.lora': 10, wd: 1, clip: 'none', 'eval.every': 0, 'eval.batches': 1 }));
  await page.getByRole('button', { name: 'Run', exact: true }).click();

  const notice = page.getByTestId('fault-notice');
  await expect(notice).toHaveAttribute('data-kind', 'nan', { timeout: 5 * 60_000 });
  await expect(notice).toContainText('learning rate is the likely cause');
  await expect(notice.getByRole('button', { name: /Resume with a smaller batch \(2 → 1\)/ })).toBeVisible();
  await expect(notice.getByRole('button', { name: 'Resume with half the learning rate' })).toBeVisible();
  const faultStep = Number((await notice.textContent())?.match(/stopped at step (\d+)/)?.[1]);
  expect(faultStep).toBeGreaterThan(1);

  await notice.getByRole('button', { name: /Resume with the default learning rates/ }).click();
  await waitForEnd(page);
  const [series] = Object.values(await lossSeries(page));
  expect(series.at(-1)?.step).toBe(steps);
  expect(series.every((p) => Number.isFinite(p.value))).toBe(true);
});
