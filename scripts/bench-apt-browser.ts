/**
 * `npm run bench:apt:browser`: APT against deep prompt in Chromium on WebGPU (SwiftShader here:
 * a CPU, ≈ 0.5 GFLOP/s, so the shapes are small and the ratios are what carries over), through
 * the kernel lab (lab.html, window.lab.apt) served on port 4182:
 * - training step time and step peak GPU bytes at p ∈ {50, 200}, APT with the fused WGSL
 *   aggregation and with the plain-tfjs twin, each against deep prompt, alternating step by step;
 * - the aggregation op alone, forward + backward, fused vs twin;
 * - the analytic extra-FLOPs table (as bench:apt).
 * Env: BENCH_BATCH (2), BENCH_SEQ (64), BENCH_STEPS (3), BENCH_WARMUP (1), BENCH_PORT (4182).
 * Prints Markdown tables and writes bench/apt-browser.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openLabPage, ROOT, withServedBrowser } from './browser-session';
import type { AptKernelTiming, AptTrainingBenchRow } from '../src/lab/apt';
import type { Lab } from '../src/lab/main';
import { flopRows, flopTable, kernelTable, trainingTable } from './bench-apt-tables';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BATCH = env('BENCH_BATCH', 2);
const SEQ = env('BENCH_SEQ', 64);
const STEPS = env('BENCH_STEPS', 3);
const WARMUP = env('BENCH_WARMUP', 1);
const PORT = env('BENCH_PORT', 4182);
const KERNEL_SHAPES: Array<[number, number, number]> = [
  [128, 50, 128],
  [128, 200, 128],
  [512, 200, 128],
  [512, 256, 768],
];

const started = performance.now();
const result = await withServedBrowser({ port: PORT }, async (session) => {
  const { page, backend, adapter } = await openLabPage(session);
  if (backend !== 'webgpu') throw new Error(`the lab started on ${backend}, not webgpu`);
  const training: AptTrainingBenchRow[] = [];
  for (const p of [50, 200]) {
    for (const implementation of ['fused', 'twin'] as const) {
      const rows = await page.evaluate(
        async (o) => (window as unknown as { lab: Lab }).lab.apt.benchTraining(o),
        { p, seqLen: SEQ, batchSize: BATCH, warmupSteps: WARMUP, steps: STEPS, implementation },
      );
      // Each session alternates deep prompt and APT; ratios compare within a session.
      training.push(...rows);
      console.error(`p=${p} ${implementation} done after ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  const kernel: AptKernelTiming[] = [];
  for (const [n, p, d] of KERNEL_SHAPES) {
    kernel.push(...(await page.evaluate(async ([nn, pp, dd]) => (window as unknown as { lab: Lab }).lab.apt.benchKernel(nn, pp, dd, 3), [n, p, d] as const)));
    console.error(`kernel ${n}×${p}×${d} done after ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return { backend, adapter, training, kernel };
});
const flops = flopRows();
const header = `Chromium WebGPU (${result.adapter}) · random GPT-2 with tiny-gpt2's shape (d=128, 4 layers) · seqLen ${SEQ} · batch ${BATCH} · ${WARMUP} warm-up + ${STEPS} measured steps`;
console.log(`${header}\n\n### Training step\n\n${trainingTable(result.training)}\n\n### Aggregation op alone, forward + backward\n\n${kernelTable(result.kernel)}\n\n### Analytic extra forward FLOPs over the frozen model\n\n${flopTable(flops)}`);
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
await mkdir(path.join(ROOT, 'bench'), { recursive: true });
await writeFile(path.join(ROOT, 'bench', 'apt-browser.json'), JSON.stringify({ date: new Date().toISOString(), header, seqLen: SEQ, batch: BATCH, ...result, flops }, null, 2) + '\n');
process.exit(0);
