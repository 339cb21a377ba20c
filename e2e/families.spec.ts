import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { fewShotSample, interleaveByLabel, parseImageDataset } from '../src/engine/data/images';
import { linkHash, openApp, runToEnd } from './app';

/**
 * The ViT and T5 families in the app: tiny-vit on few-shot MNIST (the few-shot grid, the
 * predictions grid), tiny-t5 on spam as text-to-text (decoded answers), and what the app does
 * when a method or task does not fit the model. Runs are as small as SwiftShader allows.
 */

/** Two steps of two examples, one validation batch, evaluation at the end only. */
const TINY = { v: 1, steps: 2, batch: 2, seed: 42, sched: 'constant', warmup: 0, 'eval.every': 0, 'eval.batches': 1 } as const;

/** The grayscale bytes a page canvas shows (its red channel). */
async function canvasGray(page: Page, canvas: ReturnType<Page['locator']>): Promise<number[]> {
  return canvas.evaluate((element) => {
    const c = element as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: c.width * c.height }, (_, i) => data[i * 4]);
  });
}

test('tiny-vit on MNIST 5-shot: the few-shot grid, then 16 predictions per run', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await openApp(page, linkHash({ ...TINY, model: 'tiny-vit', task: 'mnist-5shot', methods: 'head,lora' }));
  await expect(page.getByTestId('model-shape')).toContainText(/^ViT · 28×28 images · \d+×\d+ patches/);
  await expect(page.getByTestId('task-posing')).toContainText('k = 5 training images per class');

  // The few-shot training set: 5 images of each of the ten digits, the seed's own sample.
  const grid = page.getByTestId('fewshot-grid');
  await expect(grid.getByTestId('fewshot-class')).toHaveCount(10);
  for (const cls of await grid.getByTestId('fewshot-class').all()) await expect(cls.locator('canvas')).toHaveCount(5);
  const dataset = parseImageDataset(JSON.parse(readFileSync(new URL('../public/data/mnist.json', import.meta.url), 'utf8')), 'mnist-5shot');
  const sample = fewShotSample(dataset, 5, TINY.seed);
  for (const [label, shot] of [
    [0, 0],
    [7, 4],
  ] as const) {
    const expected = sample.filter((item) => item.label === label)[shot].image.data;
    const shown = await canvasGray(page, grid.locator(`[data-label="${label}"] canvas`).nth(shot));
    expect(shown, `few-shot image ${shot} of digit ${label}`).toEqual(Array.from(expected));
  }

  await runToEnd(page, 8 * 60_000);

  // Each run's predictions on the first 16 validation images, one row per run, marked right or wrong.
  const predictions = page.getByTestId('image-predictions');
  await expect(predictions.getByTestId('prediction-row')).toHaveCount(2);
  for (const row of await predictions.getByTestId('prediction-row').all()) {
    const cells = row.getByTestId('prediction');
    await expect(cells).toHaveCount(16);
    for (const text of await cells.allTextContents()) expect(text).toMatch(/^[0-9] [✓✗]$/);
  }
  await expect(predictions.locator('thead canvas')).toHaveCount(16);
  // The images and true labels above the predictions are the runner's first validation images
  // (the test split read round-robin over digits, so all ten digits show), and the page's label
  // for each is the one the run was scored against.
  const validation = interleaveByLabel(dataset.splits.test).slice(0, 16);
  const trueLabels = await predictions.locator('td.true-label').allTextContents();
  expect(trueLabels).toEqual(validation.map((item) => dataset.labels[item.label]));
  expect(new Set(trueLabels).size).toBe(10);
  expect(await canvasGray(page, predictions.locator('thead canvas').nth(13))).toEqual(Array.from(validation[13].image.data));
  // A prediction is marked right exactly when it equals the true label above it.
  for (const row of await predictions.getByTestId('prediction-row').all()) {
    const cells = await row
      .getByTestId('prediction')
      .evaluateAll((tds) => tds.map((td) => ({ text: td.textContent ?? '', label: td.getAttribute('data-label'), correct: td.getAttribute('data-correct') })));
    cells.forEach((cell, i) => {
      expect(cell.label, `example ${i}: the run's label`).toBe(trueLabels[i]);
      expect(cell.correct).toBe(String(cell.text.startsWith(`${trueLabels[i]} `)));
    });
  }

  // The summary table reports each run's validation accuracy.
  const table = page.getByTestId('summary-table');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  for (const cell of await table.locator('td[data-col=metric]').allTextContents()) expect(cell).toMatch(/^\d+(\.\d)?%$/);
});

