import { expect, test, type Page } from '@playwright/test';
import { choosePreset, linkHash, openApp, runToEnd } from './app';

/**
 * Time and progress (issue 20, item 6): every phase says what it does, with the time so far and,
 * once something is measured, an estimate of what is left; plans say how long they will take.
 */

/** Records every text the run status and its estimate line show (a phase may last a moment only). */
async function recordStatusTexts(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { __statusTexts: Set<string> }).__statusTexts = seen;
    const grab = () => {
      for (const id of ['run-status', 'run-eta']) {
        const text = document.querySelector(`[data-testid=${id}]`)?.textContent;
        if (text) seen.add(`${id}: ${text}`);
      }
    };
    new MutationObserver(grab).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  return () => page.evaluate(() => [...(window as unknown as { __statusTexts: Set<string> }).__statusTexts]);
}

test('a sweep’s and a stream’s plans say how long they will take, as an estimate', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-gpt2', task: 'lm-spam', methods: 'lora' }));
  await choosePreset(page, 'nola-vs-lora');
  const sweep = page.getByTestId('plan-estimate');
  await expect(sweep).toContainText(/Estimated time of the 3 runs: about \d+ (s|min|h)/);
  await expect(sweep).toContainText('an estimate from the model’s FLOPs');
  for (const cell of await page.getByTestId('sweep-plan-time').all()) await expect(cell).toHaveText(/^about \d+/);

  await page.getByLabel('Sweep preset').selectOption('');
  await page.getByLabel('Task and dataset').selectOption('sotu-eras');
  const stream = page.getByTestId('continual-settings').getByTestId('plan-estimate');
  await expect(stream).toContainText(/Estimated time of the stream \(\d strategies × 5 tasks\): about \d+/);
  await expect(stream).toContainText('estimate');
});

test('T5’s decoding after training shows its progress; training shows the time left from the measured step', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-t5', task: 'spam', methods: 'lora', 'lora.r': 2, steps: 2, batch: 2, seq: 16, 'eval.every': 0, 'eval.batches': 1 }));
  const texts = await recordStatusTexts(page);
  await runToEnd(page);
  const seen = await texts();
  const all = seen.join('\n');
  // Kernel compilation before the first step, with the time it has taken.
  expect(all).toMatch(/run-eta: Warming up: \d+ s so far/);
  // After the first step: steps left × the measured time per step.
  expect(all).toMatch(/run-eta: Training: about \d+ (s|min)[^\n]* left \(estimate: 1 step × [\d.]+ m?s measured per step\)/);
  // The greedy decoding after the last step, no longer frozen at "step 2 of 2".
  expect(all).toMatch(/run-status: Training · step 2 of 2 · Predicting after training: 0:lora: decoding answers for validation examples, \d+ of \d+/);
  expect(all).toMatch(/run-eta: Predicting after training: \d+ s so far/);
});

test('EMR’s memory selection says what it does between tasks', async ({ page }) => {
  await openApp(
    page,
    linkHash({ v: 1, model: 'tiny-vit', task: 'split-mnist', methods: 'lora', batch: 4, seed: 42, 'cl.strategies': 'emr', 'cl.batches': 1, 'cl.memory': 1, 'cl.eval': 2 }),
  );
  const texts = await recordStatusTexts(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-stage', 'memory', { timeout: 5 * 60_000 });
  await page.getByRole('button', { name: /^Stop/ }).click();
  await expect(status).toHaveAttribute('data-status', /^(stopped|done)$/, { timeout: 5 * 60_000 });
  const all = (await texts()).join('\n');
  expect(all).toMatch(/Between tasks: 0:emr: choosing EMR's memory for task 1: (features|K-Means)/);
});
