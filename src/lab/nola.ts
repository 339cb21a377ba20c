import { tf } from '../engine/tf';
import { createRng } from '../engine/data/rng';
import type { Batch } from '../engine/data/types';
import { parseGpt2Config } from '../engine/models/gpt2-config';
import { Gpt2Model } from '../engine/models/gpt2';
import { NolaBasisCache, nolaCombine, nolaKernelBits, nolaKernelRegistered, type NolaBasisSpec, type NolaImplementation } from '../engine/kernels/nola-basis';
import { nolaUint32 } from '../engine/kernels/nola-prng';
import { attachNola, type NolaConfig, NOLA_DEFAULTS } from '../engine/methods/nola';
import { loraMethod } from '../engine/methods/lora';
import { resolveMethodConfig } from '../engine/methods/registry';
import { createTaskHead } from '../engine/train/task-head';
import { Trainer } from '../engine/train/trainer';
import type { AttachedMethod } from '../engine/methods/types';

/**
 * Browser-side checks and benchmarks for NOLA, called from Playwright through window.lab.nola
 * (e2e/nola-kernels.spec.ts, scripts/bench-nola-browser.ts). Plain shapes and seeds in, plain
 * numbers out. The training-step timer also runs in Node (scripts/bench-nola.ts, wasm).
 *
 * Relative error here is normwise: max_e |kernel − twin| / max_e |twin|, so that entries near
 * zero (sums of ±terms) do not turn float32 rounding into a huge ratio.
 */

/** Deterministic test values (mulberry32), independent of the engine's RNG. */
function randomValues(size: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    norm = Math.max(norm, Math.abs(expected[i]));
  }
  return diff / Math.max(norm, 1e-30);
}

/** The two basis specs (A side, B side) of a target W ∈ R^{m×n} with stream ids 2·t, 2·t + 1. */
function sideSpecs(shape: { m: number; n: number; r: number; k: number; l: number; seed: number; target?: number }): NolaBasisSpec[] {
  const t = shape.target ?? 3;
  return [
    { seed: shape.seed, stream: 2 * t, count: shape.k, size: shape.m * shape.r, scale: 1 / Math.sqrt(shape.k), initScale: 1 / Math.sqrt(shape.m) },
    { seed: shape.seed, stream: 2 * t + 1, count: shape.l, size: shape.r * shape.n, scale: 1 / Math.sqrt(shape.l), initScale: 0 },
  ];
}

/** Forward value and coefficient gradient (for upstream gradient dy) of one implementation. */
async function combineAndProject(coef: Float32Array, dy: Float32Array, rows: number, spec: NolaBasisSpec, cache: NolaBasisCache, implementation: NolaImplementation): Promise<{ value: Float32Array; grad: Float32Array }> {
  const [value, grad] = tf.tidy(() => {
    const c = tf.tensor2d(coef, [rows, spec.count]);
    const w = tf.tensor2d(dy, [rows, spec.size]);
    const { value: out, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.sum(tf.mul(nolaCombine(x as tf.Tensor2D, spec, cache, implementation), w)))([c]);
    out.dispose();
    return [nolaCombine(c, spec, cache, implementation), grads[0]];
  });
  const result = { value: (await value.data()) as Float32Array, grad: (await grad.data()) as Float32Array };
  tf.dispose([value, grad]);
  return result;
}

export interface NolaParityResult {
  /** Per side (A then B): normwise relative error of the forward and of the coefficient gradient. */
  forward: number[];
  backward: number[];
  /** Largest |value| seen, so a test can tell that the numbers are not all zero. */
  scale: number[];
  backend: string;
}

