import { expect, type Page } from '@playwright/test';

/** Helpers shared by the specs: open the app, run, and read what the page shows. */

/** A link hash (without '#') from readable settings, in the app's own key names. */
export function linkHash(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/**
 * Settings small enough for SwiftShader (~0.5 GFLOP/s): 4 steps of 4×32 tokens on the e-mail
 * language-modelling task, with the validation loss measured before and after training on the
 * same two batches (a measure that does not depend on which training batches were drawn).
 */
export const TINY_LM = {
  v: 1,
  model: 'tiny-gpt2',
  task: 'lm-spam',
  steps: 4,
  batch: 4,
  seq: 32,
  seed: 42,
  sched: 'constant',
  warmup: 0,
  'eval.every': 4,
  'eval.batches': 2,
} as const;

/** Opens the app (optionally on a link) and waits until the worker reports its backend. */
export async function openApp(page: Page, hash = '', query = ''): Promise<void> {
  await page.goto(`./${query}${hash ? `#${hash}` : ''}`);
  await expect(page.getByTestId('backend')).not.toHaveText(/starting backend/, { timeout: 90_000 });
}

/**
 * Shrinks the edited experiment to what SwiftShader trains quickly (one step of two examples,
 * one validation batch at the end), through the Training panel's fields as a user would.
 */
export async function shrinkTraining(page: Page): Promise<void> {
  await page.getByLabel('Steps', { exact: true }).fill('1');
  await page.getByLabel('Batch size').fill('2');
  await page.getByLabel('Evaluate every (steps, 0 = end only)').fill('0');
  await page.getByLabel('Validation batches').fill('1');
  await page.getByLabel('Validation batches').press('Tab');
}

/** Presses Run and waits for the run to finish; fails with the app's error text if it fails. */
export async function runToEnd(page: Page, timeoutMs = 6 * 60_000): Promise<void> {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', /^(done|error)$/, { timeout: timeoutMs });
  const state = await status.getAttribute('data-status');
  if (state === 'error') throw new Error(`the run failed: ${await status.textContent()}`);
}

/** The loss chart's data table: per line label, the (step, value) points it holds. */
export async function lossSeries(page: Page): Promise<Record<string, Array<{ step: number; value: number }>>> {
  return page.getByTestId('chart-loss-table').evaluate((table) => {
    const labels = new Map<string, string>();
    for (const th of table.querySelectorAll('thead th[data-key]')) labels.set(th.getAttribute('data-key') ?? '', th.textContent ?? '');
    const out: Record<string, Array<{ step: number; value: number }>> = {};
    for (const row of table.querySelectorAll('tbody tr')) {
      const step = Number(row.querySelector('th')?.textContent);
      for (const cell of row.querySelectorAll('td[data-key]')) {
        const raw = cell.getAttribute('data-value');
        if (raw === null || raw === '') continue;
        const label = labels.get(cell.getAttribute('data-key') ?? '') ?? '?';
        (out[label] ??= []).push({ step, value: Number(raw) });
      }
    }
    return out;
  });
}

/** The summary table's trainable counts per method name: { method, head }. */
export async function trainableByMethod(page: Page): Promise<Record<string, { method: number; head: number }>> {
  return page.getByTestId('summary-table').evaluate((table) => {
    const out: Record<string, { method: number; head: number }> = {};
    for (const row of table.querySelectorAll('tbody tr[data-method]')) {
      out[row.getAttribute('data-method') ?? '?'] = {
        method: Number(row.querySelector('td[data-col=trainable]')?.getAttribute('data-value')),
        head: Number(row.querySelector('td[data-col=head]')?.getAttribute('data-value')),
      };
    }
    return out;
  });
}

/** Chooses a sweep preset and confirms the settings it changes (its confirm step lists them first). */
export async function choosePreset(page: Page, id: string): Promise<void> {
  await page.getByLabel('Sweep preset').selectOption(id);
  await page.getByTestId('preset-confirm').getByRole('button', { name: 'Apply these settings' }).click();
  await expect(page.getByTestId('preset-confirm')).toHaveCount(0);
}
