import type { RunEvent, RunSummary } from '../experiment/events';
import { loadModelShape } from '../experiment/base-model';
import { runExperiment, type RunnerEnv } from '../experiment/runner';
import { parseExperimentSpec, type ExperimentSpec, type MethodSpec } from '../experiment/spec';
import { aptExtraFlops, type AptConfig } from '../methods/apt';
import { deepPromptExtraFlops } from '../methods/deep-prompt';
import { METHOD_NAMES } from '../methods/registry';
import type { MethodName } from '../methods/types';
import type { ModelShape } from '../models/hooks';
import { BENCH_RESULTS_VERSION, parseBenchResults, type BenchContinualConfig, type BenchMode, type BenchModelConfig, type BenchRatio, type BenchResults, type BenchRow } from './results';
import type { ContinualSummary } from '../continual/events';
import { STRATEGY_TITLES, type StrategyName } from '../continual/settings';
import { stat } from './stats';

/**
 * The one benchmark suite (issue #9): every registered method on each model (tiny-gpt2 on spam,
 * tiny-vit on MNIST 5-shot, tiny-t5 on spam as text-to-text), trained side by side in ONE
 * runExperiment per model — the runner alternates them step by step (A, B, C, …, A, B, C, …)
 * on identical batches — so that
 * - each row's step time and tokens/s are medians (min–max) over the timed steps;
 * - each paired time ratio (DePT/PT, NOLA/LoRA, APT/deep prompt) is the median (min–max) of the
 *   per-step ratios A_i / B_i: A and B ran back to back, under the same machine load;
 * - memory, parameter, stored-byte and FLOP ratios are exact numbers from the same runs.
 * The paired ratios come from the first model (tiny-gpt2); the other models add rows (params,
 * step time, tokens/s, peak bytes, final metric per method), so throughput compares across
 * model families on the same machine and backend.
 * The fused-kernel/twin ratios come from `KernelProbes`, which the page wires to the kernel lab's
 * measurement code (src/lab/nola.ts, src/lab/apt.ts); they alternate fused and twin the same way.
 */

/** One model of the suite and its task; sizes left out are the suite's own. */
export interface SuiteModel {
  model: string;
  /** Classification (text-to-text on T5), so the final validation metric is an accuracy. */
  task: string;
  steps?: number;
  warmupSteps?: number;
  batchSize?: number;
  /** Text models only: ViT's input length is its patch grid. */
  seqLen?: number;
  evalBatches?: number;
}

/**
 * A tiny continual run (issue #9's "ConPET last-task/first-task cost"): the strategies learn a
 * task stream side by side and each one's last task is set against its first, in batches and
 * in training ms. Kept tiny: SwiftShader runs it about 25× slower than wasm.
 */
export interface SuiteContinual {
  model: string;
  /** A task stream. */
  task: string;
  method: MethodSpec;
  strategies: StrategyName[];
  batchSize: number;
  batchesPerTask: number;
  selectorBatches: number;
  limitlessEpochs: number;
  evalExamplesPerTask: number;
}

