/**
 * `npm run bench:dept:browser [-- --no-build]`: the DePT vs PT benchmark of bench-dept.ts in
 * Chromium on WebGPU (SwiftShader here: WebGPU on the CPU; a real GPU on a user's machine),
 * driven through the kernel lab page. SwiftShader is ~25× slower than wasm, so the default model
 * is smaller than the wasm script's: BENCH_D (128), BENCH_LAYERS (2), BENCH_HEADS (4), batch
 * BENCH_BATCH (2), BENCH_STEPS (4) measured steps after 1 warm-up step. Set them higher on a
 * real GPU. Prints a Markdown table and writes bench/dept-webgpu.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from '../src/lab/main';
import { openLabPage, ROOT, withServedBrowser } from './browser-session';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const options = {
  size: { hidden: env('BENCH_D', 128), layers: env('BENCH_LAYERS', 2), heads: env('BENCH_HEADS', 4), positions: 512 },
  inputLengths: [128, 256],
  batch: env('BENCH_BATCH', 2),
  warmupSteps: 1,
  measuredSteps: env('BENCH_STEPS', 4),
  inferRounds: env('BENCH_INFER_ROUNDS', 2),
};

const started = performance.now();
const result = await withServedBrowser({ port: 4183, build: !process.argv.includes('--no-build') }, async (session) => {
  const { page, backend, adapter } = await openLabPage(session);
  if (backend !== 'webgpu') throw new Error(`the lab page started on ${backend}, not webgpu`);
  page.on('console', (message) => console.error(`[page] ${message.text()}`));
  const bench = await page.evaluate((o) => (window as unknown as { lab: Lab }).lab.dept.benchmark(o), options);
  return { backend, adapter, ...bench };
});
const header =
  `${result.source} (${(result.totalParams / 1e6).toFixed(2)}M params, vocab 2048) · task lm-spam · batch ${options.batch} · ` +
  `${options.warmupSteps} warm-up + ${options.measuredSteps} measured steps · ${result.backend} (${result.adapter}) · Chromium · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`;
console.log(`${header}\n`);
console.log(result.table);
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
await mkdir(path.join(ROOT, 'bench'), { recursive: true });
await writeFile(
  path.join(ROOT, 'bench', 'dept-webgpu.json'),
  JSON.stringify({ date: new Date().toISOString(), header, backend: result.backend, adapter: result.adapter, options, rows: result.rows }, null, 2) + '\n',
);
