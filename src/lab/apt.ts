import { tf } from '../engine/tf';
import { aptAggregate, aptAggregateFusedGrads, aptAggregateTwin, fusedAptAvailable, type AptImplementation } from '../engine/kernels/apt-aggregate';
import { Gpt2Model } from '../engine/models/gpt2';
import { parseGpt2Config } from '../engine/models/gpt2-config';
import { createRng } from '../engine/data/rng';
import type { Batch } from '../engine/data/types';
import { aptExtraFlops, aptMethod, type AptConfig } from '../engine/methods/apt';
import { deepPromptExtraFlops, deepPromptMethod } from '../engine/methods/deep-prompt';
import type { TaskShape } from '../engine/methods/types';
import { createTaskHead } from '../engine/train/task-head';
import { Trainer } from '../engine/train/trainer';

/**
 * Browser-side checks and benchmarks for APT, called from Playwright through window.lab.apt
 * (e2e/apt-kernels.spec.ts, scripts/bench-apt-browser.ts). The training benchmark is also run
 * by scripts/bench-apt.ts in Node (wasm): nothing here touches the DOM.
 */

/** mulberry32, seeded test data (independent of the engine's RNG). */
function uniform(size: number, scale: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/**
 * max |got − want| / max |want|: the error relative to the tensor's scale. An all-zero
 * reference checks nothing (e.g. every ReLU score negative), so it counts as a failure.
 */
function relativeError(got: Float32Array, want: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  if (!Number.isFinite(diff) || got.length !== want.length) return Infinity;
  return scale > 0 ? diff / scale : Infinity;
}

export interface AptParityCase {
  n: number;
  p: number;
  d: number;
  seed: number;
}

export interface AptParityResult extends AptParityCase {
  backend: string;
  fused: boolean;
  /** Max relative errors of the fused kernels against the plain-tfjs twin. */
  forward: number;
  dx: number;
  dk: number;
  da: number;
  dv: number;
  /** The same gradients through tf.grads of the fused op (its tf.customGrad wiring). */
  customGrad: number;
  /** Tensors left behind by the case (should be 0). */
  leakedTensors: number;
}

/** Runs a case twice; tensors are counted around the second run (first runs may create caches). */
async function parityCase(c: AptParityCase): Promise<AptParityResult> {
  await parityOnce(c);
  const before = tf.memory().numTensors;
  const result = await parityOnce(c);
  return { ...result, leakedTensors: tf.memory().numTensors - before };
}

async function parityOnce({ n, p, d, seed }: AptParityCase): Promise<AptParityResult> {
  const x = tf.tensor2d(uniform(n * d, 1, seed), [n, d]);
  // Keys at 1/√d so scores are O(1), as after a LayerNorm; some a negative, like a max can be.
  const k = tf.tensor2d(uniform(p * d, 1 / Math.sqrt(d), seed + 1), [p, d]);
  const a = tf.tensor1d(uniform(p, 1, seed + 2));
  const v = tf.tensor2d(uniform(p * d, 1, seed + 3), [p, d]);
  const dy = tf.tensor2d(uniform(n * d, 1, seed + 4), [n, d]);
  const loss = (impl: AptImplementation) => (xx: tf.Tensor, kk: tf.Tensor, aa: tf.Tensor, vv: tf.Tensor) =>
    aptAggregate(xx as tf.Tensor2D, kk as tf.Tensor2D, aa as tf.Tensor1D, vv as tf.Tensor2D, impl);
  const twinY = aptAggregateTwin(x, k, a, v);
  const twinGrads = tf.grads(loss('twin'))([x, k, a, v], dy);
  const fusedY = aptAggregate(x, k, a, v, 'fused');
  const g = aptAggregateFusedGrads(x, k, a, v, dy);
  const viaCustomGrad = tf.grads(loss('fused'))([x, k, a, v], dy);
  const host = async (t: tf.Tensor) => (await t.data()) as Float32Array;
  const want = await Promise.all([twinY, ...twinGrads].map(host));
  const got = await Promise.all([fusedY, g.dx, g.dk, g.da, g.dv].map(host));
  const custom = await Promise.all(viaCustomGrad.map(host));
  const errors = got.map((values, i) => relativeError(values, want[i]));
  const customGrad = Math.max(...custom.map((values, i) => relativeError(values, want[i + 1])));
  tf.dispose([x, k, a, v, dy, twinY, ...twinGrads, fusedY, g.dx, g.dk, g.da, g.dv, ...viaCustomGrad]);
  return {
    n,
    p,
    d,
    seed,
    backend: tf.getBackend(),
    fused: fusedAptAvailable(),
    forward: errors[0],
    dx: errors[1],
    dk: errors[2],
    da: errors[3],
    dv: errors[4],
    customGrad,
    leakedTensors: 0,
  };
}

/** Fused WGSL vs twin, forward and backward, for each case (webgpu only: the fused op must exist). */
async function parity(cases: AptParityCase[]): Promise<AptParityResult[]> {
  if (!fusedAptAvailable()) throw new Error(`the fused APT kernels are not registered on backend "${tf.getBackend()}"`);
  const results: AptParityResult[] = [];
  for (const c of cases) results.push(await parityCase(c));
  return results;
}

export interface AptKernelTiming {
  n: number;
  p: number;
  d: number;
  implementation: 'fused' | 'twin';
  /** Forward + backward (all four gradients), one call, synced; median of `iterations`. */
  medianMs: number;
  samplesMs: number[];
}

/** Forward + backward time of the fused kernel and the twin, alternating, after one warm-up each. */
async function benchKernel(n: number, p: number, d: number, iterations = 5): Promise<AptKernelTiming[]> {
  const x = tf.tensor2d(uniform(n * d, 1, 1), [n, d]);
  const k = tf.tensor2d(uniform(p * d, 1 / Math.sqrt(d), 2), [p, d]);
  const a = tf.tensor1d(uniform(p, 1, 3));
  const v = tf.tensor2d(uniform(p * d, 1, 4), [p, d]);
  const dy = tf.tensor2d(uniform(n * d, 1, 5), [n, d]);
  const impls: Array<'fused' | 'twin'> = fusedAptAvailable() ? ['fused', 'twin'] : ['twin'];
  const samples = new Map<string, number[]>(impls.map((i) => [i, []]));
  const once = async (impl: 'fused' | 'twin') => {
    const f = (xx: tf.Tensor, kk: tf.Tensor, aa: tf.Tensor, vv: tf.Tensor) => aptAggregate(xx as tf.Tensor2D, kk as tf.Tensor2D, aa as tf.Tensor1D, vv as tf.Tensor2D, impl);
    const started = performance.now();
    const { value, grads } = tf.valueAndGrads(f)([x, k, a, v], dy);
    await Promise.all([value, ...grads].map((t) => t.data()));
    const ms = performance.now() - started;
    tf.dispose([value, ...grads]);
    return ms;
  };
  for (const impl of impls) await once(impl);
  for (let i = 0; i < iterations; i++) for (const impl of impls) samples.get(impl)!.push(await once(impl));
  tf.dispose([x, k, a, v, dy]);
  const median = (xs: number[]) => [...xs].sort((u, w) => u - w)[Math.floor(xs.length / 2)];
  return impls.map((implementation) => ({ n, p, d, implementation, medianMs: median(samples.get(implementation)!), samplesMs: samples.get(implementation)! }));
}

export interface AptTrainingBenchOptions {
  /** Prompt rows per layer. */
  p: number;
  /** Tokens per sequence and sequences per batch. */
  seqLen: number;
  batchSize: number;
  warmupSteps: number;
  steps: number;
  /** APT's aggregation: fused (webgpu) or twin; ignored for deep prompt. */
  implementation?: AptImplementation;
}

export interface AptTrainingBenchRow {
  method: 'apt' | 'deep-prompt';
  label: string;
  /** Runs of one call share a session (alternating steps); ratios compare within a session. */
  session: string;
  p: number;
  backend: string;
  trainableParams: number;
  stepMsMedian: number;
  stepMsSamples: number[];
  /** Bytes one training step allocates at its peak, over what was allocated before it. */
  stepPeakBytes: number;
  /** Analytic forward FLOPs over the frozen model, per batch. */
  extraFlops: number;
}

/** tiny-gpt2's shape (d=128, 4 layers, 4 heads, vocab 2048, 128 positions), random weights. */
export const TINY_GPT2_SHAPE = { model_type: 'gpt2', vocab_size: 2048, n_positions: 128, n_embd: 128, n_layer: 4, n_head: 4, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 } as const;

/**
 * Training-step time and step peak bytes of deep prompt and APT (low-rank, r = 4) at the same p,
 * on one shared random model with tiny-gpt2's shape, alternating step by step on identical
 * batches (so machine load hits both alike). Deep prompts take no positions, so seqLen ≤ 128
 * with any p fits.
 */
async function benchTraining(options: AptTrainingBenchOptions): Promise<AptTrainingBenchRow[]> {
  const config = parseGpt2Config({ ...TINY_GPT2_SHAPE });
  const model = Gpt2Model.randomInit(config, createRng(1));
  const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: options.seqLen };
  const rng = createRng(2);
  const tokens = options.seqLen * options.batchSize;
  const batches: Batch[] = Array.from({ length: 2 }, () => ({
    kind: 'lm',
    batchSize: options.batchSize,
    seqLen: options.seqLen,
    inputIds: Int32Array.from({ length: tokens }, () => rng.int(config.vocabSize)),
    attentionMask: new Int32Array(tokens).fill(1),
  }));
  const aptConfig: AptConfig = { length: options.p, r: 4, variant: 'low-rank', decoder: false };
  const entries = [
    { method: 'deep-prompt' as const, label: `deep prompt p=${options.p}`, attached: deepPromptMethod.attach(model, task, { length: options.p, init: 'random', decoder: false }, createRng(3)), flops: deepPromptExtraFlops(model.shape, options.seqLen, options.batchSize, options.p), params: model.shape.layers * options.p * model.shape.hidden },
    {
      method: 'apt' as const,
      label: `APT p=${options.p} r=4 (${options.implementation === 'twin' || !fusedAptAvailable() ? 'tfjs twin' : 'fused WGSL'})`,
      attached: aptMethod.attachWith(model, task, aptConfig, createRng(4), { implementation: options.implementation ?? 'auto' }),
      flops: aptExtraFlops(model.shape, options.seqLen, options.batchSize, aptConfig),
      params: aptMethod.trainableParams(model.shape, task, aptConfig).method,
    },
  ];
  const runs = entries.map((entry) => {
    const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(5) });
    const trainer = new Trainer({
      model,
      method: entry.attached,
      head,
      learningRates: { head: 1e-3, prompt: 3e-2, apt: 1e-2 },
      optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 1 },
      schedule: { kind: 'constant', warmupSteps: 0 },
      totalSteps: options.warmupSteps + options.steps + 1,
      trainable: { method: entry.params, head: 0 },
      seed: 1,
    });
    return { ...entry, head, trainer, samples: [] as number[], peak: 0 };
  });
  try {
    for (let step = 0; step < options.warmupSteps + options.steps; step++) {
      for (const run of runs) {
        const started = performance.now();
        await run.trainer.trainStep(batches[step % 2], true);
        const ms = performance.now() - started;
        if (step >= options.warmupSteps) run.samples.push(ms);
      }
    }
    for (const run of runs) {
      const before = tf.memory().numBytes;
      const info = await tf.profile(async () => {
        await run.trainer.trainStep(batches[0], true);
        return [];
      });
      run.peak = info.peakBytes - before;
    }
    const median = (xs: number[]) => [...xs].sort((u, w) => u - w)[Math.floor(xs.length / 2)];
    const session = `p=${options.p} ${options.implementation ?? 'auto'}`;
    return runs.map((run) => ({
      method: run.method,
      label: run.label,
      session,
      p: options.p,
      backend: tf.getBackend(),
      trainableParams: run.params,
      stepMsMedian: median(run.samples),
      stepMsSamples: run.samples,
      stepPeakBytes: run.peak,
      extraFlops: run.flops,
    }));
  } finally {
    for (const run of runs) {
      run.trainer.dispose();
      run.head.dispose();
      run.attached.dispose();
    }
    model.dispose();
  }
}

export const aptLab = { parity, benchKernel, benchTraining };