export const nolaLab = {
  kernelRegistered: (): boolean => nolaKernelRegistered(),

  /** uint32s of a stream from the WGSL generator and from the TypeScript one, and how many differ. */
  async prngBits(options: { seed: number; stream: number; firstBasis: number; rows: number; size: number }): Promise<{ gpu: number[]; cpu: number[]; mismatches: number }> {
    const t = nolaKernelBits(options.seed, options.stream, options.firstBasis, options.rows, options.size);
    const raw = (await t.data()) as Int32Array;
    t.dispose();
    const gpu = Array.from(raw, (x) => x >>> 0);
    const cpu: number[] = [];
    for (let b = 0; b < options.rows; b++) for (let e = 0; e < options.size; e++) cpu.push(nolaUint32(options.seed, options.stream, options.firstBasis + b, e));
    return { gpu, cpu, mismatches: gpu.reduce((n, x, i) => n + (x === cpu[i] ? 0 : 1), 0) };
  },

  /** WGSL kernels vs the plain-tfjs twin on W ∈ R^{m×n}, rank r, k and l bases, `rows` coefficient rows. */
  async parity(shape: { m: number; n: number; r: number; k: number; l: number; seed: number; rows?: number }): Promise<NolaParityResult> {
    const rows = shape.rows ?? 1;
    const cache = new NolaBasisCache();
    const result: NolaParityResult = { forward: [], backward: [], scale: [], backend: tf.getBackend() };
    try {
      for (const [side, spec] of sideSpecs(shape).entries()) {
        const coef = randomValues(rows * spec.count, 11 + side, 0.5);
        const dy = randomValues(rows * spec.size, 21 + side);
        const kernel = await combineAndProject(coef, dy, rows, spec, cache, 'kernel');
        const twin = await combineAndProject(coef, dy, rows, spec, cache, 'twin');
        result.forward.push(maxRelativeError(kernel.value, twin.value));
        result.backward.push(maxRelativeError(kernel.grad, twin.grad));
        result.scale.push(Math.min(twin.value.reduce((m, x) => Math.max(m, Math.abs(x)), 0), twin.grad.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
      }
      return result;
    } finally {
      cache.dispose();
    }
  },

  /**
   * Time per forward + backward of A and B of one target (median of `iterations`, after one
   * warm-up that compiles shaders and, for the twin, materialises the basis), and GPU bytes:
   * what stays allocated (the twin's basis) and tf.profile's peak of one step.
   */
  async benchCombine(shape: { m: number; n: number; r: number; k: number; l: number; seed: number }, implementation: 'kernel' | 'twin', iterations: number): Promise<{ msMedian: number; msAll: number[]; persistentBytes: number; stepPeakBytes: number }> {
    const cache = new NolaBasisCache();
    const specs = sideSpecs(shape);
    const coefs = specs.map((s, i) => tf.tensor2d(randomValues(s.count, 31 + i, 0.5), [1, s.count]));
    const dys = specs.map((s, i) => tf.tensor2d(randomValues(s.size, 41 + i), [1, s.size]));
    const step = async (): Promise<void> => {
      const grads = tf.tidy(() => specs.map((s, i) => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(nolaCombine(x as tf.Tensor2D, s, cache, implementation), dys[i])))(coefs[i])));
      await Promise.all(grads.map((g) => g.data()));
      tf.dispose(grads);
    };
    try {
      const before = tf.memory().numBytes;
      await step();
      const persistentBytes = tf.memory().numBytes - before;
      const profile = await tf.profile(step);
      const msAll: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const start = performance.now();
        await step();
        msAll.push(performance.now() - start);
      }
      const sorted = [...msAll].sort((a, b) => a - b);
      return { msMedian: sorted[Math.floor(sorted.length / 2)], msAll, persistentBytes, stepPeakBytes: profile.peakBytes - before - persistentBytes };
    } finally {
      tf.dispose([...coefs, ...dys]);
      cache.dispose();
    }
  },

  /**
   * A training session for step-time benchmarks: NOLA or LoRA (QV) on a random GPT-2 of
   * tiny-gpt2's shape (d = 128, 4 layers; the numbers of the weights do not change the time),
   * one fixed batch of random ids. Sessions stay open so that a script can alternate their steps
   * (A, B, C, A, B, C, …): on a shared machine each then sees the same load.
   */
  openTraining(id: string, options: TrainingBenchOptions): { trainableParams: number; basisBytes: number } {
    if (sessions.has(id)) throw new Error(`training session "${id}" is already open`);
    const session = openSession(options);
    sessions.set(id, session);
    return { trainableParams: session.trainableParams, basisBytes: session.basisBytes() };
  },

  /** One synced training step of an open session; its wall time in ms. */
  async stepTraining(id: string): Promise<number> {
    const session = sessions.get(id);
    if (!session) throw new Error(`no training session "${id}"`);
    const start = performance.now();
    await session.trainer.trainStep(session.batch, true);
    return performance.now() - start;
  },

  /** Closes a session; returns the bytes its twin bases held (0 on the kernel path). */
  closeTraining(id: string): { basisBytes: number } {
    const session = sessions.get(id);
    const basisBytes = session?.basisBytes() ?? 0;
    session?.dispose();
    sessions.delete(id);
    return { basisBytes };
  },

  numTensors: (): number => tf.memory().numTensors,
  numBytes: (): number => tf.memory().numBytes,
};

