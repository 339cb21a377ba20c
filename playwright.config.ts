import { defineConfig } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH, CHROMIUM_WEBGPU_ARGS } from './e2e/chromium';

/**
 * End-to-end tests in Debian's Chromium (never a downloaded browser: `npx playwright install`
 * cannot reach its CDN here). Its WebGPU adapter is SwiftShader — Vulkan on the CPU, about
 * 0.5 GFLOP/s on two cores — so specs train tiny experiments and timeouts are generous.
 */

const PORT = 4173;

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
    command: `npm run build && npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/`,
    // Always a fresh build: a stale preview left running would test old code.
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
