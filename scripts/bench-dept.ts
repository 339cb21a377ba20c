/**
 * `npm run bench:dept`: DePT (m = 20, 60, matched to PT with l = 100) against vanilla PT
 * (l = 100) at s = 128 and 256 on the tfjs wasm backend in Node; what is measured and how is in
 * src/engine/bench/dept-bench.ts (the WebGPU twin of this script is bench-dept-browser.ts).
 *
 * The model: a random GPT-2 with n_positions = 512 (tiny-gpt2's 128 cannot hold 100 + 256
 * tokens) and tiny-gpt2's tokenizer. Size: BENCH_D (default 256), BENCH_LAYERS (4),
 * BENCH_HEADS (4); batch BENCH_BATCH (4); BENCH_STEPS measured steps (6) after 2 warm-up steps;
 * BENCH_INFER_ROUNDS (3). Timings on a shared machine move with its load: the load average is
 * recorded with the results. Prints a Markdown table and writes bench/dept.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initNodeBackend, modelSource, nodeRunnerEnv, REPO_ROOT } from '../src/cli/node-env';
import { randomGpt2Checkpoint } from '../src/engine/bench/random-checkpoint';
import { deptBenchTable, runDeptBenchmark } from '../src/engine/bench/dept-bench';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const size = { hidden: env('BENCH_D', 256), layers: env('BENCH_LAYERS', 4), heads: env('BENCH_HEADS', 4), positions: 512 };
const BATCH = env('BENCH_BATCH', 4);
const WARMUP_STEPS = 2;
const MEASURED_STEPS = env('BENCH_STEPS', 6);

const started = performance.now();
const loadBefore = os.loadavg();
const backend = await initNodeBackend();
const base = await randomGpt2Checkpoint(size, modelSource('tiny-gpt2'));
const rows = await runDeptBenchmark({
  base,
  env: nodeRunnerEnv,
  inputLengths: [128, 256],
  batch: BATCH,
  warmupSteps: WARMUP_STEPS,
  measuredSteps: MEASURED_STEPS,
  inferRounds: env('BENCH_INFER_ROUNDS', 3),
  inferBatches: 2,
  log: (line) => console.error(line),
});
const loadAfter = os.loadavg();
const header =
  `${base.source} (${(base.shape.totalParams / 1e6).toFixed(2)}M params, vocab 2048) · task lm-spam · batch ${BATCH} · ` +
  `${WARMUP_STEPS} warm-up + ${MEASURED_STEPS} measured steps · ${backend.backend} (${backend.adapter}) · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · ` +
  `load average ${loadBefore[0].toFixed(2)} → ${loadAfter[0].toFixed(2)} (shared machine: other jobs were running)`;
console.log(`${header}\n`);
console.log(deptBenchTable(rows));
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
const outDir = path.join(REPO_ROOT, 'bench');
await mkdir(outDir, { recursive: true });
await writeFile(
  path.join(outDir, 'dept.json'),
  JSON.stringify({ date: new Date().toISOString(), header, model: size, batch: BATCH, backend, loadAverage: { before: loadBefore, after: loadAfter }, rows }, null, 2) + '\n',
);
process.exit(0);
