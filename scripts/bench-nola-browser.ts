/**
 * `npm run bench:nola:browser`: NOLA in Chromium on WebGPU (SwiftShader here: a CPU at about
 * 0.5 GFLOP/s, so absolute times are slow and the ratios are what carries over to a real GPU),
 * through the kernel lab (lab.html, window.lab.nola) served on port BENCH_PORT (4181):
 *
 * 1. The fused WGSL kernels (basis regenerated on the fly, forward and backward) against the
 *    plain-tfjs twin (basis materialised once and kept) on one 768×768 target, r = 8,
 *    k = l = 1000: time per forward + backward of A and B (median of BENCH_ITER after a warm-up),
 *    GPU bytes the implementation keeps (the twin's basis) and tf.profile's step peak; plus the
 *    kernel-vs-twin relative errors at that shape.
 * 2. Training-step time on a GPT-2 of tiny-gpt2's shape (d = 128, 4 layers), targets q, v,
 *    batch BENCH_BATCH (4) × BENCH_SEQ (32): NOLA (k = l = 100, r = 8; fused kernels) with
 *    per-layer and shared bases, NOLA per-layer on the twin, LoRA r = 1 and r = 4 — the sessions
 *    alternate step by step; BENCH_STEPS (4) measured after 2 warm-up steps.
 *
 * Prints Markdown tables and writes bench/nola-browser.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openLabPage, ROOT, withServedBrowser } from './browser-session';
import type { Lab } from '../src/lab/main';
import type { TrainingBenchOptions } from '../src/lab/nola';
import { stat, type Stat } from '../src/engine/bench/stats';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ITER = env('BENCH_ITER', 3);
const STEPS = env('BENCH_STEPS', 4);
const BATCH = env('BENCH_BATCH', 4);
const SEQ = env('BENCH_SEQ', 32);
const PORT = env('BENCH_PORT', 4181);

type Win = { lab: Lab };
const fmt = (s: Stat) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

const started = performance.now();
const result = await withServedBrowser({ port: PORT }, async (session) => {
  const { page, backend, adapter } = await openLabPage(session);
  if (backend !== 'webgpu') throw new Error(`the lab started on ${backend}, not webgpu`);
  const shape = { m: 768, n: 768, r: 8, k: 1000, l: 1000, seed: 42 };
  const parity = await page.evaluate((s) => (window as unknown as Win).lab.nola.parity(s), shape);
  const kernels: Array<{ implementation: string; msPerFwdBwd: Stat; persistentBytes: number; stepPeakBytes: number }> = [];
  for (const implementation of ['kernel', 'twin'] as const) {
    const r = await page.evaluate(([s, impl, n]) => (window as unknown as Win).lab.nola.benchCombine(s, impl, n), [shape, implementation, ITER] as const);
    kernels.push({ implementation, msPerFwdBwd: stat(r.msAll), persistentBytes: r.persistentBytes, stepPeakBytes: r.stepPeakBytes });
  }

  const configs: Array<{ name: string; options: TrainingBenchOptions }> = [
    { name: 'NOLA per-layer bases (WGSL)', options: { method: 'nola', nola: { shared: false }, implementation: 'kernel', batchSize: BATCH, seqLen: SEQ } },
    { name: 'NOLA shared bases (WGSL)', options: { method: 'nola', nola: { shared: true }, implementation: 'kernel', batchSize: BATCH, seqLen: SEQ } },
    { name: 'NOLA per-layer bases (twin)', options: { method: 'nola', nola: { shared: false }, implementation: 'twin', batchSize: BATCH, seqLen: SEQ } },
    { name: 'LoRA r=1', options: { method: 'lora', loraR: 1, batchSize: BATCH, seqLen: SEQ } },
    { name: 'LoRA r=4', options: { method: 'lora', loraR: 4, batchSize: BATCH, seqLen: SEQ } },
  ];
  const sessions = [];
  for (const [i, c] of configs.entries()) {
    const info = await page.evaluate(([id, o]) => (window as unknown as Win).lab.nola.openTraining(id, o), [`s${i}`, c.options] as const);
    sessions.push({ ...c, id: `s${i}`, trainableParams: info.trainableParams, times: [] as number[] });
  }
  for (let step = 0; step < STEPS + 2; step++) {
    for (const s of sessions) {
      const ms = await page.evaluate((id) => (window as unknown as Win).lab.nola.stepTraining(id), s.id);
      if (step >= 2) s.times.push(ms);
    }
  }
  const training = [];
  for (const s of sessions) {
    const closed = await page.evaluate((id) => (window as unknown as Win).lab.nola.closeTraining(id), s.id);
    training.push({ name: s.name, trainableParams: s.trainableParams, stepMs: stat(s.times), basisBytes: closed.basisBytes });
  }
  return { backend, adapter, shape, parity, kernels, training };
});

console.log(`backend: ${result.backend} (${result.adapter})\n`);
console.log('### One 768×768 target, r = 8, k = l = 1000: forward + backward of A and B\n');
console.log('| implementation | ms per fwd+bwd, median (min–max) | GPU bytes kept | step peak bytes |');
console.log('|---|---|---|---|');
for (const k of result.kernels) console.log(`| ${k.implementation === 'kernel' ? 'fused WGSL (basis regenerated)' : 'twin (basis materialised)'} | ${fmt(k.msPerFwdBwd)} | ${mib(k.persistentBytes)} | ${mib(k.stepPeakBytes)} |`);
console.log(`\nkernel vs twin, normwise relative error: forward A ${result.parity.forward[0].toExponential(2)}, B ${result.parity.forward[1].toExponential(2)}; backward α ${result.parity.backward[0].toExponential(2)}, β ${result.parity.backward[1].toExponential(2)}`);
const lora1 = result.training.find((t) => t.name === 'LoRA r=1')!.stepMs.median;
console.log(`\n### Training step, tiny-gpt2 shape (d=128, 4 layers), q and v, batch ${BATCH}×${SEQ}\n`);
console.log('| method | trainable params | step ms, median (min–max) | vs LoRA r=1 | twin basis bytes |');
console.log('|---|---|---|---|---|');
for (const t of result.training) console.log(`| ${t.name} | ${t.trainableParams.toLocaleString('en')} | ${fmt(t.stepMs)} | ${(t.stepMs.median / lora1).toFixed(2)}× | ${t.basisBytes.toLocaleString('en')} |`);

await mkdir(path.join(ROOT, 'bench'), { recursive: true });
await writeFile(path.join(ROOT, 'bench', 'nola-browser.json'), JSON.stringify({ date: new Date().toISOString(), wallMs: performance.now() - started, batch: BATCH, seqLen: SEQ, steps: STEPS, ...result }, null, 2) + '\n');
console.log('\nwrote bench/nola-browser.json');
