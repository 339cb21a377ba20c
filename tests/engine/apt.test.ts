import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import type { Gpt2Model } from '../../src/engine/models/gpt2';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { createRng } from '../../src/engine/data/rng';
import type { Batch } from '../../src/engine/data/types';
import { aptExtraFlops, aptMethod, aptParamsPerLayer, aptTensorNames, type AptConfig } from '../../src/engine/methods/apt';
import { deepPromptExtraFlops } from '../../src/engine/methods/deep-prompt';
import { aptAggregate, aptAggregateTwin, fusedAptAvailable } from '../../src/engine/kernels/apt-aggregate';
import { promptAttentionMap } from '../../src/engine/methods/prompt-attention-map';
import { methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import type { AttachedMethod, TaskShape } from '../../src/engine/methods/types';
import { createTaskHead, type BatchTensors } from '../../src/engine/train/task-head';
import { Trainer } from '../../src/engine/train/trainer';
import { readSafetensors, writeSafetensors } from '../../src/engine/io/safetensors';
import { parseExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import type { RunEvent } from '../../src/engine/experiment/events';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { promptMapEvents } from '../../src/engine/experiment/prompt-map-events';
import { aptVsDeepPrompt } from '../../src/engine/experiment/presets/apt';
import { sweepSpecs, withSweepSettings } from '../../src/engine/experiment/sweep';
import { DEFAULT_SPEC } from '../../src/engine/experiment/spec';
import { expectAllClose, logitsOf, maxAbsDiff, setValues, tinyModel, valuesOf } from './tiny';
import { autodiffGradient, expectFiniteDifferences } from './finite-differences';
import { aptDeltaRow, referenceForward, type AptReference } from './apt-reference';
import { prng } from './prng';

beforeAll(async () => {
  await useWasmBackend();
});

const LM: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 8 };
const CLS3: TaskShape = { kind: 'classify', numLabels: 3, seqLen: 8 };
const IDS = [3, 17, 5, 0, 28, 9, 11, 2];

function config(options: Partial<AptConfig>): AptConfig {
  return resolveMethodConfig('apt', options) as AptConfig;
}

function randomArray(size: number, scale: number, seed: number): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

/** The attached APT's variables by layer and role, found by their names (not by position). */
function layerVars(attached: AttachedMethod, layer: number): { prompt: tf.Variable; w1?: tf.Variable; w2?: tf.Variable; dense?: tf.Variable; scale: tf.Variable } {
  const vars = attached.paramGroups.flatMap((g) => g.variables);
  const names = aptTensorNames(layer);
  const find = (name: string) => vars.find((v) => v.name.startsWith(`apt/${name}#`));
  return { prompt: find(names.prompt)!, w1: find(names.w1), w2: find(names.w2), dense: find(names.dense), scale: find(names.scale)! };
}

/** Host K = P' + P'·W1·W2 (or + P'·W), a = row max, for the reference. */
function hostKeys(prompt: Float32Array, p: number, d: number, w1?: Float32Array, w2?: Float32Array, r = 0, dense?: Float32Array): { keys: Float32Array; weights: Float32Array } {
  const keys = Float32Array.from(prompt);
  for (let j = 0; j < p; j++) {
    if (w1 && w2) {
      const mid = new Float64Array(r);
      for (let k = 0; k < r; k++) for (let c = 0; c < d; c++) mid[k] += prompt[j * d + c] * w1[c * r + k];
      for (let c = 0; c < d; c++) for (let k = 0; k < r; k++) keys[j * d + c] += mid[k] * w2[k * d + c];
    }
    if (dense) {
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let e = 0; e < d; e++) s += prompt[j * d + e] * dense[e * d + c];
        keys[j * d + c] += s;
      }
    }
  }
  const weights = Float32Array.from({ length: p }, (_, j) => Math.max(...keys.subarray(j * d, (j + 1) * d)));
  return { keys, weights };
}

