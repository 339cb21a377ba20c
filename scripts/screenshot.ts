/**
 * Regenerates docs/screenshot.png (`npm run screenshot [-- --steps N] [-- --no-build]`; `-- --vit`: docs/screenshot-vit.png): builds
 * the app, serves it with `vite preview`, trains a small full FT vs prompt tuning vs LoRA
 * comparison in Debian's Chromium on WebGPU, and captures the page when the run has finished.
 * On SwiftShader (WebGPU on the CPU) the default 8 steps take about five minutes.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, withServedBrowser } from './browser-session';

// --vit: docs/screenshot-vit.png, the examples panel after a tiny-vit few-shot run.
const VIT = process.argv.includes('--vit');
const OUT = path.join(ROOT, 'docs', VIT ? 'screenshot-vit.png' : 'screenshot.png');
const PORT = 4174;
const args = process.argv.slice(2);
const stepsArg = args.indexOf('--steps');
const STEPS = stepsArg >= 0 ? Number(args[stepsArg + 1]) : 8;
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error('--steps needs a whole number ≥ 1');

// The experiment shown: e-mail language modelling, where all three methods visibly learn.
const LM_HASH = [
  'v=1&model=tiny-gpt2&task=lm-spam&methods=full,prompt,lora',
  `steps=${STEPS}&batch=4&seq=32&seed=42&sched=constant&warmup=0`,
  `eval.every=${Math.max(1, Math.floor(STEPS / 4))}&eval.batches=2`,
].join('&');
const VIT_HASH = `v=1&model=tiny-vit&task=mnist-5shot&methods=full,lora&steps=${STEPS}&batch=8&seed=3&sched=constant&warmup=0&eval.every=${STEPS}`;
const HASH = VIT ? VIT_HASH : LM_HASH;

async function main(): Promise<void> {
  await withServedBrowser({ port: PORT, build: !args.includes('--no-build') }, async ({ browser, base }) => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${base}#${HASH}`);
    const backend = page.getByTestId('backend');
    await backend.filter({ hasNotText: 'starting backend' }).waitFor({ timeout: 90_000 });
    console.log(`backend: ${await backend.textContent()}`);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const status = page.getByTestId('run-status');
    await page.waitForFunction(
      () => /^(done|error)$/.test(document.querySelector('[data-testid=run-status]')?.getAttribute('data-status') ?? ''),
      undefined,
      { timeout: 30 * 60_000, polling: 1000 },
    );
    if ((await status.getAttribute('data-status')) !== 'done') throw new Error(`the run failed: ${await status.textContent()}`);
    // Park the pointer and focus away from the controls so no hover or focus ring is captured.
    await page.mouse.move(0, 0);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await mkdir(path.dirname(OUT), { recursive: true });
    // The page as laid out (results column beside the settings), down to the end of the results
    // column (run controls, charts, summary table): that column is sticky and scrolls on its
    // own, so the window is made tall enough for all of it; the settings are cut where it ends.
    if (VIT) {
      await page.getByTestId('examples-panel').screenshot({ path: OUT });
      console.log(`wrote ${path.relative(ROOT, OUT)} (${Math.round((await stat(OUT)).size / 1024)} KiB)`);
      return;
    }
    const results = page.locator('#results');
    const height = Math.ceil(await results.evaluate((el) => el.getBoundingClientRect().top + window.scrollY + el.scrollHeight + 16));
    await page.setViewportSize({ width: 1360, height });
    await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width: 1360, height } });
    console.log(`wrote ${path.relative(ROOT, OUT)} (${Math.round((await stat(OUT)).size / 1024)} KiB)`);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
