import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { TINY_LM, linkHash, lossSeries, openApp, runToEnd } from './app';

/**
 * Adapters out and back in: a tiny LoRA run's "Download adapter" gives a zip of PEFT's two
 * files; on a fresh page that zip, evaluated with 0 steps, scores what the trained run scored at
 * its end; a corrupted zip is refused with a reason and changes nothing.
 */

const SETTINGS = { ...TINY_LM, methods: 'lora', 'lora.r': 2, steps: 2, 'eval.every': 2 };

async function finalEval(page: Page): Promise<number> {
  const cell = page.getByTestId('summary-table').locator('tbody tr[data-method=lora] td[data-col=val-loss]');
  await expect(cell).not.toHaveAttribute('data-value', '');
  return Number(await cell.getAttribute('data-value'));
}

test('a trained LoRA adapter downloads as PEFT files and, imported on a fresh page, evaluates as it ended; a broken zip changes nothing', async ({ page, browser }) => {
  await openApp(page, linkHash(SETTINGS));
  await runToEnd(page);
  const trainedLoss = await finalEval(page);
  // Training moved the validation loss, so matching it below needs the trained adapter, not a fresh one.
  const validation = (await lossSeries(page))['LoRA · validation'];
  expect(validation.map((p) => p.step)).toEqual([0, 2]);
  expect(validation[1].value).toBe(trainedLoss);
  expect(Math.abs(validation[0].value - trainedLoss)).toBeGreaterThan(1e-4);

  const button = page.getByTestId('adapter-download').and(page.locator('[data-method=lora]'));
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  expect(download.suggestedFilename()).toBe('tiny-gpt2-lm-spam-lora-adapter.zip');
  const zipPath = path.join(tmpdir(), `e2e-${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(zipPath);
  const entries = unzipSync(new Uint8Array(readFileSync(zipPath)));
  expect(Object.keys(entries).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
  const config = JSON.parse(new TextDecoder().decode(entries['adapter_config.json'])) as Record<string, unknown>;
  expect(config).toMatchObject({ peft_type: 'LORA', r: 2, task_type: 'CAUSAL_LM', base_model_name_or_path: 'tiny-gpt2' });

  // A fresh page (same training settings), another method ticked: the import sets LoRA back.
  const fresh = await browser.newPage();
  await openApp(fresh, linkHash({ ...SETTINGS, methods: 'prompt' }));
  const input = fresh.getByTestId('adapter-import-input');

  // A corrupted zip first: a reason, and the experiment stays as it was.
  const broken = path.join(tmpdir(), `e2e-${Date.now()}-broken.zip`);
  writeFileSync(broken, readFileSync(zipPath).subarray(0, 200));
  await input.setInputFiles(broken);
  const error = fresh.getByTestId('adapter-import-error');
  await expect(error).toContainText('is not a readable zip');
  await expect(error).toContainText('Nothing was changed');
  await expect(fresh.getByTestId('adapter-imported')).toHaveCount(0);
  await expect(fresh.getByRole('checkbox', { name: /Prompt tuning/ })).toBeChecked();

  await input.setInputFiles(zipPath);
  await expect(fresh.getByTestId('adapter-import-ok')).toContainText('LoRA on task "lm-spam"');
  await expect(fresh.getByRole('checkbox', { name: /^LoRA/ })).toBeChecked();
  await fresh.getByRole('button', { name: 'Evaluate the adapter' }).click();
  const status = fresh.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-status', /^(done|error)$/, { timeout: 6 * 60_000 });
  expect(await status.getAttribute('data-status'), (await status.textContent()) ?? '').toBe('done');
  await expect(fresh.getByTestId('summary-table').locator('tbody tr[data-method=lora] td[data-col=steps]')).toHaveText('0');
  expect(await finalEval(fresh)).toBeCloseTo(trainedLoss, 5);
  await fresh.close();
});
