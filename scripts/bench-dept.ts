/**
 * `npm run bench:dept`: DePT (m = 20, 60, matched to the parameter budget of PT with l = 100)
 * against vanilla PT (l = 100) at input lengths s = 128 and 256, tfjs wasm backend in Node.
 *
 * Per method and s: training-step time (median, min–max after warm-up), the memory one training
 * step needs on top of what is already allocated (tf.profile's peak minus the bytes before the
 * step: activations, gradients, optimizer temporaries), and inference throughput (forward + loss
 * on fixed batches, no gradients) in samples/s. Ratios DePT/PT are printed too.
 *
 * The model: tiny-gpt2 has n_positions = 128, which cannot hold l + s = 228 or 356 tokens, so the
 * benchmark builds a random GPT-2 in memory (numerics do not matter for timing) with
 * n_positions = 512 and tiny-gpt2's tokenizer (vocab 2048). Size: BENCH_D (default 256),
 * BENCH_LAYERS (4), BENCH_HEADS (4); batch BENCH_BATCH (4); BENCH_STEPS measured steps (6)
 * after 2 warm-up steps; BENCH_INFER_ROUNDS (3).
 *
 * Fairness: all methods of one s train in one runExperiment, which alternates them step by step
 * (A, B, C, A, B, C, …) on identical batches; inference rounds alternate the same way. Timings
 * on a shared machine move with its load: the load average is recorded with the results.
 * Prints a Markdown table and writes bench/dept.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../src/engine/tf';
import { initNodeBackend, nodeRunnerEnv, PUBLIC_DIR, REPO_ROOT } from '../src/cli/node-env';
import { parseExperimentSpec } from '../src/engine/experiment/spec';
import { runExperiment } from '../src/engine/experiment/runner';
import type { RunEvent } from '../src/engine/experiment/events';
import type { BaseCheckpoint } from '../src/engine/experiment/base-model';
import type { MethodRun } from '../src/engine/experiment/method-run';
import type { TaskData } from '../src/engine/experiment/task-data';
import { gpt2ModelShape } from '../src/engine/models/gpt2';
import { gpt2WeightShapes, parseGpt2Config } from '../src/engine/models/gpt2-config';
import type { HostTensor } from '../src/engine/io/safetensors';
import { loadTokenizer } from '../src/engine/tokenize/tokenizer';
import { createRng } from '../src/engine/data/rng';
import { deptPlan, type DeptConfig } from '../src/engine/methods/dept';
import { stat, type Stat } from './stats';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const D = env('BENCH_D', 256);
const LAYERS = env('BENCH_LAYERS', 4);
const HEADS = env('BENCH_HEADS', 4);
const BATCH = env('BENCH_BATCH', 4);
const WARMUP_STEPS = 2;
const MEASURED_STEPS = env('BENCH_STEPS', 6);
const INFER_ROUNDS = env('BENCH_INFER_ROUNDS', 3);
const INFER_BATCHES = 2;
const PT_LENGTH = 100;
const DEPT_LENGTHS = [60, 20];
const INPUT_LENGTHS = [128, 256];

interface Row {
  s: number;
  method: string;
  /** m for DePT, l for PT. */
  promptLength: number;
  r: number | null;
  sequenceLength: number;
  trainableParams: number;
  stepMs: Stat;
  stepPeakBytes: number;
  inferSamplesPerSec: Stat;
}

/** A random GPT-2 (HF init scale) with tiny-gpt2's tokenizer, held in memory. */
async function randomCheckpoint(): Promise<BaseCheckpoint> {
  const dir = path.join(PUBLIC_DIR, 'models', 'tiny-gpt2');
  const readJson = async (file: string) => JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  const tokenizer = loadTokenizer(await readJson('tokenizer.json'), await readJson('tokenizer_config.json'));
  const config = parseGpt2Config({
    model_type: 'gpt2',
    vocab_size: 2048,
    n_positions: 512,
    n_embd: D,
    n_layer: LAYERS,
    n_head: HEADS,
    bos_token_id: 2047,
    eos_token_id: 2047,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
  });
  const rng = createRng(1);
  const weights = new Map<string, HostTensor>();
  for (const [name, shape] of gpt2WeightShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) data.fill(1);
    else if (name.endsWith('.weight')) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * config.initializerRange;
    weights.set(name, { dtype: 'F32', shape, data });
  }
  return { source: `random GPT-2 d=${D} L=${LAYERS}`, config, shape: gpt2ModelShape(config), weights, tokenizer };
}

/** Extra bytes one training step allocates at its peak, over what was allocated before it. */
async function stepPeakBytes(run: MethodRun, data: TaskData): Promise<number> {
  const batch = data.trainBatches(createRng(7)).next();
  const before = tf.memory().numBytes;
  const info = await tf.profile(async () => {
    await run.trainer.trainStep(batch, true);
    return [];
  });
  return info.peakBytes - before;
}