export interface SuiteConfig {
  /** The first model's runs also give the paired ratios. */
  models: SuiteModel[];
  /** The continual run, or null (ci: the e2e suite stays as small as it is). */
  continual: SuiteContinual | null;
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

/** A model's sizes with the suite's defaults filled in. */
export function resolvedModelSizes(config: SuiteConfig, m: SuiteModel): Required<SuiteModel> {
  return {
    model: m.model,
    task: m.task,
    steps: m.steps ?? config.steps,
    warmupSteps: m.warmupSteps ?? config.warmupSteps,
    batchSize: m.batchSize ?? config.batchSize,
    seqLen: m.seqLen ?? config.seqLen,
    evalBatches: m.evalBatches ?? config.evalBatches,
  };
}

const GPT2: SuiteModel = { model: 'tiny-gpt2', task: 'spam' };

/** Static and Dynamic ConPET and Limitless on Split-MNIST, LoRA r = 4 (the paper's rank). */
const CONTINUAL_STRATEGIES: StrategyName[] = ['static', 'dynamic', 'limitless'];
const continualRun = (sizes: Pick<SuiteContinual, 'batchSize' | 'batchesPerTask' | 'selectorBatches' | 'limitlessEpochs' | 'evalExamplesPerTask'>): SuiteContinual => ({
  model: 'tiny-vit',
  task: 'split-mnist',
  method: { name: 'lora', options: { r: 4 } },
  strategies: CONTINUAL_STRATEGIES,
  ...sizes,
});

/**
 * ci: the smallest complete suite (e2e; tiny-gpt2 only). quick: under 10 minutes on a 2-core
 * SwiftShader machine, all three model families (T5 — encoder, decoder and cross-attention —
 * costs about three GPT-2 steps per step, so it runs shorter inputs). full: for real GPUs
 * (bigger batches, more steps and pairs).
 */
export const SUITE_CONFIGS: Record<BenchMode, SuiteConfig> = {
  ci: {
    models: [GPT2],
    continual: null,
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
    // On SwiftShader a round of the 8 methods costs tiny-vit about 0.6× and tiny-t5 about 1.4×
    // tiny-gpt2's (NOLA a third of T5's: it materialises 24 bases), so they take fewer steps.
    // Measured here (2 cores): 957 s with 6/4 GPT-2/ViT steps and 3 batches per continual task
    // (other work running; the continual run alone ~400 s); with these budgets 495 s of suite,
    // 8 min 17 s including the build, on a quiet machine.
    models: [GPT2, { model: 'tiny-vit', task: 'mnist-5shot', batchSize: 4, steps: 3, evalBatches: 1 }, { model: 'tiny-t5', task: 'spam', seqLen: 16, steps: 3, evalBatches: 1 }],
    // Limitless passes over all data seen so far: 0.0125 epochs of Split-MNIST's ~160-example
    // tasks is 1 batch per phase at task 1, a few at task 5.
    continual: continualRun({ batchSize: 4, batchesPerTask: 2, selectorBatches: 1, limitlessEpochs: 0.0125, evalExamplesPerTask: 2 }),
    steps: 4,
    warmupSteps: 1,
    batchSize: 2,
    seqLen: 32,
    evalBatches: 2,
    kernelIterations: 4,
    nolaKernel: { model: { nEmbd: 128, nLayer: 4, nHead: 4 }, batchSize: 2, seqLen: 32 },
    aptKernel: { n: 128, p: 50, d: 128 },
  },
  full: {
    models: [GPT2, { model: 'tiny-vit', task: 'mnist-5shot', batchSize: 32 }, { model: 'tiny-t5', task: 'spam' }],
    // The paper's batch 8; a batch limit of 40 per task (bench:continual's Split-MNIST setting).
    continual: continualRun({ batchSize: 8, batchesPerTask: 40, selectorBatches: 20, limitlessEpochs: 1, evalExamplesPerTask: 50 }),
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
const APT_CONFIG: AptConfig = { length: 16, r: 4, variant: 'low-rank', decoder: false };
const DEEP_PROMPT_LENGTH = 16;

/**
 * Every registered method once; options chosen so that the paired methods are comparable. On a
 * model without a vocabulary (ViT) prompts start random: there are no token rows to sample.
 */
export function suiteMethods(shape?: Pick<ModelShape, 'vocabSize'>): MethodSpec[] {
  const init = shape && shape.vocabSize === 0 ? { init: 'random' } : {};
  const options: Partial<Record<MethodName, Record<string, unknown>>> = {
    prompt: { length: PT_LENGTH, ...init },
    dept: { length: PT_LENGTH / 2, budget: PT_LENGTH, ...init },
    lora: { r: 8 },
    nola: { k: 100, l: 100, r: 8 },
    'deep-prompt': { length: DEEP_PROMPT_LENGTH },
    apt: { ...APT_CONFIG },
  };
  return METHOD_NAMES.map((name) => ({ name, options: options[name] ?? {} }));
}

export function methodLabel(name: MethodName, o: Record<string, unknown>): string {
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

/** Runs the suite for one model; returns its rows, its sizes and (if asked) the paired ratios. */
async function modelSession(
  entry: SuiteModel,
  config: SuiteConfig,
  options: RunSuiteOptions,
  withRatios: boolean,
  progress: (message: string, within: number) => void,
): Promise<{ rows: BenchRow[]; ratios: BenchRatio[]; sizes: BenchModelConfig; skipped: BenchResults['skipped'] }> {
  const sizes = resolvedModelSizes(config, entry);
  const { model, task, steps, warmupSteps } = sizes;
  // config.json alone: which prompt initialisation the model allows.
  const { shape: declared } = await loadModelShape(options.env.modelSource(model));
  const specWith = (methods: MethodSpec[], overrides: Record<string, unknown> = {}) =>
    parseExperimentSpec({
      model,
      task,
      methods,
      steps,
      batchSize: sizes.batchSize,
      seqLen: sizes.seqLen,
      // Only the end-of-budget evaluation: intermediate ones would cost time and change nothing here.
      eval: { every: 0, maxBatches: sizes.evalBatches },
      logEvery: 1,
      ...overrides,
    });
  let methods = suiteMethods(declared);
  const skipped: BenchResults['skipped'] = [];
  const byRun = new Map<string, MethodMeasurements>();
  const optionsByRun = new Map<string, { method: MethodName; options: Record<string, unknown> }>();
  const emit = (event: RunEvent) => {
    if (event.type === 'run-start') optionsByRun.set(event.runId, { method: event.method, options: event.options });
    if (event.type === 'progress') progress(`${model}: ${event.message}`, 0);
    if (event.type === 'step') {
      const m = measurementsOf(event.runId);
      // event.step counts from 1; the first `warmupSteps` compile shaders and fill caches, and
      // the last one runs under tf.profile (the runner's memory probe), so neither is timed.
      if (event.step > warmupSteps && event.step < steps) {
        m.stepMs.set(event.step, event.stepMs);
        m.tokensPerSec.set(event.step, event.tokensPerSec);
      }
      if (event.runId.startsWith('0:')) progress(`${model}: step ${event.step} of ${steps}`, event.step / steps);
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
  const held: { shape: ModelShape | null; inputLength: number } = { shape: null, inputLength: sizes.seqLen };
  const modelConfigOf = (): BenchModelConfig => ({
    model,
    family: held.shape?.family ?? declared.family,
    task,
    steps,
    warmupSteps,
    batchSize: sizes.batchSize,
    inputLength: held.inputLength,
    evalBatches: sizes.evalBatches,
  });
  let stepped = false;
  const train = (spec: ExperimentSpec) =>
    runExperiment(
      spec,
      options.env,
      (event) => {
        stepped ||= event.type === 'step';
        emit(event);
      },
      undefined,
      {
        afterTraining: async (_runs, data, base) => {
          held.shape = base.shape;
          // ViT's input is its patch grid whatever the spec's seqLen.
          held.inputLength = data.shape.seqLen;
        },
      },
    );
  let summaries: RunSummary[];
  try {
    summaries = await train(specWith(methods));
  } catch (error) {
    // A method that cannot be set up on this model (unsupported, or an engine bug) would sink
    // the whole model: find it, report it as skipped, and measure the others. Failures once
    // training has begun are real errors.
    if (stepped) throw error;
    const skipId = (name: MethodName) => `${model}:${name}`.slice(0, 80);
    for (const method of methods) {
      try {
        await runExperiment(specWith([method], { steps: 0, eval: { every: 0, maxBatches: 1 } }), options.env, () => undefined);
      } catch (setupError) {
        const reason = setupError instanceof Error ? setupError.message : String(setupError);
        skipped.push({ id: skipId(method.name), reason: reason.slice(0, 300) });
      }
    }
    if (skipped.length === 0) throw error;
    methods = methods.filter((m) => !skipped.some((s) => s.id === skipId(m.name)));
    if (methods.length === 0) return { rows: [], ratios: [], sizes: modelConfigOf(), skipped };
    byRun.clear();
    optionsByRun.clear();
    summaries = await train(specWith(methods));
  }
  const shape = held.shape;

  const rows: BenchRow[] = [];
  const byMethod = new Map<MethodName, MethodMeasurements>();
  for (const summary of summaries) {
    const m = byRun.get(summary.runId)!;
    byMethod.set(summary.method, m);
    const stepMs = [...m.stepMs.values()];
    const tokens = [...m.tokensPerSec.values()];
    if (stepMs.length === 0) throw new Error(`${model} ${m.label}: no timed steps (steps ${steps} must exceed warm-up ${warmupSteps} + 1)`);
    rows.push({
      model,
      task,
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
  const modelConfig = modelConfigOf();
  if (!withRatios) return { rows, ratios: [], sizes: modelConfig, skipped };

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
      const aptFlops = aptExtraFlops(shape, held.inputLength, sizes.batchSize, apt.options as unknown as AptConfig);
      const deepFlops = deepPromptExtraFlops(shape, held.inputLength, sizes.batchSize, Number(deep.options.length));
      ratios.push(exactRatio('apt/deep-prompt:flops', 'APT / deep prompt', 'extra FLOPs', apt.label, deep.label, aptFlops / deepFlops, `analytic forward FLOPs over the frozen model per batch (${aptFlops.toExponential(2)} / ${deepFlops.toExponential(2)})`));
    }
  }
  return { rows, ratios, sizes: modelConfig, skipped };
}

function kernelRatio(id: string, pair: string, t: PairedTimes): BenchRatio | null {
  const n = Math.min(t.fusedMs.length, t.twinMs.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) if (t.twinMs[i] > 0) ratios.push(t.fusedMs[i] / t.twinMs[i]);
  if (ratios.length === 0) return null;
  return { id, pair, quantity: 'time', a: t.fused, b: t.twin, value: stat(ratios), pairs: ratios.length, how: t.how };
}

/**
 * The continual run: each strategy's last task over its first, in training batches (exact: the
 * batch limit keeps ConPET's flat, Limitless's grows with the data seen) and in training ms
 * (one run; the first task includes first-use costs such as kernel compilation).
 */
export async function continualSession(c: SuiteContinual, options: RunSuiteOptions, progress: (message: string, within: number) => void): Promise<{ ratios: BenchRatio[]; config: BenchContinualConfig }> {
  const spec = parseExperimentSpec({
    model: c.model,
    task: c.task,
    methods: [c.method],
    batchSize: c.batchSize,
    continual: { strategies: c.strategies, batchesPerTask: c.batchesPerTask, selectorBatches: c.selectorBatches, limitlessEpochs: c.limitlessEpochs, evalExamplesPerTask: c.evalExamplesPerTask },
  });
  const summaries: ContinualSummary[] = [];
  let tasks = 0;
  let done = 0;
  await runExperiment(spec, options.env, (event) => {
    if (event.type === 'continual-start') tasks = event.stream.tasks.length;
    if (event.type === 'continual-task') {
      done++;
      progress(`continual ${c.task}: ${event.runId} task ${event.result.task + 1} of ${tasks}`, tasks > 0 ? done / (tasks * c.strategies.length) : 0);
    }
    if (event.type === 'continual-end') summaries.push(event.summary);
  });
  const method = `${c.method.name === 'lora' ? 'LoRA' : c.method.name}${typeof c.method.options.r === 'number' ? ` r=${c.method.options.r}` : ''}`;
  const ratios: BenchRatio[] = [];
  for (const s of summaries) {
    const title = STRATEGY_TITLES[s.strategy];
    const last = s.batchesPerTask.length;
    const sizes = `${last} tasks of ${c.task}, ${method}, batch ${c.batchSize}`;
    if (!(s.lastOverFirstBatches > 0 && s.lastOverFirstMs > 0)) throw new Error(`continual ${s.runId}: no cost ratio (batches ${s.batchesPerTask.join(', ')}, ms ${s.trainMsPerTask.join(', ')})`);
    ratios.push(
      exactRatio(`continual:${s.strategy}:batches`, `${title} last / first task`, 'batches', `task ${last}: ${s.batchesPerTask[last - 1]} batches`, `task 1: ${s.batchesPerTask[0]} batches`, s.lastOverFirstBatches, `training batches per task (selector and module), ${sizes}`),
      exactRatio(
        `continual:${s.strategy}:time`,
        `${title} last / first task`,
        'time',
        `task ${last}: ${Math.round(s.trainMsPerTask[last - 1])} ms`,
        `task 1: ${Math.round(s.trainMsPerTask[0])} ms`,
        s.lastOverFirstMs,
        `training ms of one run (task 1 includes first-use costs), ${sizes}`,
      ),
    );
  }
  return {
    ratios,
    config: {
      model: c.model,
      task: c.task,
      method,
      strategies: c.strategies,
      tasks,
      batchSize: c.batchSize,
      batchesPerTask: c.batchesPerTask,
      selectorBatches: c.selectorBatches,
      limitlessEpochs: c.limitlessEpochs,
      evalExamplesPerTask: c.evalExamplesPerTask,
    },
  };
}

/** Runs the whole suite and returns schema-valid results. */
export async function runBenchSuite(options: RunSuiteOptions): Promise<BenchResults> {
  const config = options.config ?? SUITE_CONFIGS[options.mode];
  const started = performance.now();
  const phases = config.models.length + (config.continual ? 1 : 0) + (options.probes ? 2 : 0);
  let phase = 0;
  const progress = (message: string, within: number) => options.onProgress?.({ message, fraction: Math.min(1, (phase + within) / phases) });
  const rows: BenchRow[] = [];
  const ratios: BenchRatio[] = [];
  const models: BenchModelConfig[] = [];
  const skipped: BenchResults['skipped'] = [];
  for (const [i, entry] of config.models.entries()) {
    const session = await modelSession(entry, config, options, i === 0, progress);
    rows.push(...session.rows);
    ratios.push(...session.ratios);
    models.push(session.sizes);
    skipped.push(...session.skipped);
    phase++;
  }
  let continual: BenchContinualConfig | undefined;
  if (config.continual) {
    const session = await continualSession(config.continual, options, progress);
    ratios.push(...session.ratios);
    continual = session.config;
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
      // The first model's sizes: the paired ratios' setting (per-model sizes in `models`).
      task: models[0].task,
      steps: models[0].steps,
      warmupSteps: models[0].warmupSteps,
      batchSize: models[0].batchSize,
      seqLen: models[0].inputLength,
      evalBatches: models[0].evalBatches,
      kernelIterations: config.kernelIterations,
      models,
      ...(continual ? { continual } : {}),
    },
    rows,
    ratios,
    skipped,
    wallMs: performance.now() - started,
  });
}
