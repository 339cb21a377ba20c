import type { RunEvent } from '../experiment/events';
import { runExperiment, type RunnerEnv } from '../experiment/runner';
import { parseExperimentSpec, type MethodSpec } from '../experiment/spec';
import { aptExtraFlops, type AptConfig } from '../methods/apt';
import { deepPromptExtraFlops } from '../methods/deep-prompt';
import { METHOD_NAMES } from '../methods/registry';
import type { MethodName } from '../methods/types';
import { BENCH_RESULTS_VERSION, parseBenchResults, type BenchMode, type BenchRatio, type BenchResults, type BenchRow } from './results';
import { stat } from './stats';

/**
 * The one benchmark suite (issue #9): every registered method on each model, trained side by
 * side in ONE runExperiment — the runner alternates them step by step (A, B, C, …, A, B, C, …)
 * on identical batches — so that
 * - each row's step time and tokens/s are medians (min–max) over the timed steps;
 * - each paired time ratio (DePT/PT, NOLA/LoRA, APT/deep prompt) is the median (min–max) of the
 *   per-step ratios A_i / B_i: A and B ran back to back, under the same machine load;
 * - memory, parameter, stored-byte and FLOP ratios are exact numbers from the same runs.
 * The fused-kernel/twin ratios come from `KernelProbes`, which the page wires to the kernel lab's
 * measurement code (src/lab/nola.ts, src/lab/apt.ts); they alternate fused and twin the same way.
 */

export interface SuiteConfig {
  models: string[];
  /** Classification, so the final validation metric is an accuracy. */
  task: string;
  /** The fixed training budget per method (warm-up included). */
  steps: number;
  /** First steps (shader compilation, caches) left out of timings; so is the last (memory-profiled). */
  warmupSteps: number;
  batchSize: number;
  seqLen: number;
  evalBatches: number;
  /** Fused-vs-twin pairs per kernel. */
  kernelIterations: number;
  /** NOLA fused-vs-twin training sessions: model size and batch. */
  nolaKernel: { model: { nEmbd: number; nLayer: number; nHead: number }; batchSize: number; seqLen: number };
  /** APT aggregation op alone: n rows (tokens), p prompts, d hidden. */
  aptKernel: { n: number; p: number; d: number };
}

/**
 * ci: the smallest complete suite (e2e). quick: under 10 minutes on a 2-core SwiftShader
 * machine. full: for real GPUs (bigger batches, more steps and pairs).
 */
export const SUITE_CONFIGS: Record<BenchMode, SuiteConfig> = {
  ci: {
    models: ['tiny-gpt2'],
    task: 'spam',
    steps: 4,
    warmupSteps: 1,
    batchSize: 2,
    seqLen: 16,
    evalBatches: 1,
    kernelIterations: 2,
    nolaKernel: { model: { nEmbd: 64, nLayer: 2, nHead: 2 }, batchSize: 2, seqLen: 16 },
    aptKernel: { n: 64, p: 16, d: 64 },
  },
  quick: {
    models: ['tiny-gpt2'],
    task: 'spam',
    steps: 6,
    warmupSteps: 1,
    batchSize: 2,
    seqLen: 32,
    evalBatches: 2,
    kernelIterations: 4,
    nolaKernel: { model: { nEmbd: 128, nLayer: 4, nHead: 4 }, batchSize: 2, seqLen: 32 },
    aptKernel: { n: 128, p: 50, d: 128 },
  },
  full: {
    models: ['tiny-gpt2'],
    task: 'spam',
    steps: 60,
    warmupSteps: 5,
    batchSize: 16,
    seqLen: 64,
    evalBatches: 8,
    kernelIterations: 20,
    nolaKernel: { model: { nEmbd: 768, nLayer: 12, nHead: 12 }, batchSize: 8, seqLen: 128 },
    aptKernel: { n: 2048, p: 256, d: 768 },
  },
};

