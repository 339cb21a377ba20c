import { expect, test } from '@playwright/test';
import { TINY_LM, linkHash, lossSeries, openApp, runToEnd } from './app';

/**
 * A trained NOLA adapter travels inside the share link: train a few steps in the app, put the
 * adapter in the link (with steps = 0), open that link in a fresh page and run it — it only
 * evaluates, and that evaluation is the trained model's. QAT at 4 bits, so the link's 4-bit
 * coefficients are exactly those the trained forward used.
 */
test('a trained NOLA adapter in the link: the opened link evaluates as the trained model at step 0', async ({ page, browser }) => {
  test.setTimeout(8 * 60_000);
  const settings = { ...TINY_LM, methods: 'nola', steps: 3, 'eval.every': 3, 'lr.nola': 0.1, 'nola.quantBits': 4 };
  await openApp(page, linkHash(settings));
  await runToEnd(page);
  const trained = (await lossSeries(page))['NOLA · validation'];
  expect(trained.map((p) => p.step)).toEqual([0, 3]);
  expect(trained[1].value).toBeLessThan(trained[0].value);

  // 4 layers × q, v × (4 + 50 bytes) × 2 + 32 bytes of header and checksum.
  await expect(page.locator('tr[data-method=nola] td[data-col=link]')).toHaveAttribute('data-value', '896');
  // The downloaded file keeps float32 coefficients and the config: larger than the link's 4-bit form.
  expect(Number(await page.locator('tr[data-method=nola] td[data-col=stored]').getAttribute('data-value'))).toBeGreaterThan(4 * 1600);
  await page.getByTestId('nola-adapter-link').click();
  await expect(page).toHaveURL(/nola\.adapter=[A-Za-z0-9_-]{1195}(&|$)/);
  // The shared experiment trains nothing: Run evaluates the trained model.
  await expect(page).toHaveURL(/[#&]steps=0&/);
  const link = page.url();

  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const fresh = await context.newPage();
    await fresh.goto(link);
    await expect(fresh.getByTestId('backend')).not.toHaveText(/starting backend/, { timeout: 90_000 });
    await expect(fresh.getByTestId('link-notices')).toHaveCount(0);
    await runToEnd(fresh);
    const opened = (await lossSeries(fresh))['NOLA · validation'];
    expect(opened.map((p) => p.step)).toEqual([0]);
    expect(Math.abs(opened[0].value - trained[1].value)).toBeLessThan(1e-4 * trained[1].value);
    expect(opened[0].value).toBeLessThan(trained[0].value);
  } finally {
    await context.close();
  }
});
