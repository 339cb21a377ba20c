/**
 * `npm run bench:nola`: NOLA on the tfjs wasm backend in Node (the CLI's backend; WebGPU numbers
 * come from `npm run bench:nola:browser`).
 *
 * 1. The plain-tfjs twin (materialised basis, the only path off WebGPU) at GPT-2 small's
 *    768×768, r = 8, k = l = 1000: forward + backward of A and B of one target (median of
 *    BENCH_ITER, after a warm-up that materialises the basis), and the bytes the basis holds.
 * 2. Training-step time on a GPT-2 of tiny-gpt2's shape (d = 128, 4 layers; random weights, the
 *    time does not depend on them), targets q and v, batch BENCH_BATCH (8) × BENCH_SEQ (64):
 *    NOLA (defaults: k = l = 100, r = 8) per-layer and shared bases, LoRA r = 1 and r = 4. The sessions
 *    alternate step by step (A, B, C, D, A, …) so each sees the same machine load; BENCH_STEPS
 *    measured steps (8) after 2 warm-up steps.
 *
 * Prints a Markdown table and writes bench/nola.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initNodeBackend, REPO_ROOT } from '../src/cli/node-env';
import { nolaLab, type TrainingBenchOptions } from '../src/lab/nola';
import { stat, type Stat } from '../src/engine/bench/stats';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ITER = env('BENCH_ITER', 5);
const STEPS = env('BENCH_STEPS', 8);
const BATCH = env('BENCH_BATCH', 8);
const SEQ = env('BENCH_SEQ', 64);

const fmt = (s: Stat) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

async function main(): Promise<void> {
  const backend = await initNodeBackend();
  console.log(`backend: ${backend.backend} (${backend.adapter})`);

  const shape = { m: 768, n: 768, r: 8, k: 1000, l: 1000, seed: 42 };
  const twin = await nolaLab.benchCombine(shape, 'twin', ITER);
  console.log('\n### Twin (materialised basis), one 768×768 target, r = 8, k = l = 1000, forward + backward of A and B\n');
  console.log('| implementation | ms per fwd+bwd, median (min–max) | basis bytes held | step peak bytes |');
  console.log('|---|---|---|---|');
  console.log(`| twin (wasm) | ${fmt(stat(twin.msAll))} | ${twin.persistentBytes.toLocaleString('en')} | ${twin.stepPeakBytes.toLocaleString('en')} |`);

  const configs: Array<{ name: string; options: TrainingBenchOptions }> = [
    { name: 'NOLA k=l=100 r=8, per-layer bases', options: { method: 'nola', nola: { shared: false }, batchSize: BATCH, seqLen: SEQ } },
    { name: 'NOLA k=l=100 r=8, shared bases', options: { method: 'nola', nola: { shared: true }, batchSize: BATCH, seqLen: SEQ } },
    { name: 'LoRA r=1', options: { method: 'lora', loraR: 1, batchSize: BATCH, seqLen: SEQ } },
    { name: 'LoRA r=4', options: { method: 'lora', loraR: 4, batchSize: BATCH, seqLen: SEQ } },
  ];
  const opened = configs.map((c, i) => ({ ...c, id: `s${i}`, info: nolaLab.openTraining(`s${i}`, c.options), times: [] as number[] }));
  for (let step = 0; step < STEPS + 2; step++) {
    for (const s of opened) {
      const ms = await nolaLab.stepTraining(s.id);
      if (step >= 2) s.times.push(ms);
    }
  }
  const rows = opened.map((s) => ({ name: s.name, trainableParams: s.info.trainableParams, stepMs: stat(s.times), ...nolaLab.closeTraining(s.id) }));
  const lora1 = rows.find((r) => r.name === 'LoRA r=1')!.stepMs.median;
  console.log(`\n### Training step, tiny-gpt2 shape (d=128, 4 layers), targets q, v, batch ${BATCH}×${SEQ}\n`);
  console.log('| method | trainable params | step ms, median (min–max) | vs LoRA r=1 | twin basis bytes |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.trainableParams.toLocaleString('en')} | ${fmt(r.stepMs)} | ${(r.stepMs.median / lora1).toFixed(2)}× | ${r.basisBytes.toLocaleString('en')} |`);

  const out = {
    backend: backend.backend,
    adapter: backend.adapter,
    date: new Date().toISOString(),
    loadAverage: os.loadavg(),
    cpus: os.cpus().length,
    twin768: { shape, msPerFwdBwd: stat(twin.msAll), persistentBytes: twin.persistentBytes, stepPeakBytes: twin.stepPeakBytes },
    training: { batch: BATCH, seqLen: SEQ, steps: STEPS, rows },
  };
  await mkdir(path.join(REPO_ROOT, 'bench'), { recursive: true });
  await writeFile(path.join(REPO_ROOT, 'bench', 'nola.json'), JSON.stringify(out, null, 2) + '\n');
  console.log('\nwrote bench/nola.json');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
