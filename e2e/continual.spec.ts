import { expect, test } from '@playwright/test';
import { linkHash, openApp, runToEnd } from './app';

/**
 * ConPET in the app: Split-MNIST on tiny-vit, opened from a link, learnt by two strategies side
 * by side (sequential fine-tuning and Dynamic ConPET), as small as SwiftShader allows: two
 * module batches and one selector batch of four images per task, four test images per task.
 */
const STREAM_LINK = {
  v: 1,
  model: 'tiny-vit',
  task: 'split-mnist',
  methods: 'lora',
  batch: 4,
  seed: 42,
  'cl.strategies': 'sequential,dynamic',
  'cl.batches': 2,
  'cl.selector': 1,
  'cl.eval': 4,
} as const;

const PERCENT = /^\d+(\.\d+)?%$/;

test('split-mnist on tiny-vit: the stream, both accuracy matrices and the summary per strategy', async ({ page }) => {
  test.setTimeout(12 * 60_000);
  await openApp(page, linkHash(STREAM_LINK));
  await expect(page.getByTestId('link-notices')).toHaveCount(0);

  // The editor in continual mode: the link's strategies ticked, one PET method (LoRA, rank 4).
  const strategies = page.getByTestId('strategy-choice');
  await expect(strategies.locator('[data-strategy=sequential] input')).toBeChecked();
  await expect(strategies.locator('[data-strategy=dynamic] input')).toBeChecked();
  await expect(strategies.locator('[data-strategy=static] input')).not.toBeChecked();
  await expect(page.locator('[data-method=lora] .method-title input[type=radio]')).toBeChecked();
  await expect(page.locator('input[name=stream-method]:checked')).toHaveCount(1);
  await expect(page.getByTestId('continual-view')).toBeVisible();

  await runToEnd(page, 10 * 60_000);

  // The stream: five tasks of two digits, every one learnt.
  const timeline = page.getByTestId('stream-timeline');
  await expect(timeline.locator('li')).toHaveCount(5);
  await expect(timeline.locator('li[data-state=done]')).toHaveCount(5);
  const digits = (await timeline.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-classes') ?? ''))).flatMap((text) => text.split(','));
  expect(digits.sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

  // One heat map per strategy, its lower triangle (1 + 2 + 3 + 4 + 5 cells) filled with percentages.
  const matrices = page.getByTestId('accuracy-matrix');
  await expect(matrices).toHaveCount(2);
  for (const strategy of ['sequential', 'dynamic']) {
    const cells = page.locator(`[data-testid=accuracy-matrix][data-strategy=${strategy}] td[data-cell=measured]`);
    await expect(cells, `${strategy}: measured cells`).toHaveCount(15);
    for (const text of await cells.allTextContents()) expect(text).toMatch(PERCENT);
    await expect(page.locator(`[data-testid=accuracy-matrix][data-strategy=${strategy}] td[data-cell=pending]`)).toHaveCount(0);
  }

  // The summary: both strategies after all five tasks; Dynamic ConPET reports its logit cache.
  const table = page.getByTestId('continual-summary');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  for (const strategy of ['sequential', 'dynamic']) {
    const row = table.locator(`tr[data-strategy=${strategy}]`);
    await expect(row.locator('td[data-col=tasks]')).toHaveText('5 of 5');
    await expect(row.locator('td[data-col=whole]')).toHaveText(PERCENT);
    await expect(row.locator('td[data-col=average]')).toHaveText(PERCENT);
    // Each strategy's summary (continual-end) has arrived: its figures are final.
    await expect(row, `${strategy}: continual-end received`).toHaveAttribute('data-final', 'true');
  }
  await expect(table.locator('tr[data-strategy=dynamic] td[data-col=cache-hit-rate]')).toHaveText(PERCENT);
  await expect(table.locator('tr[data-strategy=sequential] td[data-col=cache-hit-rate]')).toHaveText('—');
  // Dynamic ConPET trains a module per task and a selector: more parameters than one module.
  const trainable = async (strategy: string) => Number(await table.locator(`tr[data-strategy=${strategy}] td[data-col=trainable]`).getAttribute('data-value'));
  expect(await trainable('dynamic')).toBeGreaterThan(await trainable('sequential'));
});

test('choosing a task stream in the editor: one PET method, the continual settings, cl.* keys in the link', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'tiny-vit', task: 'mnist-5shot', methods: 'head,lora' }));
  await expect(page.getByTestId('continual-settings')).toHaveCount(0);
  await page.getByLabel('Task and dataset').selectOption('split-mnist');

  // Two methods were ticked: the stream's default replaces them, and says so.
  await expect(page.getByTestId('task-switch-notice')).toContainText('Methods set to LoRA (r = 4)');
  await expect(page.locator('input[name=stream-method]:checked')).toHaveCount(1);
  await expect(page.locator('[data-method=lora] .method-title input[type=radio]')).toBeChecked();
  await expect(page.getByTestId('continual-settings')).toBeVisible();
  await expect(page.getByTestId('continual-view')).toBeVisible();
  await expect(page).toHaveURL(/&cl\.strategies=sequential,emr,static,dynamic&cl\.batches=40&/);

  // An edit of a continual setting reaches the link; a value the schema refuses does not.
  await page.getByLabel('Batches per task (the batch limit)').fill('7');
  await expect(page).toHaveURL(/&cl\.batches=7&/);
  await page.getByLabel('Batches per task (the batch limit)').fill('0');
  await expect(page.getByTestId('continual-settings').getByRole('alert')).toBeVisible();
  await expect(page).toHaveURL(/&cl\.batches=7&/);
  await page.getByTestId('strategy-choice').locator('[data-strategy=emr] input').uncheck();
  await expect(page).toHaveURL(/&cl\.strategies=sequential,static,dynamic&/);

  // Full fine-tuning cannot be a Dynamic ConPET task module: Run is blocked, with the reason.
  await page.locator('[data-method=full] .method-title input[type=radio]').check();
  await expect(page.getByRole('list', { name: 'Why Run is unavailable' })).toContainText('Dynamic ConPET');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();

  // Back to a task that is not a stream: the methods ticked before come back, no cl.* keys in the link.
  await page.getByLabel('Task and dataset').selectOption('mnist-5shot');
  await expect(page.getByTestId('continual-settings')).toHaveCount(0);
  await expect(page.locator('[data-method=head] .method-title input[type=checkbox]')).toBeChecked();
  await expect(page.locator('[data-method=lora] .method-title input[type=checkbox]')).toBeChecked();
  await expect(page).not.toHaveURL(/cl\./);
});