test('tiny-t5 on spam, text-to-text: prompt tuning runs and shows the decoded answers', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await openApp(page, linkHash({ ...TINY, model: 'tiny-t5', task: 'spam', methods: 'prompt', seq: 24, 'prompt.length': 4 }));
  await expect(page.getByTestId('model-shape')).toContainText(/^T5 · encoder \d+ \+ decoder \d+ layers/);
  await expect(page.getByTestId('task-posing')).toContainText('spam or ham: <text>');
  await expect(page.getByTestId('task-posing')).toContainText('“ham” or “spam”');
  // Before training: the first validation examples with their target words.
  const answers = page.getByTestId('text-predictions');
  await expect(answers.locator('tbody tr').first()).toContainText('spam or ham:');

  await runToEnd(page, 8 * 60_000);

  const cells = answers.getByTestId('prediction');
  await expect(cells).toHaveCount(16);
  await expect(answers.locator('tbody tr')).toHaveCount(16);
  // Each answer is marked right exactly when it equals the row's target word.
  const rows = await answers.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      target: tr.querySelector('td.target')?.textContent ?? '',
      answer: tr.querySelector('td.prediction')?.textContent ?? '',
      correct: tr.querySelector('td.prediction')?.getAttribute('data-correct'),
    })),
  );
  for (const row of rows) {
    expect(['ham', 'spam']).toContain(row.target);
    expect(row.correct).toBe(String(row.answer.replace(/ [✓✗]$/, '') === row.target));
  }
  await expect(page.getByTestId('summary-table').locator('thead')).toContainText('Val accuracy (exact match)');
  await expect(page.getByTestId('summary-table').locator('td[data-col=metric]')).toHaveText(/^\d+(\.\d)?%$/);
});

test('switching to tiny-vit moves the task to MNIST; a vocabulary prompt init is explained and blocks Run', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-gpt2', task: 'spam', methods: 'prompt,lora' }));
  const prompt = page.locator('[data-method="prompt"]');
  await expect(prompt.getByLabel('Initialisation')).toHaveValue('vocab');

  await page.getByLabel('Checkpoint', { exact: true }).selectOption('tiny-vit');
  await expect(page.getByLabel('Task and dataset')).toHaveValue('mnist-5shot');
  // Only image tasks are offered for ViT (the few-shot tasks and the Split-MNIST stream).
  expect(await page.getByLabel('Task and dataset').locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual([
    'mnist-5shot',
    'mnist-10shot',
    'split-mnist',
  ]);
  const notice = page.getByTestId('model-switch-notice');
  await expect(notice).toContainText('MNIST digits, 5 examples per class');
  await expect(notice).toContainText('Initialisation set to random for Prompt tuning');
  await expect(prompt.getByLabel('Initialisation')).toHaveValue('random');
  await expect(page.getByTestId('unsupported-prompt')).toHaveCount(0);
  await expect(page.getByTestId('model-shape')).toContainText('ViT');

  // Choosing the vocabulary init again: the reason shows beside the method and Run is blocked.
  await prompt.getByLabel('Initialisation').selectOption('vocab');
  await expect(page.getByTestId('unsupported-prompt')).toContainText('ViT has no vocabulary');
  await expect(page.getByTestId('unsupported-prompt')).toContainText('use init = random');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
  await expect(page.getByRole('list', { name: 'Why Run is unavailable' })).toContainText('Prompt tuning: ViT has no vocabulary');

  await prompt.getByLabel('Initialisation').selectOption('random');
  await expect(page.getByTestId('unsupported-prompt')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();

  // Back to GPT-2: its tasks again, the task kept where it fits (MNIST does not: spam).
  await page.getByLabel('Checkpoint', { exact: true }).selectOption('tiny-gpt2');
  await expect(page.getByLabel('Task and dataset')).toHaveValue('spam');
  await expect(page.getByTestId('model-shape')).toContainText('GPT-2');
});

test('a link asking for prompt init=vocab on tiny-vit opens with the reason shown and Run blocked', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-vit', task: 'mnist-5shot', methods: 'prompt,head', 'prompt.init': 'vocab' }));
  await expect(page.getByTestId('unsupported-prompt')).toContainText('ViT has no vocabulary');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
  await expect(page.getByTestId('unsupported-head')).toHaveCount(0);
});