/** Randomises every tensor of an attached APT (large enough to matter) and returns the reference's view. */
function randomiseApt(attached: AttachedMethod, model: Gpt2Model, c: AptConfig, seed: number): AptReference {
  const d = model.config.nEmbd;
  const ref: AptReference = { keys: [], weights: [], values: [], scales: [] };
  for (let l = 0; l < model.config.nLayer; l++) {
    const v = layerVars(attached, l);
    const prompt = randomArray(v.prompt.size, 0.8, seed + 10 * l);
    setValues(v.prompt, prompt);
    const w1 = v.w1 ? randomArray(v.w1.size, 0.5, seed + 10 * l + 1) : undefined;
    const w2 = v.w2 ? randomArray(v.w2.size, 0.5, seed + 10 * l + 2) : undefined;
    const dense = v.dense ? randomArray(v.dense.size, 0.2, seed + 10 * l + 3) : undefined;
    if (w1) setValues(v.w1!, w1);
    if (w2) setValues(v.w2!, w2);
    if (dense) setValues(v.dense!, dense);
    const s = 0.3 * (l + 1) - 0.5;
    setValues(v.scale, [s]);
    const { keys, weights } = hostKeys(prompt, c.length, d, w1, w2, c.r, dense);
    ref.keys.push(keys);
    ref.weights.push(weights);
    ref.values.push(prompt);
    ref.scales.push(s);
  }
  return ref;
}

// ------------------------------------------------------------------------------------------

describe('APT trainable parameters', () => {
  const cases: Array<Partial<AptConfig>> = [{}, { variant: 'identity' }, { variant: 'dense' }, { length: 5, r: 1 }, { length: 1, r: 7, variant: 'low-rank' }];
  for (const options of cases) {
    for (const task of [LM, CLS3]) {
      it(`${JSON.stringify(options)} on ${task.kind}: the formula is what attach creates, all in group "apt"`, () => {
        const model = tinyModel(50);
        const c = config(options);
        const attached = aptMethod.attach(model, task, c, createRng(1));
        const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(2) });
        try {
          const { layers, hidden: d } = model.shape;
          const p = c.length;
          const perLayer = c.variant === 'low-rank' ? p * d + 2 * d * c.r + 1 : c.variant === 'identity' ? p * d + 1 : p * d + d * d + 1;
          expect(attached.paramGroups.map((g) => g.name)).toEqual(['apt']);
          const counted = attached.paramGroups[0].variables.reduce((n, v) => n + v.size, 0);
          expect(counted).toBe(layers * perLayer);
          expect(aptMethod.trainableParams(model.shape, task, c)).toEqual({ method: counted, head: head.variables.reduce((n, v) => n + v.size, 0) });
          for (let l = 0; l < layers; l++) {
            const v = layerVars(attached, l);
            expect(v.prompt.shape).toEqual([p, d]);
            expect(v.scale.shape).toEqual([1]);
            if (c.variant === 'low-rank') expect([v.w1!.shape, v.w2!.shape]).toEqual([[d, c.r], [c.r, d]]);
            if (c.variant === 'dense') expect(v.dense!.shape).toEqual([d, d]);
          }
        } finally {
          head.dispose();
          attached.dispose();
          model.dispose();
        }
      });
    }
  }

  it("the paper's numbers: ViLT-like (12 layers, d=768) at p=200, r=4 → 12·(153,600 + 6,144 + 1)", () => {
    const vilt = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 30522, n_positions: 512, n_embd: 768, n_layer: 12, n_head: 12 }));
    expect(aptMethod.trainableParams(vilt, LM, config({ length: 200, r: 4 })).method).toBe(12 * (200 * 768 + 2 * 768 * 4 + 1));
    expect(aptParamsPerLayer(768, config({ length: 200, variant: 'identity' }))).toBe(200 * 768 + 1);
    expect(aptParamsPerLayer(768, config({ length: 200, variant: 'dense' }))).toBe(200 * 768 + 768 * 768 + 1);
  });

  it('is registered, with defaults p=16, r=4, low-rank, encoder only, and refuses bad options by name', () => {
    expect(methodByName('apt').defaults).toEqual({ length: 16, r: 4, variant: 'low-rank', decoder: false });
    expect(() => config({ variant: 'diagonal' as never })).toThrow(/apt\.variant/);
    expect(() => config({ length: 0 })).toThrow(/apt\.length/);
  });
});

// ------------------------------------------------------------------------------------------