/** samples/s of forward + loss on fixed batches, the runs alternating round by round. */
async function inference(runs: MethodRun[], data: TaskData): Promise<Stat[]> {
  const batches = data.validationBatches(INFER_BATCHES);
  const samples = batches.reduce((n, b) => n + b.batchSize, 0);
  const perRun: number[][] = runs.map(() => []);
  for (const run of runs) await run.trainer.evaluate(batches.slice(0, 1)); // warm-up
  for (let round = 0; round < INFER_ROUNDS; round++) {
    for (let i = 0; i < runs.length; i++) {
      const started = performance.now();
      await runs[i].trainer.evaluate(batches);
      perRun[i].push((samples * 1000) / (performance.now() - started));
    }
  }
  return perRun.map(stat);
}

function methodsFor(): Array<{ name: 'prompt' | 'dept'; options: Record<string, unknown> }> {
  return [
    { name: 'prompt', options: { length: PT_LENGTH } },
    ...DEPT_LENGTHS.map((m) => ({ name: 'dept' as const, options: { length: m, budget: PT_LENGTH } })),
  ];
}

async function session(base: BaseCheckpoint, s: number): Promise<Row[]> {
  const methods = methodsFor();
  const spec = parseExperimentSpec({
    model: 'random',
    task: 'lm-spam',
    methods,
    steps: WARMUP_STEPS + MEASURED_STEPS,
    batchSize: BATCH,
    seqLen: s,
    eval: { every: 0, maxBatches: INFER_BATCHES },
    logEvery: 1,
  });
  const steps = new Map<string, number[]>();
  const trainable = new Map<string, number>();
  const collect = (event: RunEvent) => {
    if (event.type === 'run-start') trainable.set(event.runId, event.trainable.method + event.trainable.head);
    if (event.type === 'step' && event.step > WARMUP_STEPS) steps.set(event.runId, [...(steps.get(event.runId) ?? []), event.stepMs]);
  };
  const rows: Row[] = [];
  await runExperiment(spec, nodeRunnerEnv, collect, undefined, {
    preloaded: base,
    afterTraining: async (runs, data) => {
      const infer = await inference(runs, data);
      for (let i = 0; i < runs.length; i++) {
        const run = runs[i];
        const options = spec.methods[i].options;
        const plan = run.methodName === 'dept' ? deptPlan(base.shape, s, options as unknown as DeptConfig) : null;
        rows.push({
          s,
          method: plan ? `DePT m=${plan.m}` : `PT l=${PT_LENGTH}`,
          promptLength: plan ? plan.m : PT_LENGTH,
          r: plan ? plan.r : null,
          sequenceLength: s + run.prefixLength,
          trainableParams: trainable.get(run.runId) ?? 0,
          stepMs: stat(steps.get(run.runId) ?? []),
          stepPeakBytes: await stepPeakBytes(run, data),
          inferSamplesPerSec: infer[i],
        });
      }
    },
  });
  return rows;
}

const fmtStat = (x: Stat, digits = 0) => `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}–${x.max.toFixed(digits)})`;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function table(rows: Row[]): string {
  const lines = [
    '| s | method | r | tokens/seq | trainable | step ms median (min–max) | step peak MiB | infer samples/s median (min–max) | time DePT/PT | memory DePT/PT | infer speed DePT/PT |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const pt = rows.find((x) => x.s === row.s && x.method.startsWith('PT'))!;
    const ratio = (a: number, b: number) => (row === pt ? '1' : (a / b).toFixed(2));
    lines.push(
      `| ${row.s} | ${row.method} | ${row.r ?? '–'} | ${row.sequenceLength} | ${row.trainableParams.toLocaleString('en-US')} | ${fmtStat(row.stepMs)} | ${mib(row.stepPeakBytes)} | ${fmtStat(row.inferSamplesPerSec, 1)} | ${ratio(row.stepMs.median, pt.stepMs.median)} | ${ratio(row.stepPeakBytes, pt.stepPeakBytes)} | ${ratio(row.inferSamplesPerSec.median, pt.inferSamplesPerSec.median)} |`,
    );
  }
  return lines.join('\n');
}

const started = performance.now();
const loadBefore = os.loadavg();
const backend = await initNodeBackend();
const base = await randomCheckpoint();
const rows: Row[] = [];
for (const s of INPUT_LENGTHS) {
  rows.push(...(await session(base, s)));
  // Progress on stderr: the whole run takes minutes.
  console.error(`s=${s} done after ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const loadAfter = os.loadavg();
const header =
  `${base.source} (${(base.shape.totalParams / 1e6).toFixed(2)}M params, n_positions 512, vocab 2048) · task lm-spam · batch ${BATCH} · ` +
  `${WARMUP_STEPS} warm-up + ${MEASURED_STEPS} measured steps · ${backend.backend} (${backend.adapter}) · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · ` +
  `load average ${loadBefore[0].toFixed(2)} → ${loadAfter[0].toFixed(2)} (shared machine: other jobs were running)`;
console.log(`${header}\n`);
console.log(table(rows));
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
const outDir = path.join(REPO_ROOT, 'bench');
await mkdir(outDir, { recursive: true });
await writeFile(
  path.join(outDir, 'dept.json'),
  JSON.stringify({ date: new Date().toISOString(), header, model: { d: D, layers: LAYERS, heads: HEADS, nPositions: 512 }, batch: BATCH, backend, loadAverage: { before: loadBefore, after: loadAfter }, rows }, null, 2) + '\n',
);
process.exit(0);
