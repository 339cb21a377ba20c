import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startHubServer, type HubFile, type HubServer } from './hub-server';
import { linkHash, openApp } from './app';

/**
 * A link naming a checkpoint URL on another host contacts that host only after the reader
 * agrees. Before the first click the page may reach its own origin and the hub endpoint (here
 * huggingface.co, unreachable and unused); "the third party" is a second local server, on
 * 127.0.0.1 while the app is served from localhost, so it is another origin.
 */

const tinyFile = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../public/models/tiny-gpt2/${name}`, import.meta.url)));
const TINY: Record<string, HubFile> = {
  'config.json': tinyFile('config.json'),
  'model.safetensors': tinyFile('model.safetensors'),
  'tokenizer.json': tinyFile('tokenizer.json'),
  'tokenizer_config.json': tinyFile('tokenizer_config.json'),
};

let thirdParty: HubServer;
test.beforeAll(async () => {
  thirdParty = await startHubServer({ repos: { 'someone/tiny': TINY } });
});
test.afterAll(async () => {
  await thirdParty?.close();
});

const folderUrl = () => `${thirdParty.endpoint}/someone/tiny/resolve/main`;
const thirdPartyHost = () => new URL(thirdParty.endpoint).host;

/** Every request the browser makes to the third party, as the browser saw it (page and workers). */
function watchRequests(page: Page): string[] {
  const seen: string[] = [];
  page.context().on('request', (request) => {
    if (new URL(request.url()).host === thirdPartyHost()) seen.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  return seen;
}

test('a link to a model on another host fetches nothing from it until "Fetch details", then shows the preview', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const browserSaw = watchRequests(page);
  thirdParty.requests.length = 0;

  await openApp(page, linkHash({ v: 1, model: folderUrl(), task: 'lm-spam', methods: 'lora,prompt' }));
  const consent = page.getByTestId('model-consent');
  await expect(consent).toBeVisible();
  await expect(page.getByTestId('model-consent-host')).toHaveText(thirdPartyHost());
  const fetchDetails = page.getByRole('button', { name: `Fetch details from ${thirdPartyHost()}` });
  await expect(fetchDetails).toBeEnabled();
  await expect(page.getByTestId('model-shape')).toContainText(`its details are on ${thirdPartyHost()}`);
  await expect(page.getByTestId('trainable-lora')).toContainText(`unknown until the model’s details are fetched from ${thirdPartyHost()}`);
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
  // Time for anything that would fetch on its own (previews, shapes, the worker) to have done so.
  await page.waitForTimeout(2000);
  expect(browserSaw).toEqual([]);
  expect(thirdParty.requests).toEqual([]);

  // The click: config.json and the weights' size, nothing more.
  await fetchDetails.click();
  const preview = page.getByTestId('model-preview');
  await expect(preview).toContainText(`from ${thirdPartyHost()}: GPT-2`);
  await expect(preview).toContainText('parameters');
  await expect(page.getByTestId('model-size')).toHaveText(/\d+(\.\d)? [KM]iB/);
  await expect(page.getByTestId('trainable-lora')).toContainText(/Trainable params: [\d,]+/);
  await expect(page.getByTestId('model-consent')).toHaveCount(0);
  const fetched = thirdParty.requests.map((r) => `${r.method} ${r.path.split('/').pop()}`);
  expect(fetched).toContain('GET config.json');
  expect(fetched).not.toContain('GET model.safetensors');
  expect(browserSaw.length).toBeGreaterThan(0);

  // The download is a second, separate click; the model then trains like any other.
  await page.getByTestId('model-download').click();
  await expect(page.getByTestId('model-preview')).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('model-shape')).toContainText('GPT-2 · 4 layers · d=128');
  expect(thirdParty.requests.some((r) => r.method === 'GET' && r.path.endsWith('/model.safetensors'))).toBe(true);
  expect(errors).toEqual([]);
});

test('a model URL the reader types and shows is read at once: typing it was the consent', async ({ page }) => {
  await openApp(page);
  thirdParty.requests.length = 0;
  await page.locator('details.other-checkpoints').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.getByTestId('model-ref-input').fill(folderUrl());
  await page.getByTestId('model-ref-show').click();
  await expect(page.getByTestId('model-preview')).toContainText(`from ${thirdPartyHost()}: GPT-2`);
  await expect(page.getByTestId('model-consent')).toHaveCount(0);
  expect(thirdParty.requests.some((r) => r.path.endsWith('/config.json'))).toBe(true);
});
