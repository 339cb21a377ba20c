import { test, expect, chromium, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from './chromium';
import { startHubServer, writeRandomGpt2Checkpoint, type HubFile, type HubServer, type RandomGpt2Files } from './hub-server';
import { linkHash, openApp, runToEnd, shrinkTraining } from './app';

/**
 * Checkpoints from "the hub": a local server plays huggingface.co (same URL layout, byte ranges,
 * CORS, and the ways it fails), the page is pointed at it with ?hub=. A GPT-2-small-sized random
 * checkpoint (≈ 500 MB) downloads with progress, is cached, and loads again offline.
 */

const tinyFile = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../public/models/tiny-gpt2/${name}`, import.meta.url)));
const TINY: Record<string, HubFile> = {
  'config.json': tinyFile('config.json'),
  'model.safetensors': tinyFile('model.safetensors'),
  'tokenizer.json': tinyFile('tokenizer.json'),
  'tokenizer_config.json': tinyFile('tokenizer_config.json'),
};
const BIG_REPO = 'test-org/gpt2-small-random';

let hub: HubServer;
let big: RandomGpt2Files;

test.beforeAll(async () => {
  big = writeRandomGpt2Checkpoint();
  const { 'model.safetensors': _weights, ...tinyWithoutWeights } = TINY;
  const { 'tokenizer.json': _tokenizer, ...tinyWithoutTokenizer } = TINY;
  const llamaConfig = JSON.stringify({ model_type: 'llama', hidden_size: 64, num_hidden_layers: 2 });
  hub = await startHubServer({
    repos: {
      [BIG_REPO]: big.files,
      'test-org/tiny': TINY,
      'test-org/tiny-cut': TINY,
      'test-org/private': TINY,
      'test-org/no-cors': TINY,
      'test-org/pickle': { ...tinyWithoutWeights, 'pytorch_model.bin': 'not really a pickle' },
      'test-org/llama': { ...TINY, 'config.json': llamaConfig },
      'test-org/no-tokenizer': tinyWithoutTokenizer,
    },
    behaviours: {
      'test-org/tiny-cut': { cutAfterBytes: 100_000, stallBeforeCutMs: 2000 },
      'test-org/private': { private: true },
      'test-org/no-cors': { noCors: true },
    },
  });
});

test.afterAll(async () => {
  await hub?.close();
  if (big) rmSync(big.dir, { recursive: true, force: true });
});

const hubQuery = () => `?hub=${encodeURIComponent(hub.endpoint)}`;
const weightGets = (repo: string) => hub.requests.filter((r) => r.method === 'GET' && r.path.includes(`/${repo}/`) && r.path.endsWith('/model.safetensors'));

/** Opens "Other checkpoints" (a click on an open one would close it) and shows `model`. */
async function showModel(page: Page, model: string): Promise<void> {
  await page.locator('details.other-checkpoints').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.getByTestId('model-ref-input').fill(model);
  await page.getByTestId('model-ref-show').click();
}

test('a GPT-2-small-sized checkpoint: shown before download, downloads with progress and cancel, caches, loads again offline', async ({}, testInfo) => {
  test.setTimeout(10 * 60_000);
  // A persistent profile: Cache Storage on disk with a real quota, as a user's browser has.
  const profile = mkdtempSync(join(tmpdir(), 'peft-hub-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_ARGS, headless: true, baseURL: testInfo.project.use.baseURL });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // A shared link naming the model on another host: nothing but metadata is fetched.
    const link = linkHash({ v: 1, model: BIG_REPO, task: 'lm-spam', methods: 'lora,prompt', batch: 8, seq: 128 });
    await openApp(page, link, hubQuery());
    const preview = page.getByTestId('model-preview');
    await expect(preview).toContainText(`${BIG_REPO} from ${new URL(hub.endpoint).host}`);
    await expect(preview).toContainText('124,439,808 parameters');
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    await expect(page.getByTestId('model-size')).toHaveText(mib(big.weightFileBytes));
    // The memory estimate per ticked method; GPT-2 small's LM logits at batch 8 × 128 tokens are 196 MiB.
    await expect(page.getByTestId('memory-estimate').locator('tbody tr')).toHaveCount(2);
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
    await expect(page.getByLabel('Why Run is unavailable')).toContainText('is not downloaded yet');
    expect(weightGets(BIG_REPO)).toHaveLength(0);
    // The shape and the preview card share one read of config.json.
    expect(hub.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/${BIG_REPO}/`) && r.path.endsWith('/config.json'))).toHaveLength(1);

    // Cancel mid-download: nothing is kept.
    await page.getByTestId('model-download').click();
    await expect(page.getByTestId('model-load-progress')).toContainText(new RegExp(`Downloading model\\.safetensors: [\\d.]+ [KMG]?i?B of ${mib(big.weightFileBytes)}`));
    await page.getByTestId('model-load-progress').getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('model-load-error')).toHaveText('Download cancelled; nothing was kept.');
    await expect(page.getByTestId('cached-models')).toHaveCount(0);

    // The whole download: progress with rate and time left, then the model is ready and cached.
    await page.getByTestId('model-download').click();
    await expect(page.getByTestId('model-load-progress')).toContainText(/MiB\/s · \d+ s left/);
    await expect(page.getByTestId('model-preview')).toHaveCount(0, { timeout: 5 * 60_000 });
    await expect(page.getByTestId('model-shape')).toContainText('GPT-2 · 12 layers · d=768');
    const cached = page.getByTestId('cached-models').locator(`li[data-model="${BIG_REPO}"]`);
    await expect(cached).toContainText(/\d+\.\d MiB/);
    await expect(page.getByText('is not downloaded yet')).toHaveCount(0);

    // A reload: the model is offered from the cache and loads without a single request.
    await page.reload();
    await expect(page.getByTestId('backend')).not.toHaveText(/starting backend/, { timeout: 90_000 });
    await expect(page.getByTestId('model-download')).toHaveText('Load from the cache (offline)');
    hub.requests.length = 0;
    await page.getByTestId('model-download').click();
    await expect(page.getByTestId('model-preview')).toHaveCount(0, { timeout: 3 * 60_000 });
    expect(hub.requests.filter((r) => r.path.includes(BIG_REPO))).toEqual([]);

    // Delete from the cache: the list empties.
    await page.locator('details.other-checkpoints').evaluate((details) => ((details as HTMLDetailsElement).open = true));
    await page.getByRole('button', { name: `Delete ${BIG_REPO} from the cache` }).click();
    await expect(page.getByTestId('cached-models')).toHaveCount(0);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('a hub checkpoint whose download is cut mid-file resumes with a range request, then trains', async ({ page }) => {
  await openApp(page, linkHash({ v: 1, model: 'test-org/tiny-cut', task: 'lm-spam', methods: 'lora' }), hubQuery());
  await page.getByTestId('model-download').click();
  await expect(page.getByTestId('model-preview')).toHaveCount(0, { timeout: 60_000 });
  const gets = weightGets('test-org/tiny-cut');
  // Resumed from where the cut left it, not from byte 0.
  expect(gets.map((g) => g.range)).toEqual([null, 'bytes=100000-']);
  await shrinkTraining(page);
  await runToEnd(page);
  await expect(page.getByTestId('summary-table')).toContainText('LoRA');
});

