import { expect, test, type Page } from '@playwright/test';
import { openApp, runToEnd } from './app';
import { startHubServer } from './hub-server';

/** Marks any script a link managed to run: a dialog, or a global set by injected markup. */
function watchForInjection(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return dialogs;
}

async function expectNothingInjected(page: Page, dialogs: string[]): Promise<void> {
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  await expect(page.locator('#root img, #root script, #root iframe, #root svg[onload]')).toHaveCount(0);
}

const SCRIPT = '<script>window.__pwned=1;alert(1)</script>';
const IMG = '<img src=x onerror="window.__pwned=1;alert(2)">';

test('malformed and hostile links give messages, inject nothing, and the app still trains', async ({ page }) => {
  const dialogs = watchForInjection(page);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const notices = page.getByTestId('link-notices');

  // Bad numbers, an unknown method, markup in values and keys, broken percent-encoding.
  const hostile = [
    'v=1&task=spam&methods=lora,evil',
    'batch=abc&seq=1e999&lr.lora=NaN&seed=0x10&warmup=-5',
    `task=${encodeURIComponent(SCRIPT)}`,
    `lora.alpha=${encodeURIComponent(IMG)}&${encodeURIComponent(IMG)}=1`,
    'lora.targets=q,zz&eval.every=%E0%A4%A',
    // Small enough to train in seconds: what is valid in a bad link is used.
    'steps=1&eval.batches=1&lora.r=2',
  ].join('&');
  await openApp(page, hostile);
  await expect(notices).toBeVisible();
  for (const key of ['evil', 'batch', 'seq', 'lr.lora', 'seed', 'warmup', 'task', 'lora.alpha', 'lora.targets', 'eval.every']) {
    await expect(notices, `a notice names ${key}`).toContainText(key);
  }
  // Markup from the link is shown as text, never parsed.
  await expect(notices).toContainText('<script>');
  await expect(notices).toContainText('<img');
  await expectNothingInjected(page, dialogs);

  // Defaults stand in for the bad values; the valid ones are kept.
  await expect(page.getByLabel('Task and dataset')).toHaveValue('spam');
  await expect(page.getByRole('checkbox', { name: 'LoRA', exact: true })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: 'Full fine-tuning', exact: true })).not.toBeChecked();
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('1');
  await expect(page.getByLabel('Batch size')).toHaveValue('8');
  await expect(page.getByLabel('Rank r', { exact: true })).toHaveValue('2');
  await expect(page.getByLabel('Alpha (update scaled by alpha / r)')).toHaveValue('16');

  // Notices can be dismissed one by one and all at once.
  const count = await notices.getByRole('listitem').count();
  await notices.getByRole('button', { name: 'Dismiss notice 1', exact: true }).click();
  await expect(notices.getByRole('listitem')).toHaveCount(count - 1);
  await notices.getByRole('button', { name: 'Dismiss all' }).click();
  await expect(notices).toHaveCount(0);

  // The app still works: the sanitised experiment trains.
  await runToEnd(page);
  await expect(page.getByTestId('summary-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('summary-table').locator('td[data-col=steps]')).toHaveText('1');
  await expectNothingInjected(page, dialogs);

  // 100 KB of junk: refused as too long, with a message; the default experiment is shown.
  await page.goto('about:blank');
  const junk = Array.from({ length: 100_000 }, (_, i) => 'a=&%<>"\'#;x'[i % 11]).join('');
  await openApp(page, junk);
  await expect(notices).toContainText('link refused');
  await expect(notices).toContainText('4096');
  expect(page.url().length).toBeLessThan(4096);
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  await expectNothingInjected(page, dialogs);
  expect(errors).toEqual([]);
});

/**
 * Percent-encoding that decodeURIComponent rejects, in the query and in the hash. In the query
 * it once blanked the page: importing tfjs parses the query (looking for ?tfjsflags=) and threw.
 * The page imports no tfjs now; the worker, which does, sees its own script URL (no query).
 */
test('malformed percent-encoding in the query or the hash: the app opens and trains, no page error', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const small = 'v=1&task=lm-spam&methods=lora&steps=1&batch=2&seq=16&eval.every=0&eval.batches=1&lora.r=2';
  const cases: Array<{ query: string; hash: string }> = [
    { query: '?x=%%%%', hash: '' },
    { query: '?tfjsflags=%&backend=%E0%A4%A', hash: '' },
    { query: '', hash: 'task=%%%%&%E0%A4%A=1&lora.r=%ZZ' },
    { query: '?%=%', hash: '%' },
  ];
  for (const { query, hash } of cases) {
    await page.goto('about:blank');
    await openApp(page, hash, query);
    await expect(page.getByRole('heading', { name: 'PEFT playground', level: 1 })).toBeVisible();
    await expect(page.getByTestId('page-error')).toHaveCount(0);
    await expect(page.getByTestId('backend')).not.toHaveText(/no backend/);
  }
  // The worker parsed no page query: its own location is its script's URL.
  const worker = page.workers().find((w) => w.url().includes('training-worker'));
  expect(worker, 'the training worker runs').toBeDefined();
  expect(await worker!.evaluate(() => self.location.search)).toBe('');

  // And it trains, opened on a malformed query.
  await page.goto('about:blank');
  await openApp(page, small, '?x=%%%%');
  await runToEnd(page);
  await expect(page.getByTestId('summary-table').locator('td[data-col=steps]')).toHaveText('1');
  expect(errors).toEqual([]);
});

