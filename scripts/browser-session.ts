/**
 * What the browser-driven scripts share (screenshot, WebGPU benchmarks): build the app, serve it
 * with `vite preview`, and open Debian's Chromium with WebGPU (SwiftShader here, the real GPU on
 * a user's machine).
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from '../e2e/chromium';
import type { Lab } from '../src/lab/main';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

export interface BrowserSession {
  browser: Browser;
  /** The served app's base URL, ending in "/". */
  base: string;
}

/** Builds (unless `build` is false), serves on `port`, runs `work`, then closes everything. */
export async function withServedBrowser<T>(options: { port: number; build?: boolean; outDir?: string }, work: (session: BrowserSession) => Promise<T>): Promise<T> {
  // Vite's own entry under node (not through npx), so that kill() stops the server itself.
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  // Each script builds into its own folder, so it never serves (or clobbers) another's build.
  const outDir = options.outDir ?? `dist-script-${options.port}`;
  if (options.build !== false) {
    const build = spawnSync(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('vite build failed');
  }
  const server = spawn(process.execPath, [vite, 'preview', '--outDir', outDir, '--port', String(options.port), '--strictPort'], { cwd: ROOT, stdio: 'ignore' });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_ARGS, headless: true });
  try {
    const base = `http://localhost:${options.port}/`;
    await waitForServer(base, 30_000);
    return await work({ browser, base });
  } finally {
    await browser.close();
    server.kill();
  }
}

/** Opens lab.html (optionally `?backend=…`) and returns the page once its backend is up. */
export async function openLabPage(session: BrowserSession, query = ''): Promise<{ page: Page; backend: string; adapter: string }> {
  const page = await session.browser.newPage();
  page.setDefaultTimeout(0);
  await page.goto(`${session.base}lab.html${query}`);
  const info = await page.evaluate(async () => {
    const ready = await (window as unknown as { lab: Lab }).lab.ready;
    return { backend: ready.backend, adapter: ready.adapter };
  });
  return { page, ...info };
}
