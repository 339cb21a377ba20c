/**
 * Regenerates docs/screenshot.png (`npm run screenshot [-- --steps N] [-- --no-build]`): builds
 * the app, serves it with `vite preview`, trains a small full FT vs prompt tuning vs LoRA
 * comparison in Debian's Chromium on WebGPU, and captures the page when the run has finished.
 * On SwiftShader (WebGPU on the CPU) the default 8 steps take about five minutes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from '../e2e/chromium';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs', 'screenshot.png');
const PORT = 4174;
const args = process.argv.slice(2);
const stepsArg = args.indexOf('--steps');
const STEPS = stepsArg >= 0 ? Number(args[stepsArg + 1]) : 8;
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error('--steps needs a whole number ≥ 1');

// The experiment shown: e-mail language modelling, where all three methods visibly learn.
const HASH = [
  'v=1&model=tiny-gpt2&task=lm-spam&methods=full,prompt,lora',
  `steps=${STEPS}&batch=4&seq=32&seed=42&sched=constant&warmup=0`,
  `eval.every=${Math.max(1, Math.floor(STEPS / 4))}&eval.batches=2`,
].join('&');

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  if (!args.includes('--no-build')) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  // Vite's own entry under node (not through npx), so that kill() stops the server itself.
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const server = spawn(process.execPath, [vite, 'preview', '--port', String(PORT), '--strictPort'], { cwd: ROOT, stdio: 'ignore' });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_ARGS, headless: true });
  try {
    const base = `http://localhost:${PORT}/`;
    await waitForServer(base, 30_000);
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
    // Down to the end of the results column (run controls, charts, summary table): the part
    // worth showing; the settings column is cut where the results end.
    const results = await page.locator('#results').boundingBox();
    if (!results) throw new Error('no #results element to frame');
    const height = Math.ceil(results.y + results.height + 16);
    await page.setViewportSize({ width: 1360, height });
    await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width: 1360, height } });
    console.log(`wrote ${path.relative(ROOT, OUT)} (${Math.round((await stat(OUT)).size / 1024)} KiB)`);
  } finally {
    await browser.close();
    server.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
