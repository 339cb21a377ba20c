import { chromium } from '@playwright/test';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from '/work/main/e2e/chromium';
const [hash, out, run] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
await page.goto(`http://localhost:4390/#${hash}`);
await page.getByTestId('backend').filter({ hasNotText: 'starting backend' }).waitFor({ timeout: 90_000 });
if (run === 'run') {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForFunction(() => /^(done|error)$/.test(document.querySelector('[data-testid=run-status]')?.getAttribute('data-status') ?? ''), undefined, { timeout: 8 * 60_000, polling: 1000 });
}
await page.waitForTimeout(1000);
const panel = page.getByTestId('examples-panel');
if (await panel.count()) await panel.screenshot({ path: `${out}-examples.png` });
await page.locator('.setup').screenshot({ path: `${out}-setup.png` });
await page.screenshot({ path: `${out}-page.png`, fullPage: true });
await browser.close();