describe('APT forward', () => {
  let model: Gpt2Model;
  beforeAll(() => {
    model = tinyModel(51);
  });
  afterAll(() => model.dispose());

  it("s = 0 and P' = 0 leave the model's outputs exactly unchanged (W1, W2 random), padding included", () => {
    const c = config({ length: 4, r: 2 });
    const attached = aptMethod.attach(model, LM, c, createRng(1));
    try {
      randomiseApt(attached, model, c, 10);
      for (let l = 0; l < model.config.nLayer; l++) {
        const v = layerVars(attached, l);
        setValues(v.prompt, new Float32Array(v.prompt.size));
        setValues(v.scale, [0]);
      }
      const mask = [IDS.map(() => 1), IDS.map((_, t) => (t < 5 ? 1 : 0))];
      const ids = [IDS, [7, 7, 21, 4, 13, 1, 19, 6]];
      expect(maxAbsDiff(logitsOf(model, ids, mask, attached.hooks), logitsOf(model, ids, mask))).toBe(0);
    } finally {
      attached.dispose();
    }
  });

  it('at init: s = 0, W2 = 0 (so K = P′), P′ ~ N(0, 0.02²); the output differs from the frozen model only slightly', () => {
    const c = config({ length: 64, r: 4 });
    const attached = aptMethod.attach(model, LM, c, createRng(2));
    try {
      const v = layerVars(attached, 0);
      expect(valuesOf(v.scale)[0]).toBe(0);
      expect(valuesOf(v.w2!).every((x) => x === 0)).toBe(true);
      expect(valuesOf(v.w1!).some((x) => x !== 0)).toBe(true);
      const prompt = valuesOf(v.prompt);
      const std = Math.sqrt(prompt.reduce((s, x) => s + x * x, 0) / prompt.length);
      expect(std).toBeGreaterThan(0.018);
      expect(std).toBeLessThan(0.022);
    } finally {
      attached.dispose();
    }
  });

  for (const variant of ['low-rank', 'identity', 'dense'] as const) {
    it(`${variant}: logits equal a plain-JS GPT-2 with e^s·(SA(X) + (ReLU(X·Kᵀ)⊙a)·P′) in every layer`, () => {
      const c = config({ length: 5, r: 3, variant });
      const attached = aptMethod.attach(model, LM, c, createRng(3));
      try {
        const ref = randomiseApt(attached, model, c, 20);
        const got = logitsOf(model, [IDS], undefined, attached.hooks);
        expectAllClose(got, referenceForward(model, IDS, { apt: ref }).logits, 2e-4, 2e-4);
        expect(maxAbsDiff(got, logitsOf(model, [IDS]))).toBeGreaterThan(1e-2);
      } finally {
        attached.dispose();
      }
    });
  }
});

// ------------------------------------------------------------------------------------------

