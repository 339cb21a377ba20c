/**
 * `npm run bench:engine`: training-step throughput of each method on tiny-gpt2, batch 8 × 128,
 * tfjs wasm backend in Node. Methods are measured alternating step by step in one process (the
 * runner's own schedule), so ratios between them are fair; the first steps (warm-up) are
 * dropped and the median of the rest is reported. Prints a Markdown table and writes
 * bench/engine.json.
 *
 * Prompt tuning prepends l=20 tokens; tiny-gpt2's context is 128, so it runs in a second
 * session with 108 input tokens (128 positions in the model), paired with LoRA at the same length.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initNodeBackend, nodeRunnerEnv, REPO_ROOT } from '../src/cli/node-env';
import { parseExperimentSpec } from '../src/engine/experiment/spec';
import { runExperiment } from '../src/engine/experiment/runner';
import type { RunEvent } from '../src/engine/experiment/events';
import { stat } from '../src/engine/bench/stats';

const WARMUP_STEPS = 2;
const MEASURED_STEPS = Number(process.env.BENCH_STEPS ?? 10);

interface Row {
  session: string;
  method: string;
  inputTokens: number;
  trainableParams: number;
  medianStepMs: number;
  minStepMs: number;
  maxStepMs: number;
  tokensPerSec: number;
}

async function session(name: string, methods: string[], seqLen: number): Promise<Row[]> {
  const spec = parseExperimentSpec({
    model: 'tiny-gpt2',
    task: 'lm-spam',
    methods: methods.map((m) => ({ name: m, options: {} })),
    steps: WARMUP_STEPS + MEASURED_STEPS,
    batchSize: 8,
    seqLen,
    eval: { every: 0, maxBatches: 1 },
    logEvery: 1,
  });
  const steps = new Map<string, number[]>();
  const trainable = new Map<string, number>();
  const collect = (event: RunEvent) => {
    if (event.type === 'run-start') trainable.set(event.runId, event.trainable.method + event.trainable.head);
    if (event.type === 'step' && event.step > WARMUP_STEPS) steps.set(event.runId, [...(steps.get(event.runId) ?? []), event.stepMs]);
  };
  await runExperiment(spec, nodeRunnerEnv, collect);
  return [...steps.entries()].map(([runId, ms]) => {
    const { median, min, max } = stat(ms);
    return {
      session: name,
      method: runId.split(':')[1],
      inputTokens: seqLen,
      trainableParams: trainable.get(runId) ?? 0,
      medianStepMs: median,
      minStepMs: min,
      maxStepMs: max,
      tokensPerSec: (8 * seqLen * 1000) / median,
    };
  });
}

const backend = await initNodeBackend();
const rows = [...(await session('A: 8×128', ['full', 'head', 'lora'], 128)), ...(await session('B: 8×108 (+20 prompt)', ['prompt', 'lora'], 108))];
const table = [
  `| session | method | trainable params | step ms (median, min–max) | tokens/s |`,
  `|---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.session} | ${r.method} | ${r.trainableParams.toLocaleString('en-US')} | ${r.medianStepMs.toFixed(0)} (${r.minStepMs.toFixed(0)}–${r.maxStepMs.toFixed(0)}) | ${r.tokensPerSec.toFixed(0)} |`),
].join('\n');
console.log(`tiny-gpt2 · task lm-spam · batch 8 · ${backend.backend} (${backend.adapter}) · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}\n`);
console.log(table);
const out = path.join(REPO_ROOT, 'bench', 'engine.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), backend, cpu: os.cpus()[0]?.model, cores: os.cpus().length, warmupSteps: WARMUP_STEPS, measuredSteps: MEASURED_STEPS, rows }, null, 2) + '\n');
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
process.exit(0);