/** Per-iteration times of two implementations, measured alternately (index i of each is a pair). */
export interface PairedTimes {
  fusedMs: number[];
  twinMs: number[];
  /** What was timed, for the ratio table. */
  fused: string;
  twin: string;
  how: string;
}

/** Fused-kernel/twin measurements; null (with a reason) where the fused kernel does not exist. */
export interface KernelProbes {
  nola(config: SuiteConfig): Promise<PairedTimes | { skipped: string }>;
  apt(config: SuiteConfig): Promise<PairedTimes | { skipped: string }>;
}

export interface SuiteEnvironment {
  machine: string;
  browser: string;
  backend: string;
  adapter: string;
}

export interface SuiteProgress {
  message: string;
  /** 0…1 over the whole suite. */
  fraction: number;
}

export interface RunSuiteOptions {
  mode: BenchMode;
  env: RunnerEnv;
  environment: SuiteEnvironment;
  probes?: KernelProbes;
  onProgress?: (p: SuiteProgress) => void;
  /** Overrides for tests and experiments. */
  config?: SuiteConfig;
}

/** PT's length in the suite; DePT gets the same parameter budget (m = half of it, the rest as A·B). */
const PT_LENGTH = 20;
const APT_CONFIG: AptConfig = { length: 16, r: 4, variant: 'low-rank' };
const DEEP_PROMPT_LENGTH = 16;

/** Every registered method once; options chosen so that the paired methods are comparable. */
export function suiteMethods(): MethodSpec[] {
  const options: Partial<Record<MethodName, Record<string, unknown>>> = {
    prompt: { length: PT_LENGTH },
    dept: { length: PT_LENGTH / 2, budget: PT_LENGTH },
    lora: { r: 8 },
    nola: { k: 100, l: 100, r: 8 },
    'deep-prompt': { length: DEEP_PROMPT_LENGTH },
    apt: { ...APT_CONFIG },
  };
  return METHOD_NAMES.map((name) => ({ name, options: options[name] ?? {} }));
}

function methodLabel(name: MethodName, o: Record<string, unknown>): string {
  switch (name) {
    case 'full':
      return 'full fine-tuning';
    case 'head':
      return 'head only';
    case 'prompt':
      return `PT l=${o.length}`;
    case 'dept':
      return `DePT m=${o.length} (PT budget ${o.budget})`;
    case 'lora':
      return `LoRA r=${o.r}`;
    case 'nola':
      return `NOLA k=${o.k} l=${o.l} r=${o.r}`;
    case 'deep-prompt':
      return `deep prompt p=${o.length}`;
    case 'apt':
      return `APT p=${o.length} r=${o.r}`;
    default:
      return name;
  }
}

interface MethodMeasurements {
  label: string;
  options: Record<string, unknown>;
  /** Timed steps' ms and tokens/s by step index. */
  stepMs: Map<number, number>;
  tokensPerSec: Map<number, number>;
}

const exact = (x: number) => ({ median: x, min: x, max: x });

function pairedTimeRatio(id: string, pair: string, a: MethodMeasurements, b: MethodMeasurements): BenchRatio | null {
  const ratios: number[] = [];
  for (const [step, ms] of a.stepMs) {
    const other = b.stepMs.get(step);
    if (other !== undefined && other > 0) ratios.push(ms / other);
  }
  if (ratios.length === 0) return null;
  return { id, pair, quantity: 'time', a: a.label, b: b.label, value: stat(ratios), pairs: ratios.length, how: 'training step ms, per-step A/B pairs (alternating steps, same batches)' };
}

function exactRatio(id: string, pair: string, quantity: BenchRatio['quantity'], a: string, b: string, value: number, how: string): BenchRatio {
  return { id, pair, quantity, a, b, value: exact(value), pairs: 1, how };
}