test('each failure a user meets says what is wrong, and keeps nothing', async ({ page }) => {
  const host = () => new URL(hub.endpoint).host;
  await openApp(page, '', hubQuery());
  const cases: Array<[string, RegExp]> = [
    ['test-org/missing', /repository or revision not found, or private/],
    ['test-org/private', /private or gated/],
    ['test-org/no-cors', /CORS/],
    ['test-org/llama', /llama.*(gpt2|supported)/i],
  ];
  for (const [model, message] of cases) {
    await showModel(page, model);
    await expect(page.getByTestId('model-preview-error')).toContainText(message);
    await page.getByTestId('model-ref-input').fill('');
  }
  // These read config.json fine and fail on the files after it.
  for (const [model, message] of [
    ['test-org/pickle', /pytorch_model\.bin.*refused: pickle files can execute code/],
    ['test-org/no-tokenizer', /tokenizer\.json: not found/],
  ] as const) {
    await showModel(page, model);
    await expect(page.getByTestId('model-preview')).toContainText(host());
    await page.getByTestId('model-download').click();
    await expect(page.getByTestId('model-load-error')).toContainText(message);
    await page.getByTestId('model-ref-input').fill('');
  }
  await expect(page.getByTestId('cached-models')).toHaveCount(0);
  // A malformed id never reaches the network.
  await page.getByTestId('model-ref-input').fill('not a repo!');
  await page.getByTestId('model-ref-show').click();
  await expect(page.getByRole('alert').filter({ hasText: 'valid Hugging Face repo id' })).toBeVisible();
});

test('a checkpoint from this computer: chosen files load, and so do files dropped on the Model panel', async ({ page }) => {
  await openApp(page);
  const dir = mkdtempSync(join(tmpdir(), 'peft-local-model-'));
  try {
    for (const [name, bytes] of Object.entries(TINY)) writeFileSync(join(dir, name), bytes as Uint8Array);
    await page.locator('details.other-checkpoints').evaluate((details) => ((details as HTMLDetailsElement).open = true));
    await page.getByTestId('model-files-input').setInputFiles(Object.keys(TINY).map((name) => join(dir, name)));
    await expect(page.getByLabel('Checkpoint', { exact: true })).toHaveValue('local:files', { timeout: 60_000 });
    await expect(page.getByTestId('model-shape')).toContainText('GPT-2 · 4 layers · d=128');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Dropped files without a tokenizer: a text model refuses them, naming the missing file.
  await page.getByLabel('Checkpoint', { exact: true }).selectOption('tiny-gpt2');
  const files = Object.fromEntries(Object.entries(TINY).filter(([name]) => name !== 'tokenizer.json').map(([name, bytes]) => [name, Buffer.from(bytes as Uint8Array).toString('base64')]));
  const transfer = await page.evaluateHandle((encoded) => {
    const dt = new DataTransfer();
    for (const [name, b64] of Object.entries(encoded)) dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
    return dt;
  }, files);
  await page.getByTestId('model-panel').dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByTestId('model-panel').getByRole('alert').filter({ hasText: 'tokenizer.json' })).toBeVisible({ timeout: 60_000 });
});
