import { expect, test } from '@playwright/test';
import { TINY_LM, linkHash, lossSeries, openApp } from './app';

/**
 * Runs survive reloads: the run history is saved in IndexedDB as training proceeds; a page
 * reloaded mid-run offers the interrupted run, and Resume continues it from its last checkpoint
 * with the curves from before the reload intact.
 */

const STEPS = 10;
const LINK = linkHash({ ...TINY_LM, methods: 'prompt,lora', 'prompt.length': 4, 'lora.r': 2, steps: STEPS, batch: 2, seq: 16, log: 1, 'eval.every': 0, 'eval.batches': 1 });

test('a page reloaded mid-run resumes from its checkpoint and finishes with the metrics from before the reload', async ({ page }) => {
  await openApp(page, LINK);
  await page.getByRole('button', { name: 'Run', exact: true }).click();

  // A checkpoint after some training has landed in IndexedDB.
  const saved = page.getByTestId('checkpoint-status');
  await expect(saved).toHaveAttribute('data-step', /^[2-9]$/, { timeout: 4 * 60_000 });
  const before = await lossSeries(page);
  const checkpointStep = Number(await saved.getAttribute('data-step'));
  const labels = Object.keys(before).filter((l) => l.endsWith('· train'));
  expect(labels.length).toBe(2);
  for (const label of labels) expect(before[label].length).toBeGreaterThanOrEqual(checkpointStep);

  await page.reload();
  const interrupted = page.getByTestId('interrupted-run');
  await expect(interrupted).toContainText(/prompt, lora/, { timeout: 90_000 });
  await expect(page.getByTestId('backend')).not.toHaveText(/starting backend/, { timeout: 90_000 });
  const resume = interrupted.getByRole('button', { name: /^Resume from step (\d+)$/ });
  const offeredStep = Number((await resume.textContent())?.match(/\d+/)?.[0]);
  // The reload may have come after a later checkpoint than the one seen; never before it.
  expect(offeredStep).toBeGreaterThanOrEqual(checkpointStep);
  expect(offeredStep).toBeLessThan(STEPS);
  await expect(interrupted).toContainText(`of ${STEPS}`);
  await resume.click();
  await expect(interrupted).toHaveCount(0);

  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', /^(done|error)$/, { timeout: 5 * 60_000 });
  expect(await status.getAttribute('data-status'), (await status.textContent()) ?? '').toBe('done');

  const after = await lossSeries(page);
  // The training curves, plus the validation loss measured at the end.
  expect(Object.keys(after).filter((l) => l.endsWith('· train')).sort()).toEqual([...labels].sort());
  expect(Object.keys(after).filter((l) => l.endsWith('· validation')).length).toBe(2);
  for (const label of labels) {
    // Every step logged once: the saved points up to the checkpoint, the resumed ones after it.
    expect(after[label].map((p) => p.step), label).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // The curve from before the reload is intact (the first loss, and every point up to the checkpoint).
    expect(after[label][0].value, label).toBe(before[label][0].value);
    expect(after[label].slice(0, offeredStep), label).toEqual(before[label].slice(0, offeredStep));
    // Steps trained before the reload and again after it: the resume is exact (same seeds, same state).
    for (const point of before[label].filter((p) => p.step > offeredStep)) {
      const again = after[label].find((p) => p.step === point.step)!;
      expect(Math.abs(again.value - point.value), `${label} step ${point.step}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(point.value)));
    }
  }
  // The summary table has both runs at the full step count.
  const rows = page.getByTestId('summary-table').locator('tbody tr[data-method]');
  await expect(rows).toHaveCount(2);

  // The history lists the run as done; after another reload nothing is offered as interrupted.
  await page.reload();
  await expect(page.getByTestId('run-history')).toBeVisible({ timeout: 90_000 });
  await page.getByTestId('run-history').locator('summary').click();
  await expect(page.getByTestId('run-history').locator('tbody tr').first()).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('interrupted-run')).toHaveCount(0);
});