test('the kernel lab and the benchmark page open on a malformed query too (they import tfjs: the query is re-escaped first)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('./lab.html?backend=cpu&x=%%%%');
  await expect(page.locator('#lab-status')).toHaveText(/backend: cpu/, { timeout: 90_000 });
  expect(new URL(page.url()).search).toBe('?backend=cpu&x=%25%25%25%25');
  await page.goto('./bench.html?x=%E0%A4%A');
  await expect(page.getByTestId('bench-backend')).toHaveText(/backend: /, { timeout: 90_000 });
  expect(new URL(page.url()).search).toBe('?x=%25E0%25A4%25A');
  expect(errors).toEqual([]);
});

test('whatever throws while the page renders, it shows a message and "Reset to defaults", not a blank page', async ({ page }) => {
  // A render-time failure injected from outside: formatting a count throws on this link only.
  await page.addInitScript(() => {
    if (!location.hash.includes('break-render')) return;
    Number.prototype.toLocaleString = function () {
      throw new Error('a render failure injected by the test <b>not markup</b>');
    };
  });
  await page.goto('./#break-render=1&task=spam');
  const fallback = page.getByTestId('page-error');
  await expect(fallback).toBeVisible();
  await expect(fallback).toContainText('a render failure injected by the test <b>not markup</b>');
  await expect(fallback.locator('b')).toHaveCount(0);
  await fallback.getByRole('link', { name: 'Reset to defaults' }).click();
  await expect(page.getByTestId('backend')).not.toHaveText(/starting backend/, { timeout: 90_000 });
  await expect(page.getByTestId('page-error')).toHaveCount(0);
  expect(new URL(page.url()).hash).toMatch(/^#v=1&model=tiny-gpt2&/);
});

/**
 * The sweep: links built to break the page, each opened fresh on the built app (the e2e server
 * is `vite preview` of the production build). None may blank the page, raise a page error, run
 * script, pollute Object.prototype, or make any request beyond this origin and the hub endpoint.
 */
test('a sweep of hostile links: no blank page, no page error, no script, no request to a third party', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  const thirdParty = await startHubServer({ repos: { 'someone/tiny': { 'config.json': '{"model_type":"gpt2"}' } } });
  try {
    const origin = new URL(page.url() === 'about:blank' ? test.info().project.use.baseURL! : page.url()).origin;
    const allowed = new Set([origin, 'https://huggingface.co']);
    const offsite: string[] = [];
    page.context().on('request', (request) => {
      const url = new URL(request.url());
      if ((url.protocol === 'http:' || url.protocol === 'https:') && !allowed.has(url.origin)) offsite.push(request.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`${page.url().slice(0, 120)}: ${error.message}`));
    const dialogs = watchForInjection(page);

    const remote = `${thirdParty.endpoint}/someone/tiny/resolve/main`;
    const junk = (n: number) => Array.from({ length: n }, (_, i) => 'a=&%<>"\'#;x%E0%zz'[i % 17]).join('');
    const e = encodeURIComponent;
    const links: string[] = [
      `#task=${SCRIPT}`,
      `#task=${e(SCRIPT)}&methods=${e(IMG)}`,
      `#lora.targets=${e(IMG)}&${e('<svg onload=alert(3)>')}=1`,
      `#model=javascript:alert(document.domain)`,
      `#model=${e('javascript:window.__pwned=1')}`,
      `#model=${e('data:text/html,<script>window.__pwned=1</script>')}`,
      `#model=${e('file:///etc/passwd')}`,
      `#model=${e(remote)}&task=lm-spam`,
      `#model=${e('https://user:secret@evil.example/x')}`,
      `#model=${e('https://evil.example/folder')}`,
      `#__proto__=1&constructor=2&prototype=3&__proto__.polluted=1&lora.__proto__=x&constructor.prototype.polluted=1`,
      `#methods=__proto__,constructor,toString&__proto__[polluted]=1&lr.__proto__=1`,
      `?__proto__=1&constructor.prototype.polluted=1&hub=${e('javascript:alert(1)')}#v=1`,
      `?hub=${e('data:text/html,x')}&backend=${e(SCRIPT)}#model=someone/tiny`,
      `?x=%%%%#%%%%`,
      `?%E0%A4%A=%#task=%E0%A4%A&lora.r=%`,
      `#${'%'.repeat(5000)}`,
      `#${junk(100_000)}`,
      // The server's request line is capped (Node: 16 KB of headers), so junk in the query stays below that.
      `?${junk(8_000)}#${junk(8_000)}`,
      `#nola.adapter=${'A'.repeat(3000)}&methods=nola`,
      `#v=999&seed=-1e309&steps=Infinity&batch=0x10&lr.lora=NaN`,
    ];
    for (const link of links) {
      await page.goto('about:blank');
      await page.goto(`./${link}`);
      const where = `opened ${link.slice(0, 80)}`;
      await expect(page.getByRole('heading', { name: 'PEFT playground', level: 1 }), where).toBeVisible();
      await expect(page.getByTestId('page-error'), where).toHaveCount(0);
      await expect(page.getByTestId('model-panel'), where).toBeVisible();
      // Let anything asynchronous (link parsing, shape reads, the worker's start) show itself.
      await page.waitForTimeout(300);
      await expectNothingInjected(page, dialogs);
      expect(await page.evaluate(() => Object.prototype.hasOwnProperty('polluted') || ({} as Record<string, unknown>).polluted !== undefined), where).toBe(false);
    }
    await page.waitForTimeout(1000);
    expect(errors).toEqual([]);
    expect(offsite).toEqual([]);
    expect(thirdParty.requests).toEqual([]);
  } finally {
    await thirdParty.close();
  }
});
