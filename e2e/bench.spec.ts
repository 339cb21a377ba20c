import { expect, test, type Page } from '@playwright/test';
import { parseBenchResults, type BenchResults } from '../src/engine/bench/results';
import { METHOD_NAMES } from '../src/engine/methods/registry';

/**
 * The /bench page runs the benchmark suite in the browser and its result travels as a link.
 * The suite's `ci` mode (the smallest complete suite) runs here: `quick` takes longer than a
 * test should on SwiftShader's two CPU cores. No timing assertions: only completeness and the
 * schema.
 */

async function openBench(page: Page, hash = ''): Promise<void> {
  await page.goto(`./bench.html${hash}`);
  await expect(page.getByTestId('bench-backend')).not.toHaveText(/starting backend/, { timeout: 90_000 });
}

async function deflateBase64Url(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return Buffer.from(await new Response(stream).arrayBuffer()).toString('base64url');
}

test('the ci suite runs in the browser, gives schema-valid complete results, and its result link replays them', async ({ page, context }) => {
  test.setTimeout(12 * 60_000);
  await openBench(page);
  await expect(page.getByTestId('bench-backend')).toHaveText(/backend: webgpu/);
  await page.getByTestId('bench-mode-ci').check();
  await page.getByTestId('bench-run').click();
  await expect(page.getByTestId('bench-progress')).toBeVisible();
  await page.waitForFunction(() => window.benchResults !== undefined || document.querySelector('[data-testid="bench-error"]') !== null, undefined, { timeout: 10 * 60_000, polling: 1000 });
  await expect(page.getByTestId('bench-error')).toHaveCount(0);

  const results: BenchResults = parseBenchResults(await page.evaluate(() => window.benchResults));
  expect(results.mode).toBe('ci');
  expect(results.backend).toBe('webgpu');
  // One row per registered method on tiny-gpt2, each with a final validation accuracy.
  expect(results.rows.map((r) => r.method).sort()).toEqual([...METHOD_NAMES].sort());
  for (const row of results.rows) {
    expect(row.model).toBe('tiny-gpt2');
    expect(row.trainableParams).toBeGreaterThan(0);
    expect(row.finalAccuracy).not.toBeNull();
    expect(row.peakGpuBytes).toBeGreaterThan(0);
  }
  // Every paired ratio the issue names, all measured on WebGPU (nothing skipped).
  expect(results.ratios.map((r) => r.id).sort()).toEqual(
    ['apt/deep-prompt:flops', 'apt/deep-prompt:time', 'apt:fused/twin', 'dept/prompt:memory', 'dept/prompt:time', 'nola/lora:params', 'nola/lora:stored', 'nola/lora:time', 'nola:fused/twin'].sort(),
  );
  expect(results.skipped).toEqual([]);
  for (const ratio of results.ratios) {
    expect(ratio.value.min).toBeLessThanOrEqual(ratio.value.median);
    expect(ratio.value.median).toBeLessThanOrEqual(ratio.value.max);
    expect(ratio.value.min).toBeGreaterThan(0);
  }
  // The page shows one table line per row and per ratio.
  await expect(page.getByTestId('bench-table').locator('tbody tr')).toHaveCount(results.rows.length);
  await expect(page.getByTestId('bench-ratios').locator('tbody tr')).toHaveCount(results.ratios.length);

  // The result link opens the same result elsewhere without running anything.
  await page.getByTestId('bench-copy-link').click();
  const link = await page.getByTestId('bench-link').inputValue();
  expect(link).toMatch(/bench\.html#result=[A-Za-z0-9_-]+$/);
  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId('bench-from-link')).toBeVisible();
  await expect(other.getByTestId('bench-progress')).toHaveCount(0);
  await expect(other.getByTestId('bench-table').locator('tbody tr')).toHaveCount(results.rows.length);
  expect(await other.evaluate(() => window.benchResults)).toEqual(results);
});

test('a corrupted result link shows an error that names what is wrong, and no table', async ({ page }) => {
  await openBench(page, '#result=AbC!dEf');
  await expect(page.getByTestId('bench-error')).toHaveText(/result link: character 4 \("!"\) is not base64url/);
  await expect(page.getByTestId('bench-table')).toHaveCount(0);

  // Well-formed compression, but a field the schema refuses.
  const tampered = await deflateBase64Url(JSON.stringify({ version: 1, mode: 'quick', rows: 'none' }));
  await openBench(page, `#result=${tampered}`);
  await expect(page.getByTestId('bench-error')).toHaveText(/result link: field "[a-z.0-9]+"/);
  await expect(page.getByTestId('bench-table')).toHaveCount(0);
  expect(await page.evaluate(() => window.benchResults)).toBeUndefined();
});