export interface TrainingBenchOptions {
  method: 'nola' | 'lora';
  nola?: Partial<NolaConfig>;
  loraR?: number;
  implementation?: NolaImplementation;
  batchSize: number;
  seqLen: number;
  model?: { nEmbd: number; nLayer: number; nHead: number };
}

interface TrainingSession {
  trainer: Trainer;
  batch: Batch;
  trainableParams: number;
  basisBytes: () => number;
  dispose(): void;
}

const sessions = new Map<string, TrainingSession>();

function openSession(options: TrainingBenchOptions): TrainingSession {
  const shape = options.model ?? { nEmbd: 128, nLayer: 4, nHead: 4 };
  const config = parseGpt2Config({ model_type: 'gpt2', vocab_size: 2048, n_positions: 128, n_embd: shape.nEmbd, n_layer: shape.nLayer, n_head: shape.nHead, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 });
  const model = Gpt2Model.randomInit(config, createRng(1));
  const task = { kind: 'lm' as const, numLabels: 0, seqLen: options.seqLen };
  let attached: AttachedMethod;
  let basisBytes = () => 0;
  if (options.method === 'nola') {
    const nola = attachNola(model, { ...NOLA_DEFAULTS, ...options.nola }, 'lm', { implementation: options.implementation ?? 'auto' });
    basisBytes = nola.basisBytes;
    attached = nola;
  } else {
    attached = loraMethod.attach(model, task, resolveMethodConfig('lora', { r: options.loraR ?? 1 }) as never, createRng(2));
  }
  const trainableParams = attached.paramGroups[0].variables.reduce((n, v) => n + v.size, 0);
  const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(3) });
  const trainer = new Trainer({
    model,
    method: attached,
    head,
    learningRates: { head: 1e-3, lora: 1e-3, nola: 2e-2 },
    optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 1 },
    schedule: { kind: 'constant', warmupSteps: 0 },
    totalSteps: 1_000_000,
    trainable: { method: trainableParams, head: 0 },
    seed: 1,
  });
  const ids = randomValues(options.batchSize * options.seqLen, 77);
  const batch: Batch = {
    kind: 'lm',
    batchSize: options.batchSize,
    seqLen: options.seqLen,
    inputIds: Int32Array.from(ids, (x) => Math.min(2047, Math.floor((x + 1) * 1024))),
    attentionMask: new Int32Array(options.batchSize * options.seqLen).fill(1),
  };
  return {
    trainer,
    batch,
    trainableParams,
    basisBytes,
    dispose() {
      trainer.dispose();
      head.dispose();
      attached.dispose();
      model.dispose();
    },
  };
}
