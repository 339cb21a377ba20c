import { spawnSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { linkHash, lossSeries, openApp, runToEnd, TINY_LM } from './app';

/**
 * The same link trained twice: in the browser (the app's worker, WebGPU on SwiftShader) and by
 * the CLI on WebGPU in Node (Dawn, `--backend webgpu`). Every step's training loss agrees to
 * 1e-5 relative: the Node path the kernel tests and bench:gpu use is the browser's numerics.
 */
const SPEC = { ...TINY_LM, methods: 'lora', steps: 3 };

test('a LoRA run on Node WebGPU matches the browser step for step', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  const hash = linkHash(SPEC);
  await openApp(page, hash);
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await runToEnd(page);
  const series = await lossSeries(page);
  const label = Object.keys(series).find((k) => /train/i.test(k)) ?? Object.keys(series)[0];
  const browser = series[label].filter((p) => p.step >= 1);
  expect(browser.map((p) => p.step)).toEqual([1, 2, 3]);

  const cli = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'train', `#${hash}`, '--backend', 'webgpu'], { encoding: 'utf8', timeout: 5 * 60_000, maxBuffer: 64 * 2 ** 20 });
  expect(cli.status, cli.stderr.split('\n').filter((l) => l.startsWith('error')).join('\n')).toBe(0);
  const events = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: number; loss?: number; info?: { backend: string } });
  expect(events.find((e) => e.type === 'backend')?.info?.backend).toBe('webgpu');
  const node = events.filter((e) => e.type === 'step').map((e) => ({ step: e.step!, value: e.loss! }));
  expect(node.map((p) => p.step)).toEqual([1, 2, 3]);
  for (const [i, p] of browser.entries()) {
    expect(Math.abs(node[i].value - p.value) / Math.abs(p.value), `step ${p.step}: node ${node[i].value} vs browser ${p.value}`).toBeLessThanOrEqual(1e-5);
  }
});
