import { defineConfig } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from './e2e/chromium';

/**
 * End-to-end tests in Debian's Chromium (never a downloaded browser: `npx playwright install`
 * cannot reach its CDN here). Its WebGPU adapter is SwiftShader — Vulkan on the CPU, about
 * 0.5 GFLOP/s on two cores — so specs train tiny experiments and timeouts are generous.
 */

// Overridable so that two checkouts' (or two people's) e2e runs on one machine do not share a
// port or a build folder: E2E_PORT=4175 E2E_OUT_DIR=dist-e2e-nola npx playwright test …
const PORT = Number(process.env.E2E_PORT ?? 4173);
const OUT_DIR = process.env.E2E_OUT_DIR ?? 'dist';

export default defineConfig({
  testDir: 'e2e',
  // One browser at a time: two would share two CPU cores and both crawl.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 8 * 60_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  // Per build folder, so parallel runs do not delete each other's traces.
  outputDir: process.env.E2E_OUT_DIR ? `test-results-${process.env.E2E_OUT_DIR}` : 'test-results',
  use: {
    baseURL: `http://localhost:${PORT}/`,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      // WebGPU on: the adapter is SwiftShader.
      name: 'webgpu',
      testIgnore: /no-webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_WEBGPU_ARGS } },
    },
    {
      // The same browser without --enable-unsafe-webgpu: navigator.gpu exists but offers no
      // adapter, as on a machine without WebGPU support, so the app must fall back.
      name: 'no-webgpu',
      testMatch: /no-webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_BASE_ARGS } },
    },
  ],
  webServer: {
    command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/`,
    // Always a fresh build: a stale preview left running would test old code. (Type errors are
    // `npm run typecheck`'s job, which `npm test` runs first.)
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
