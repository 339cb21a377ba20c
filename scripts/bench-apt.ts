/**
 * `npm run bench:apt`: APT (low-rank, r = 4) against deep prompt tuning at p ∈ {50, 200}, tfjs
 * wasm backend in Node (APT's aggregation runs as the plain-tfjs twin here; the fused WGSL
 * kernel is measured by `npm run bench:apt:browser`).
 *
 * Model: a random GPT-2 with tiny-gpt2's shape (d=128, 4 layers, 4 heads, vocab 2048, 128
 * positions; timing does not depend on the weights). Deep prompts take no positions, so
 * seqLen 64 + p = 200 fits. Per p: training-step time (median after warm-up; the two methods
 * alternate step by step on identical batches), the bytes one step allocates at its peak over
 * what was allocated before it, and the analytic extra forward FLOPs over the frozen model.
 * Plus the analytic FLOPs table on larger shapes (GPT-2 small, a ViLT-like encoder) against
 * the paper's bar (APT removes 62–92% of deep prompts' extra computation).
 * Env: BENCH_BATCH (8), BENCH_SEQ (64), BENCH_STEPS (6), BENCH_WARMUP (2).
 * Prints Markdown tables and writes bench/apt.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initNodeBackend, REPO_ROOT } from '../src/cli/node-env';
import { aptLab, type AptTrainingBenchRow } from '../src/lab/apt';
import { flopRows, flopTable, kernelTable, trainingTable } from './bench-apt-tables';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BATCH = env('BENCH_BATCH', 8);
const SEQ = env('BENCH_SEQ', 64);
const STEPS = env('BENCH_STEPS', 6);
const WARMUP = env('BENCH_WARMUP', 2);

const started = performance.now();
const loadBefore = os.loadavg();
const backend = await initNodeBackend();
const training: AptTrainingBenchRow[] = [];
for (const p of [50, 200]) {
  training.push(...(await aptLab.benchTraining({ p, seqLen: SEQ, batchSize: BATCH, warmupSteps: WARMUP, steps: STEPS })));
  console.error(`p=${p} done after ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const kernel = [...(await aptLab.benchKernel(512, 200, 128, 5)), ...(await aptLab.benchKernel(512, 256, 768, 3))];
const flops = flopRows();
const loadAfter = os.loadavg();
const header =
  `random GPT-2 with tiny-gpt2's shape (d=128, 4 layers) · seqLen ${SEQ} · batch ${BATCH} · ${WARMUP} warm-up + ${STEPS} measured steps · ` +
  `${backend.backend} (${backend.adapter}) · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · load average ${loadBefore[0].toFixed(2)} → ${loadAfter[0].toFixed(2)} (shared machine)`;
console.log(`${header}\n\n### Training step\n\n${trainingTable(training)}\n\n### Aggregation op alone (twin on wasm)\n\n${kernelTable(kernel)}\n\n### Analytic extra forward FLOPs over the frozen model\n\n${flopTable(flops)}`);
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
await mkdir(path.join(REPO_ROOT, 'bench'), { recursive: true });
await writeFile(
  path.join(REPO_ROOT, 'bench', 'apt.json'),
  JSON.stringify({ date: new Date().toISOString(), header, seqLen: SEQ, batch: BATCH, backend, loadAverage: { before: loadBefore, after: loadAfter }, training, kernel, flops }, null, 2) + '\n',
);
process.exit(0);