/** Runs the suite for one model; returns its rows and paired ratios. */
async function modelSession(model: string, config: SuiteConfig, options: RunSuiteOptions, progress: (message: string, within: number) => void): Promise<{ rows: BenchRow[]; ratios: BenchRatio[] }> {
  const spec = parseExperimentSpec({
    model,
    task: config.task,
    methods: suiteMethods(),
    steps: config.steps,
    batchSize: config.batchSize,
    seqLen: config.seqLen,
    // Only the end-of-budget evaluation: intermediate ones would cost time and change nothing here.
    eval: { every: 0, maxBatches: config.evalBatches },
    logEvery: 1,
  });
  const byRun = new Map<string, MethodMeasurements>();
  const optionsByRun = new Map<string, { method: MethodName; options: Record<string, unknown> }>();
  const emit = (event: RunEvent) => {
    if (event.type === 'run-start') optionsByRun.set(event.runId, { method: event.method, options: event.options });
    if (event.type === 'progress') progress(`${model}: ${event.message}`, 0);
    if (event.type === 'step') {
      const m = measurementsOf(event.runId);
      // event.step counts from 1; the first `warmupSteps` compile shaders and fill caches, and
      // the last one runs under tf.profile (the runner's memory probe), so neither is timed.
      if (event.step > config.warmupSteps && event.step < config.steps) {
        m.stepMs.set(event.step, event.stepMs);
        m.tokensPerSec.set(event.step, event.tokensPerSec);
      }
      if (event.runId.startsWith('0:')) progress(`${model}: step ${event.step} of ${config.steps}`, event.step / config.steps);
    }
  };
  const measurementsOf = (runId: string): MethodMeasurements => {
    let m = byRun.get(runId);
    if (!m) {
      const o = optionsByRun.get(runId)!;
      m = { label: methodLabel(o.method, o.options), options: o.options, stepMs: new Map(), tokensPerSec: new Map() };
      byRun.set(runId, m);
    }
    return m;
  };
  const held: { shape: { hidden: number; layers: number; heads: number } | null } = { shape: null };
  const summaries = await runExperiment(spec, options.env, emit, undefined, {
    afterTraining: async (_runs, _data, base) => {
      held.shape = base.shape;
    },
  });
  const shape = held.shape;

  const rows: BenchRow[] = [];
  const byMethod = new Map<MethodName, MethodMeasurements>();
  for (const summary of summaries) {
    const m = byRun.get(summary.runId)!;
    byMethod.set(summary.method, m);
    const stepMs = [...m.stepMs.values()];
    const tokens = [...m.tokensPerSec.values()];
    if (stepMs.length === 0) throw new Error(`${model} ${m.label}: no timed steps (steps ${config.steps} must exceed warm-up ${config.warmupSteps} + 1)`);
    rows.push({
      model,
      method: summary.method,
      label: m.label,
      trainableParams: summary.trainable.method + summary.trainable.head,
      methodParams: summary.trainable.method,
      totalParams: summary.totalParams,
      stepMs: stat(stepMs),
      tokensPerSec: stat(tokens),
      peakGpuBytes: summary.runBytes !== null && summary.stepExtraBytes !== null ? summary.runBytes + summary.stepExtraBytes : null,
      storedBytes: summary.storedBytes,
      finalLoss: summary.finalEval?.loss ?? null,
      finalAccuracy: summary.finalEval?.accuracy ?? null,
    });
  }

  const ratios: BenchRatio[] = [];
  const get = (name: MethodName) => byMethod.get(name);
  const row = (name: MethodName) => rows.find((r) => r.method === name);
  const pt = get('prompt');
  const dept = get('dept');
  if (pt && dept) {
    const r = pairedTimeRatio('dept/prompt:time', 'DePT / PT', dept, pt);
    if (r) ratios.push(r);
    const a = row('dept')!.peakGpuBytes;
    const b = row('prompt')!.peakGpuBytes;
    if (a !== null && b) ratios.push(exactRatio('dept/prompt:memory', 'DePT / PT', 'memory', dept.label, pt.label, a / b, 'peak GPU bytes: own tensors + last step’s activation peak'));
  }
  const lora = get('lora');
  const nola = get('nola');
  if (lora && nola) {
    const r = pairedTimeRatio('nola/lora:time', 'NOLA / LoRA', nola, lora);
    if (r) ratios.push(r);
    ratios.push(exactRatio('nola/lora:params', 'NOLA / LoRA', 'params', nola.label, lora.label, row('nola')!.methodParams / row('lora')!.methodParams, 'trainable adapter parameters (task head apart)'));
    ratios.push(exactRatio('nola/lora:stored', 'NOLA / LoRA', 'stored bytes', nola.label, lora.label, row('nola')!.storedBytes / row('lora')!.storedBytes, 'bytes the adapter file stores'));
  }
  const deep = get('deep-prompt');
  const apt = get('apt');
  if (deep && apt) {
    const r = pairedTimeRatio('apt/deep-prompt:time', 'APT / deep prompt', apt, deep);
    if (r) ratios.push(r);
    if (shape) {
      const aptFlops = aptExtraFlops(shape, config.seqLen, config.batchSize, apt.options as unknown as AptConfig);
      const deepFlops = deepPromptExtraFlops(shape, config.seqLen, config.batchSize, Number(deep.options.length));
      ratios.push(exactRatio('apt/deep-prompt:flops', 'APT / deep prompt', 'extra FLOPs', apt.label, deep.label, aptFlops / deepFlops, `analytic forward FLOPs over the frozen model per batch (${aptFlops.toExponential(2)} / ${deepFlops.toExponential(2)})`));
    }
  }
  return { rows, ratios };
}