describe('APT aggregation op (the plain-tfjs twin; the WGSL kernel is checked against it in the browser)', () => {
  it('matches a plain-JS loop on odd shapes, including keys that ReLU zeroes and negative a', () => {
    expect(fusedAptAvailable()).toBe(false); // wasm: the twin runs
    for (const [n, p, d] of [[1, 1, 1], [7, 3, 5], [33, 65, 19]]) {
      const xs = randomArray(n * d, 1, n);
      const ks = randomArray(p * d, 1, p + 100);
      const as = randomArray(p, 1, d + 200);
      const vs = randomArray(p * d, 1, d + 300);
      const got = tf.tidy(() => aptAggregate(tf.tensor2d(xs, [n, d]), tf.tensor2d(ks, [p, d]), tf.tensor1d(as), tf.tensor2d(vs, [p, d])).dataSync());
      const expected = new Float64Array(n * d);
      for (let i = 0; i < n; i++) expected.set(aptDeltaRow(xs.subarray(i * d, (i + 1) * d), ks, as, vs, d), i * d);
      expectAllClose(got, expected, 1e-5, 1e-5);
    }
  });

  it('its gradients match central finite differences of a plain-JS loss for x, K, a, V', () => {
    const [n, p, d] = [5, 4, 3];
    const data = { x: randomArray(n * d, 1, 1), k: randomArray(p * d, 1, 2), a: randomArray(p, 1, 3), v: randomArray(p * d, 1, 4) };
    const upstream = randomArray(n * d, 1, 5);
    const loss = (x: Float32Array, k: Float32Array, a: Float32Array, v: Float32Array) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const row = aptDeltaRow(x.subarray(i * d, (i + 1) * d), k, a, v, d);
        for (let c = 0; c < d; c++) s += row[c] * upstream[i * d + c];
      }
      return s;
    };
    const grads = tf.tidy(() => {
      const f = (x: tf.Tensor, k: tf.Tensor, a: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(aptAggregateTwin(x as tf.Tensor2D, k as tf.Tensor2D, a as tf.Tensor1D, v as tf.Tensor2D), tf.tensor2d(upstream, [n, d])));
      return tf.grads(f)([tf.tensor2d(data.x, [n, d]), tf.tensor2d(data.k, [p, d]), tf.tensor1d(data.a), tf.tensor2d(data.v, [p, d])]).map((g) => g.dataSync());
    });
    const names = ['x', 'k', 'a', 'v'] as const;
    names.forEach((name, which) => {
      const base = data[name];
      for (let i = 0; i < base.length; i++) {
        const eps = 1e-3;
        const plus = { ...data, [name]: Float32Array.from(base, (x, j) => (j === i ? x + eps : x)) };
        const minus = { ...data, [name]: Float32Array.from(base, (x, j) => (j === i ? x - eps : x)) };
        const numeric = (loss(plus.x, plus.k, plus.a, plus.v) - loss(minus.x, minus.k, minus.a, minus.v)) / (2 * eps);
        expect(Math.abs(grads[which][i] - numeric), `${name}[${i}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      }
    });
  });
});

// ------------------------------------------------------------------------------------------

describe('APT gradients vs central finite differences on the tiny model', () => {
  function batchFor(kind: TaskShape['kind']): BatchTensors {
    return {
      inputIds: tf.tensor2d([[3, 17, 3, 0, 28, 3, 9, 1], [7, 21, 4, 13, 2, 2, 2, 2]], undefined, 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 0]], undefined, 'int32'),
      labels: kind === 'classify' ? tf.tensor1d([2, 0], 'int32') : null,
      realTokens: 12,
      lmTargets: 10,
    };
  }

  for (const [variant, task] of [['low-rank', LM], ['low-rank', CLS3], ['dense', LM]] as const) {
    it(`${variant} on ${task.kind}: P′, the projection and s of layers 0 and 1`, () => {
      const model = tinyModel(52);
      const c = config({ length: 3, r: 2, variant });
      const attached = aptMethod.attach(model, task, c, createRng(1));
      const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(11) });
      const b = batchFor(task.kind);
      try {
        randomiseApt(attached, model, c, 30);
        const lossTensor = () => head.loss(b, attached.hooks);
        const lossValue = () => tf.tidy(lossTensor).dataSync()[0];
        for (const l of [0, 1]) {
          const v = layerVars(attached, l);
          for (const target of [v.prompt, v.w1, v.w2, v.dense, v.scale].filter((t): t is tf.Variable => !!t)) {
            const grad = autodiffGradient(lossTensor, target);
            const maxAbs = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
            expect(maxAbs, target.name).toBeGreaterThan(1e-4);
            const candidates = [...grad.keys()].filter((i) => Math.abs(grad[i]) >= 0.2 * maxAbs);
            const picks = [...new Set([candidates[0], candidates[Math.floor(candidates.length / 2)], candidates[candidates.length - 1]])];
            expectFiniteDifferences(target, grad, picks, lossValue, 1e-2, 3e-2);
          }
        }
      } finally {
        tf.dispose([b.inputIds, b.attentionMask, b.labels ?? []]);
        head.dispose();
        attached.dispose();
        model.dispose();
      }
    });
  }
});

// ------------------------------------------------------------------------------------------

describe('APT adapter', () => {
  for (const variant of ['low-rank', 'identity', 'dense'] as const) {
    it(`${variant}: save → safetensors → load into a fresh attach gives identical logits; a wrong shape is refused by name`, async () => {
      const model = tinyModel(53);
      const c = config({ length: 3, r: 2, variant });
      const source = aptMethod.attach(model, LM, c, createRng(1));
      const target = aptMethod.attach(model, LM, c, createRng(2));
      try {
        randomiseApt(source, model, c, 40);
        const expected = logitsOf(model, [IDS], undefined, source.hooks);
        expect(maxAbsDiff(logitsOf(model, [IDS], undefined, target.hooks), expected)).toBeGreaterThan(1e-3);
        const saved = await source.saveAdapter();
        const bytes = writeSafetensors([...saved.tensors].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array })));
        const tensors = readSafetensors(bytes).tensors;
        const perLayer = variant === 'low-rank' ? 4 : variant === 'dense' ? 3 : 2;
        expect(tensors.size).toBe(2 * perLayer);
        expect(tensors.get('h.1.apt.prompt')!.shape).toEqual([3, model.config.nEmbd]);
        expect(tensors.get('h.0.apt.scale')!.shape).toEqual([1]);
        target.loadAdapter({ config: saved.config, tensors });
        expect(maxAbsDiff(logitsOf(model, [IDS], undefined, target.hooks), expected)).toBe(0);
        const other = aptMethod.attach(model, LM, config({ length: 4, r: 2, variant }), createRng(3));
        try {
          expect(() => other.loadAdapter({ config: saved.config, tensors })).toThrow(/h\.0\.apt\.prompt/);
        } finally {
          other.dispose();
        }
      } finally {
        source.dispose();
        target.dispose();
        model.dispose();
      }
    });
  }
});

// ------------------------------------------------------------------------------------------

describe('APT attention map (output share of the prompts)', () => {
  it('‖ΔX‖/(‖SA(X)‖+‖ΔX‖) per layer and token equals the plain-JS value; leaves no tensors', async () => {
    const model = tinyModel(54);
    const c = config({ length: 6, r: 2 });
    const attached = aptMethod.attach(model, LM, c, createRng(1));
    try {
      const ref = randomiseApt(attached, model, c, 50);
      await promptAttentionMap(model, attached, IDS);
      const before = tf.memory().numTensors;
      const map = await promptAttentionMap(model, attached, IDS);
      expect(tf.memory().numTensors).toBe(before);
      expect(map.kind).toBe('output-share');
      const reference = referenceForward(model, IDS, { apt: ref });
      for (let l = 0; l < 2; l++) expectAllClose(map.shares[l], reference.shares[l], 1e-5, 1e-4);
      expect(map.shares.flat().every((s) => s >= 0 && s < 1)).toBe(true);
      expect(map.shares.flat().some((s) => s > 0.05)).toBe(true);
    } finally {
      attached.dispose();
      model.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('extra FLOPs over the frozen model', () => {
  it('APT: K once per batch, the aggregation per sequence (hand count)', () => {
    // d=4, L=2, n=3, B=2, p=5, r=1: keys 4·5·4·1 + 5·4 = 100; a 20; per sequence 4·3·5·4 + 2·3·5 + 2·3·4 = 240 + 30 + 24 = 294.
    const shape = { hidden: 4, layers: 2 };
    expect(aptExtraFlops(shape, 3, 2, config({ length: 5, r: 1 }))).toBe(2 * (100 + 20 + 2 * 294));
    expect(aptExtraFlops(shape, 3, 2, config({ length: 5, variant: 'identity' }))).toBe(2 * (20 + 2 * 294));
    // dense: 2·5·16 + 20 = 180.
    expect(aptExtraFlops(shape, 3, 2, config({ length: 5, variant: 'dense' }))).toBe(2 * (180 + 20 + 2 * 294));
  });

  it('APT at r=4 costs less than deep prompt at the same p, and the saving grows with p·d/n', () => {
    const gpt2Small = { hidden: 768, layers: 12, heads: 12 };
    for (const p of [50, 200]) {
      const apt = aptExtraFlops(gpt2Small, 64, 8, config({ length: p, r: 4 }));
      const deep = deepPromptExtraFlops(gpt2Small, 64, 8, p);
      expect(apt).toBeLessThan(deep);
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('training', () => {
  it('tensor count stays flat over training steps (APT and deep prompt)', async () => {
    const model = tinyModel(55);
    const batch: Batch = { kind: 'lm', batchSize: 2, seqLen: 8, inputIds: Int32Array.from([...IDS, 7, 7, 21, 4, 13, 1, 19, 6]), attentionMask: new Int32Array(16).fill(1) };
    try {
      for (const name of ['apt', 'deep-prompt'] as const) {
        const method = methodByName(name);
        const c = resolveMethodConfig(name, { length: 3 });
        const attached = method.attach(model, LM, c, createRng(1));
        const head = createTaskHead(model, LM, { trainsLmHead: false, rng: createRng(2) });
        const trainer = new Trainer({
          model,
          method: attached,
          head,
          learningRates: { head: 1e-3, prompt: 1e-2, apt: 1e-2 },
          optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 1 },
          schedule: { kind: 'constant', warmupSteps: 0 },
          totalSteps: 4,
          trainable: method.trainableParams(model.shape, LM, c),
          seed: 1,
        });
        try {
          await trainer.trainStep(batch, true);
          const after1 = tf.memory().numTensors;
          await trainer.trainStep(batch, true);
          await trainer.trainStep(batch, true);
          expect(tf.memory().numTensors, name).toBe(after1);
        } finally {
          trainer.dispose();
          head.dispose();
          attached.dispose();
        }
      }
    } finally {
      model.dispose();
    }
  });

  it('APT and deep prompt both lower the validation loss on tiny-gpt2 (lm-spam, 30 steps, p = 16)', async () => {
    const spec = parseExperimentSpec({
      model: 'tiny-gpt2',
      task: 'lm-spam',
      methods: [
        { name: 'deep-prompt', options: { length: 16 } },
        { name: 'apt', options: { length: 16 } },
      ],
      steps: 30,
      batchSize: 8,
      seqLen: 32,
      seed: 3,
      eval: { every: 30, maxBatches: 4 },
      logEvery: 10,
    });
    const evals = new Map<string, number[]>();
    const maps: RunEvent[] = [];
    await runExperiment(
      spec,
      nodeRunnerEnv,
      (e: RunEvent) => {
        if (e.type === 'eval') evals.set(e.runId, [...(evals.get(e.runId) ?? []), e.loss]);
      },
      undefined,
      { afterTraining: async (runs, data, base) => void maps.push(...(await promptMapEvents(runs, data, base.tokenizer!, 12))) },
    );
    // The app's prompt map events (sent by the worker after training): one per run, same example.
    expect(maps.map((m) => (m.type === 'prompt-map' ? [m.runId, m.map.kind, m.map.layers, m.map.tokens, m.tokens.length] : null))).toEqual([
      ['0:deep-prompt', 'softmax-mass', 4, 12, 12],
      ['1:apt', 'output-share', 4, 12, 12],
    ]);
    // Columns read as text (" the", "\n"), not in the vocabulary's byte-level spelling (Ġ, Ċ).
    for (const m of maps) if (m.type === 'prompt-map') expect(m.tokens.join('')).not.toMatch(/[ĠĊ]/);
    expect([...evals.keys()]).toEqual(['0:deep-prompt', '1:apt']);
    for (const [runId, losses] of evals) {
      expect(losses.length, runId).toBe(2);
      expect(losses[1], `${runId}: ${losses.join(' → ')}`).toBeLessThan(losses[0]);
    }
  });
});

describe('the APT vs deep prompt preset', () => {
  it('pairs the two methods at equal p (16 and 64), every variant a valid spec that fits tiny-gpt2', () => {
    const specs = sweepSpecs(aptVsDeepPrompt, withSweepSettings(parseExperimentSpec(DEFAULT_SPEC), aptVsDeepPrompt.settings));
    expect(specs.map((s) => [s.label, s.spec.methods[0].name, s.spec.methods[0].options.length])).toEqual([
      ['deep prompt p=16', 'deep-prompt', 16],
      ['APT p=16 r=4', 'apt', 16],
      ['deep prompt p=64', 'deep-prompt', 64],
      ['APT p=64 r=4', 'apt', 64],
    ]);
    for (const { spec } of specs) {
      expect(spec.seqLen).toBe(48);
      // Neither takes positions: the sequence is the input alone.
      expect(methodByName(spec.methods[0].name).prefixLength?.(spec.methods[0].options) ?? 0).toBe(0);
    }
  });
});