function kernelRatio(id: string, pair: string, t: PairedTimes): BenchRatio | null {
  const n = Math.min(t.fusedMs.length, t.twinMs.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) if (t.twinMs[i] > 0) ratios.push(t.fusedMs[i] / t.twinMs[i]);
  if (ratios.length === 0) return null;
  return { id, pair, quantity: 'time', a: t.fused, b: t.twin, value: stat(ratios), pairs: ratios.length, how: t.how };
}

/** Runs the whole suite and returns schema-valid results. */
export async function runBenchSuite(options: RunSuiteOptions): Promise<BenchResults> {
  const config = options.config ?? SUITE_CONFIGS[options.mode];
  const started = performance.now();
  const phases = config.models.length + (options.probes ? 2 : 0);
  let phase = 0;
  const progress = (message: string, within: number) => options.onProgress?.({ message, fraction: Math.min(1, (phase + within) / phases) });
  const rows: BenchRow[] = [];
  const ratios: BenchRatio[] = [];
  const skipped: BenchResults['skipped'] = [];
  for (const model of config.models) {
    const session = await modelSession(model, config, options, progress);
    rows.push(...session.rows);
    ratios.push(...session.ratios);
    phase++;
  }
  if (options.probes) {
    for (const [id, pair, probe] of [
      ['nola:fused/twin', 'NOLA fused WGSL / tfjs twin', options.probes.nola],
      ['apt:fused/twin', 'APT fused WGSL / tfjs twin', options.probes.apt],
    ] as const) {
      progress(`${pair}: measuring`, 0);
      const result = await probe(config);
      if ('skipped' in result) skipped.push({ id, reason: result.skipped });
      else {
        const r = kernelRatio(id, pair, result);
        if (r) ratios.push(r);
        else skipped.push({ id, reason: 'no complete fused/twin pair was measured' });
      }
      phase++;
    }
  } else {
    skipped.push({ id: 'kernels:fused/twin', reason: 'no kernel probes on this host (the /bench page provides them)' });
  }
  progress('done', 0);
  return parseBenchResults({
    version: BENCH_RESULTS_VERSION,
    mode: options.mode,
    date: new Date().toISOString(),
    ...options.environment,
    config: {
      task: config.task,
      steps: config.steps,
      warmupSteps: config.warmupSteps,
      batchSize: config.batchSize,
      seqLen: config.seqLen,
      evalBatches: config.evalBatches,
      kernelIterations: config.kernelIterations,
    },
    rows,
    ratios,
    skipped,
    wallMs: performance.now() - started,
  });
}
