import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { gpt2ModelShape, type Gpt2Model } from '../../src/engine/models/gpt2';
import type { ModelHooks } from '../../src/engine/models/hooks';
import { createRng } from '../../src/engine/data/rng';
import type { Batch } from '../../src/engine/data/types';
import { DEPT_TENSORS, deptBudget, deptMethod, deptPlan, deptSweep, type DeptConfig } from '../../src/engine/methods/dept';
import { promptMethod } from '../../src/engine/methods/prompt';
import { resolveMethodConfig } from '../../src/engine/methods/registry';
import { AdapterError, type AdapterFiles, type AttachedMethod, type TaskShape } from '../../src/engine/methods/types';
import { adapterToFiles, applyAdapterTensors, parseAdapterFiles } from '../../src/engine/methods/adapter-files';
import { batchToTensors, createTaskHead, disposeBatch, type BatchTensors } from '../../src/engine/train/task-head';
import { Trainer } from '../../src/engine/train/trainer';
import { readSafetensors, writeSafetensors } from '../../src/engine/io/safetensors';
import { parseExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import type { RunEvent } from '../../src/engine/experiment/events';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { expectAllClose, logitsOf, maxAbsDiff, setValues, tinyModel, valuesOf } from './tiny';
import { autodiffGradient, expectFiniteDifferences } from './finite-differences';

beforeAll(async () => {
  await useWasmBackend();
});

/** Tiny model: d = 12, n_positions = 24. Inputs of s = 8 tokens. */
const LM: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 8 };
const CLS3: TaskShape = { kind: 'classify', numLabels: 3, seqLen: 8 };
const IDS = [
  [3, 17, 5, 0, 28, 9, 11, 2],
  [7, 7, 21, 4, 13, 1, 19, 6],
];

function config(options: Partial<DeptConfig>): DeptConfig {
  return resolveMethodConfig('dept', options) as DeptConfig;
}

/** Deterministic test values, independent of the engine's RNG (Mulberry32). */
function randomArray(size: number, scale: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

/** P_s, A, B of an attached DePT (null where m = 0 or r = 0). */
function parts(attached: AttachedMethod): { prompt: tf.Variable | null; a: tf.Variable | null; b: tf.Variable | null } {
  const byGroup = (name: string) => attached.paramGroups.find((g) => g.name === name)?.variables ?? [];
  const [a, b] = byGroup('lowrank');
  return { prompt: byGroup('prompt')[0] ?? null, a: a ?? null, b: b ?? null };
}

/** Host A·B [s, d] (row-major) from host A [s, r] and B [r, d]. */
function hostProduct(a: Float32Array, b: Float32Array, s: number, r: number, d: number): Float32Array {
  const out = new Float32Array(s * d);
  for (let i = 0; i < s; i++) for (let k = 0; k < r; k++) for (let j = 0; j < d; j++) out[i * d + j] += a[i * r + k] * b[k * d + j];
  return out;
}

// ------------------------------------------------------------------------------------------

describe('DePT budget matching: l·d = m·d + (s + d)·r', () => {
  it("T5-base's example: d=768, s=256, l=100 → 76,800 params; m=60 → r=30, m=40 → r=45 (paper §3.1)", () => {
    expect(deptBudget(768, 256, 100, 60)).toEqual({ r: 30, exactR: 30, params: 76_800, ptParams: 76_800, difference: 0 });
    expect(deptBudget(768, 256, 100, 40).r).toBe(45);
  });

  it("is exact for the paper's sweep m ∈ {0, 20, 40, 60, 80} at d=768, s=256, and through the method's own formula", () => {
    const t5BaseLike = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 32128, n_positions: 512, n_embd: 768, n_layer: 12, n_head: 12 }));
    const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 256 };
    for (const m of [0, 20, 40, 60, 80]) {
      const budget = deptBudget(768, 256, 100, m);
      expect(Number.isInteger(budget.exactR)).toBe(true);
      expect(100 * 768).toBe(m * 768 + (256 + 768) * budget.r);
      expect(budget.difference).toBe(0);
      expect(deptMethod.trainableParams(t5BaseLike, task, config({ length: m, budget: 100 }))).toEqual({ method: 76_800, head: 0 });
    }
  });

  it('whenever r comes out integral the equality is exact; otherwise the nearest r is used and the gap reported', () => {
    let integral = 0;
    for (const d of [12, 64, 128, 768]) {
      for (const s of [8, 32, 64, 128, 256]) {
        for (const l of [10, 50, 100]) {
          for (let m = 0; m <= l; m += 5) {
            const b = deptBudget(d, s, l, m);
            expect(b.params).toBe(m * d + (s + d) * b.r);
            expect(b.difference).toBe(b.params - l * d);
            // The nearest integer: never more than half a rank's worth of parameters away.
            expect(Math.abs(b.difference)).toBeLessThanOrEqual((s + d) / 2);
            if (Number.isInteger(b.exactR)) {
              integral++;
              expect(l * d).toBe(m * d + (s + d) * b.r);
            }
          }
        }
      }
    }
    expect(integral).toBeGreaterThan(20);
    // tiny-gpt2 (d=128) at s=64, m=60: r = 26.67 → 27, 64 params over PT's 12,800.
    expect(deptBudget(128, 64, 100, 60)).toMatchObject({ r: 27, params: 12_864, ptParams: 12_800, difference: 64 });
  });

  it('budget null uses r as given; the plan reports m + s as the sequence the model runs on', () => {
    const plan = deptPlan({ hidden: 128 }, 64, config({ length: 20, budget: null, r: 8 }));
    expect(plan).toEqual({ m: 20, r: 8, s: 64, params: 20 * 128 + (64 + 128) * 8, budget: null, sequenceLength: 84 });
  });

  it("the sweep helper: PT at l and DePT at the paper's m, with what fits the model's context", () => {
    const sweep = deptSweep({ hidden: 768, maxPositions: 512 }, 256, 100);
    expect(sweep.pt).toEqual({ l: 100, params: 76_800, sequenceLength: 356, fits: true });
    expect(sweep.points.map((p) => [p.m, p.r, p.params, p.sequenceLength])).toEqual([
      [0, 75, 76_800, 256],
      [20, 60, 76_800, 276],
      [40, 45, 76_800, 296],
      [60, 30, 76_800, 316],
      [80, 15, 76_800, 336],
    ]);
    // tiny-gpt2 (128 positions) at s = 64: PT l=100 and DePT m=80 do not fit.
    const tiny = deptSweep({ hidden: 128, maxPositions: 128 }, 64, 100);
    expect(tiny.pt.fits).toBe(false);
    expect(tiny.points.map((p) => p.fits)).toEqual([true, true, true, true, false]);
  });

  it('the schema refuses a budget below m and a config that trains nothing', () => {
    expect(() => config({ length: 60, budget: 40 })).toThrow(/dept\.budget/);
    expect(() => config({ length: 0, budget: null, r: 0 })).toThrow(/dept\.r/);
    expect(config({ length: 0, budget: 100 })).toMatchObject({ length: 0, budget: 100 });
  });
});

// ------------------------------------------------------------------------------------------

describe('DePT forward', () => {
  let model: Gpt2Model;
  beforeAll(() => {
    model = tinyModel(31);
  });
  afterAll(() => model.dispose());

  it('at init (B = 0, A random) computes exactly vanilla PT with the same prompt, padding included', () => {
    const dept = deptMethod.attach(model, LM, config({ length: 3, budget: null, r: 2 }), createRng(1));
    const pt = promptMethod.attach(model, LM, { length: 3, init: 'vocab' }, createRng(2));
    try {
      const { prompt, a, b } = parts(dept);
      expect(valuesOf(b!).every((x) => x === 0)).toBe(true);
      expect(valuesOf(a!).some((x) => x !== 0)).toBe(true);
      setValues(pt.paramGroups[0].variables[0], valuesOf(prompt!));
      const mask = [IDS[0].map(() => 1), IDS[1].map((_, t) => (t < 5 ? 1 : 0))];
      expect(maxAbsDiff(logitsOf(model, IDS, mask, dept.hooks), logitsOf(model, IDS, mask, pt.hooks))).toBe(0);
    } finally {
      dept.dispose();
      pt.dispose();
    }
  });

  it('adds row i of A·B to input token i (before positions), then prepends P_s; shorter inputs use the first rows', () => {
    const r = 3;
    const d = model.config.nEmbd;
    const s = LM.seqLen;
    const dept = deptMethod.attach(model, LM, config({ length: 2, budget: null, r }), createRng(3));
    try {
      const { prompt, a, b } = parts(dept);
      setValues(b!, randomArray(r * d, 0.5, 7));
      const product = hostProduct(valuesOf(a!), valuesOf(b!), s, r, d);
      const promptRows = valuesOf(prompt!);
      // The same computation spelled out with host values: [P_s ; W_x + (A·B)[:T]].
      const reference = (withDelta: boolean): ModelHooks => ({
        prefixLength: 2,
        inputEmbeddings: (x) => {
          const [batch, t] = x.shape;
          const delta = tf.tensor3d(product.slice(0, t * d), [1, t, d]);
          const p = tf.tile(tf.tensor3d(promptRows, [1, 2, d]), [batch, 1, 1]);
          return tf.concat([p, withDelta ? tf.add(x, delta) : x], 1) as tf.Tensor3D;
        },
      });
      for (const ids of [IDS, IDS.map((row) => row.slice(0, 5))]) {
        const got = logitsOf(model, ids, undefined, dept.hooks);
        // The update matters (B is nonzero), and it is exactly the position-wise one.
        expect(maxAbsDiff(got, logitsOf(model, ids, undefined, reference(false)))).toBeGreaterThan(1e-3);
        expectAllClose(got, logitsOf(model, ids, undefined, reference(true)), 1e-5, 1e-5);
      }
      // Longer than s: A has no rows for it.
      expect(() => logitsOf(model, [[...IDS[0], 1, 2]], undefined, dept.hooks)).toThrow(/s=8/);
    } finally {
      dept.dispose();
    }
  });

  it('m = 0 prepends nothing; r = 0 (budget = m) is plain PT', () => {
    const noPrompt = deptMethod.attach(model, LM, config({ length: 0, budget: 4 }), createRng(4));
    const noRank = deptMethod.attach(model, LM, config({ length: 4, budget: 4 }), createRng(5));
    try {
      expect(noPrompt.hooks.prefixLength).toBe(0);
      expect(noPrompt.paramGroups.map((g) => g.name)).toEqual(['lowrank']);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, noPrompt.hooks), logitsOf(model, IDS))).toBe(0);
      expect(noRank.paramGroups.map((g) => g.name)).toEqual(['prompt']);
      expect(noRank.hooks.prefixLength).toBe(4);
    } finally {
      noPrompt.dispose();
      noRank.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('DePT trainable parameters', () => {
  const cases: Array<Partial<DeptConfig>> = [
    { length: 3, budget: 10 },
    { length: 0, budget: 10 },
    { length: 5, budget: 5 },
    { length: 2, budget: null, r: 4, init: 'random' },
    {},
  ];
  for (const options of cases) {
    for (const task of [LM, CLS3]) {
      it(`${JSON.stringify(options)} on ${task.kind}: the formula is what attach creates, in groups prompt / lowrank`, () => {
        const model = tinyModel(32);
        const c = config(options);
        const attached = deptMethod.attach(model, task, c, createRng(1));
        const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(2) });
        try {
          const { prompt, a, b } = parts(attached);
          const plan = deptPlan(model.shape, task.seqLen, c);
          const d = model.config.nEmbd;
          if (plan.m > 0) expect(prompt!.shape).toEqual([plan.m, d]);
          if (plan.r > 0) {
            expect(a!.shape).toEqual([task.seqLen, plan.r]);
            expect(b!.shape).toEqual([plan.r, d]);
          }
          for (const v of attached.paramGroups.flatMap((g) => g.variables)) expect(v.trainable).toBe(true);
          const counted = attached.paramGroups.flatMap((g) => g.variables).reduce((n, v) => n + v.size, 0);
          const headCount = head.variables.reduce((n, v) => n + v.size, 0);
          expect(deptMethod.trainableParams(model.shape, task, c)).toEqual({ method: counted, head: headCount });
          expect(counted).toBe(plan.m * d + (task.seqLen + d) * plan.r);
        } finally {
          head.dispose();
          attached.dispose();
          model.dispose();
        }
      });
    }
  }
});

// ------------------------------------------------------------------------------------------

describe('DePT trains P_s and (A, B) with their own learning rates', () => {
  const LR = { model: 1, head: 1, prompt: 0.05, lora: 1, lowrank: 0.002 };
  const BETA1 = 0.9;
  const BETA2 = 0.999;
  const batch: Batch = { kind: 'lm', batchSize: 2, seqLen: 8, inputIds: Int32Array.from(IDS.flat()), attentionMask: new Int32Array(16).fill(1) };

  /** Gradients of the loss the trainer will take, for the method's variables, on `batch`. */
  function gradients(model: Gpt2Model, attached: AttachedMethod, vars: tf.Variable[]): Float32Array[] {
    const head = createTaskHead(model, LM, { trainsLmHead: false, rng: createRng(9) });
    const t = batchToTensors(batch);
    try {
      const { value, grads } = tf.variableGrads(() => head.loss(t, attached.hooks), vars);
      const out = vars.map((v) => Float32Array.from(grads[v.name].dataSync()));
      tf.dispose([value, grads]);
      return out;
    } finally {
      disposeBatch(t);
      head.dispose();
    }
  }

  /** Each element with a clear gradient moved by −step·sign(g); the rest (zero gradient) stayed. */
  function expectSignStep(before: Float32Array, after: Float32Array, grad: Float32Array, step: number, what: string): void {
    let moved = 0;
    for (let i = 0; i < grad.length; i++) {
      const delta = after[i] - before[i];
      if (grad[i] === 0) {
        expect(delta, `${what}[${i}]`).toBe(0);
      } else if (Math.abs(grad[i]) > 1e-5) {
        // Adam's first step: lr·g/(|g| + ε), so within ε/|g| ≤ 1e-3 of lr, plus float rounding.
        if (!(Math.abs(delta + step * Math.sign(grad[i])) <= 2e-3 * step + 1e-6)) expect.fail(`${what}[${i}] moved ${delta}, expected ${-step * Math.sign(grad[i])}`);
        moved++;
      }
    }
    expect(moved, what).toBeGreaterThan(grad.length / 2);
  }

  it('step 1: P_s moves by lr.prompt and B by lr.lowrank; A stays (its gradient is 0 while B = 0); step 2 moves A at lr.lowrank', async () => {
    const model = tinyModel(33);
    const c = config({ length: 3, budget: null, r: 2 });
    const attached = deptMethod.attach(model, LM, c, createRng(1));
    const head = createTaskHead(model, LM, { trainsLmHead: false, rng: createRng(2) });
    const trainer = new Trainer({
      model,
      method: attached,
      head,
      learningRates: LR,
      optimizer: { kind: 'adam', beta1: BETA1, beta2: BETA2, epsilon: 1e-8, weightDecay: 0, clipNorm: null },
      schedule: { kind: 'constant', warmupSteps: 0 },
      totalSteps: 2,
      trainable: deptMethod.trainableParams(model.shape, LM, c),
      seed: 1,
    });
    try {
      const { prompt, a, b } = parts(attached);
      const vars = [prompt!, a!, b!];
      const before = vars.map(valuesOf);
      const [gP, gA, gB] = gradients(model, attached, vars);
      expect(gA.every((g) => g === 0)).toBe(true);
      expect(gB.some((g) => Math.abs(g) > 1e-4)).toBe(true);
      await trainer.trainStep(batch, true);
      const after = vars.map(valuesOf);
      expectSignStep(before[0], after[0], gP, LR.prompt, 'P_s');
      expectSignStep(before[2], after[2], gB, LR.lowrank, 'B');
      expect(maxAbsDiff(after[1], before[1])).toBe(0);

      // Step 2: B ≠ 0 now, so A has a gradient. Adam's moments of A are fresh at t = 2:
      // m̂ = g/(1+β1), v̂ = g²/(1+β2) → the step is lr·√(1+β2)/(1+β1)·sign(g).
      const [, gA2] = gradients(model, attached, vars);
      expect(gA2.some((g) => Math.abs(g) > 1e-4)).toBe(true);
      await trainer.trainStep(batch, true);
      expectSignStep(after[1], valuesOf(a!), gA2, (LR.lowrank * Math.sqrt(1 + BETA2)) / (1 + BETA1), 'A');
    } finally {
      trainer.dispose();
      head.dispose();
      attached.dispose();
      model.dispose();
    }
  });

  it('a trainer without a "lowrank" rate is refused by name', () => {
    const model = tinyModel(34);
    const c = config({ length: 2, budget: null, r: 2 });
    const attached = deptMethod.attach(model, LM, c, createRng(1));
    const head = createTaskHead(model, LM, { trainsLmHead: false, rng: createRng(2) });
    try {
      const { lowrank: _unused, ...withoutLowrank } = LR;
      expect(
        () =>
          new Trainer({
            model,
            method: attached,
            head,
            learningRates: withoutLowrank,
            optimizer: { kind: 'adam', beta1: BETA1, beta2: BETA2, epsilon: 1e-8, weightDecay: 0, clipNorm: null },
            schedule: { kind: 'constant', warmupSteps: 0 },
            totalSteps: 1,
            trainable: deptMethod.trainableParams(model.shape, LM, c),
            seed: 1,
          }),
      ).toThrow(/"lowrank"/);
    } finally {
      head.dispose();
      attached.dispose();
      model.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('DePT gradients vs central finite differences', () => {
  const EPS = 1e-2;
  const REL = 2e-2;

  function batchFor(kind: TaskShape['kind']): BatchTensors {
    return {
      inputIds: tf.tensor2d([[3, 17, 3, 0, 28, 3, 9, 1], [7, 21, 4, 13, 2, 2, 2, 2]], undefined, 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 0]], undefined, 'int32'),
      labels: kind === 'classify' ? tf.tensor1d([2, 0], 'int32') : null,
      realTokens: 12,
      lmTargets: 10,
    };
  }

  /** Autodiff against (L(x+ε) − L(x−ε)) / 2ε at a few coordinates with a clear gradient. */
  function checkGradient(model: Gpt2Model, attached: AttachedMethod, task: TaskShape, target: tf.Variable, coordinates = 3): void {
    const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(11) });
    const b = batchFor(task.kind);
    const prefix = attached.hooks.prefixLength ?? 0;
    const lossTensor = () => head.loss(b, attached.hooks);
    const lossValue = () => tf.tidy(lossTensor).dataSync()[0];
    try {
      const grad = autodiffGradient(lossTensor, target);
      const maxAbs = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
      expect(maxAbs).toBeGreaterThan(1e-3);
      const candidates = [...grad.keys()].filter((i) => Math.abs(grad[i]) >= 0.2 * maxAbs);
      // Spread over the tensor: first, middle and last of the candidates.
      const picks = [...new Set([0, Math.floor(candidates.length / 2), candidates.length - 1].slice(0, coordinates).map((k) => candidates[k]))];
      expectFiniteDifferences(target, grad, picks, lossValue, EPS, REL);
    } finally {
      head.dispose();
      tf.dispose([b.inputIds, b.attentionMask, b.labels ?? []]);
    }
  }

  for (const task of [LM, CLS3]) {
    it(`P_s, A and B on ${task.kind} (B set nonzero first, so A has a gradient)`, () => {
      const model = tinyModel(35);
      const attached = deptMethod.attach(model, task, config({ length: 3, budget: null, r: 2 }), createRng(1));
      try {
        const { prompt, a, b } = parts(attached);
        setValues(b!, randomArray(b!.size, 0.5, 21));
        checkGradient(model, attached, task, prompt!);
        checkGradient(model, attached, task, a!);
        checkGradient(model, attached, task, b!);
      } finally {
        attached.dispose();
        model.dispose();
      }
    });
  }
});

// ------------------------------------------------------------------------------------------

/** Through real safetensors bytes and JSON, as a saved adapter would travel. */
function throughFiles(files: AdapterFiles): AdapterFiles {
  const bytes = writeSafetensors([...files.tensors].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array })));
  return { config: JSON.parse(JSON.stringify(files.config)), tensors: readSafetensors(bytes).tensors };
}

describe('DePT adapters', () => {
  it("save in the authors' layout; loading into a fresh attach reproduces the logits exactly", async () => {
    const model = tinyModel(36);
    const c = config({ length: 3, budget: null, r: 2 });
    const source = deptMethod.attach(model, LM, c, createRng(1));
    const target = deptMethod.attach(model, LM, c, createRng(2));
    try {
      setValues(parts(source).b!, randomArray(2 * model.config.nEmbd, 0.5, 31));
      const expected = logitsOf(model, IDS, undefined, source.hooks);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), expected)).toBeGreaterThan(1e-3);
      const files = throughFiles(await source.saveAdapter());
      const d = model.config.nEmbd;
      expect([...files.tensors.keys()].sort()).toEqual([DEPT_TENSORS.prompt, DEPT_TENSORS.a, DEPT_TENSORS.b].sort());
      expect(files.tensors.get(DEPT_TENSORS.prompt)!.shape).toEqual([3, d]);
      expect(files.tensors.get(DEPT_TENSORS.a)!.shape).toEqual([8, 2]);
      expect(files.tensors.get(DEPT_TENSORS.b)!.shape).toEqual([2, d]);
      expect(files.config).toMatchObject({ peft_type: 'PROMPT_TUNING_LORA', num_virtual_tokens: 3, token_dim: d, r: 2, max_length: 8 });
      // Their forward scales A·B by lora_alpha/√r; the saved alpha makes that factor 1.
      expect((files.config.lora_alpha as number) / Math.sqrt(2)).toBeCloseTo(1, 12);
      target.loadAdapter(files);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), expected)).toBe(0);
    } finally {
      source.dispose();
      target.dispose();
      model.dispose();
    }
  });

  it('round-trip through adapter_config.json + safetensors with the task head (classification), m = 0 included', async () => {
    const model = tinyModel(37);
    for (const options of [{ length: 2, budget: 6 }, { length: 0, budget: 6 }]) {
      const c = config(options);
      const source = deptMethod.attach(model, CLS3, c, createRng(1));
      const sourceHead = createTaskHead(model, CLS3, { trainsLmHead: false, rng: createRng(2) });
      const target = deptMethod.attach(model, CLS3, c, createRng(3));
      const targetHead = createTaskHead(model, CLS3, { trainsLmHead: false, rng: createRng(4) });
      const b: BatchTensors = { inputIds: tf.tensor2d(IDS, undefined, 'int32'), attentionMask: tf.tensor2d([IDS[0].map(() => 1), IDS[1].map((_, t) => (t < 6 ? 1 : 0))], undefined, 'int32'), labels: null, realTokens: 14, lmTargets: 12 };
      const last = (method: AttachedMethod, head: typeof sourceHead) =>
        tf.tidy(() => head.logits!(b, method.hooks)).dataSync();
      try {
        setValues(parts(source).b!, randomArray(parts(source).b!.size, 0.5, 41));
        const files = await adapterToFiles(source, sourceHead, { method: 'dept', options: c as unknown as Record<string, unknown>, task: { id: 'spam', kind: 'classify', numLabels: 3, seqLen: 8, labels: ['a', 'b', 'c'] }, baseModel: 'tiny' });
        const parsed = parseAdapterFiles(files.config, files.weights);
        expect(parsed.description.method).toBe('dept');
        expect(parsed.description.task.seqLen).toBe(8);
        expect(maxAbsDiff(last(target, targetHead), last(source, sourceHead))).toBeGreaterThan(1e-4);
        applyAdapterTensors(target, targetHead, parsed.tensors);
        expect(maxAbsDiff(last(target, targetHead), last(source, sourceHead))).toBe(0);
      } finally {
        tf.dispose([b.inputIds, b.attentionMask]);
        for (const x of [source, sourceHead, target, targetHead]) x.dispose();
      }
    }
    model.dispose();
  });

  it('an adapter trained at another input length s is refused with a clear message, and nothing is applied', async () => {
    const model = tinyModel(38);
    const c = config({ length: 2, budget: 6 });
    const at8 = deptMethod.attach(model, LM, c, createRng(1));
    const at6 = deptMethod.attach(model, { ...LM, seqLen: 6 }, c, createRng(2));
    try {
      const files = throughFiles(await at8.saveAdapter());
      const before = at6.paramGroups.flatMap((g) => g.variables.map(valuesOf));
      let error: unknown;
      try {
        at6.loadAdapter(files);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AdapterError);
      expect((error as Error).message).toMatch(/trained for inputs of s=8 tokens; this run uses 6/);
      at6.paramGroups.flatMap((g) => g.variables.map(valuesOf)).forEach((values, i) => expect(maxAbsDiff(values, before[i])).toBe(0));
      // Same s, other rank: the generic shape error names the tensor.
      const otherRank = deptMethod.attach(model, LM, config({ length: 2, budget: null, r: 1 }), createRng(3));
      try {
        expect(() => otherRank.loadAdapter(files)).toThrow(/prompt_encoder\.lora_embedding_A/);
      } finally {
        otherRank.dispose();
      }
    } finally {
      at8.dispose();
      at6.dispose();
      model.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('DePT in the runner', () => {
  it('lowers the validation loss on tiny-gpt2 (lm-spam, two learning rates)', async () => {
    const spec = parseExperimentSpec({
      model: 'tiny-gpt2',
      task: 'lm-spam',
      methods: [{ name: 'dept', options: { length: 8, budget: 20 } }],
      steps: 24,
      batchSize: 8,
      seqLen: 32,
      seed: 3,
      eval: { every: 24, maxBatches: 4 },
      logEvery: 10,
    });
    const losses: number[] = [];
    const starts: RunEvent[] = [];
    await runExperiment(spec, nodeRunnerEnv, (e) => {
      if (e.type === 'eval') losses.push(e.loss);
      if (e.type === 'run-start') starts.push(e);
    });
    expect(starts[0]).toMatchObject({ method: 'dept', seqLen: 32 + 8 });
    expect(losses.length).toBe(2);
    expect(losses[1], losses.join(' → ')).toBeLessThan(losses[0]);
  });

  it("refuses a DePT prompt that does not fit n_positions with the input, before training", async () => {
    const spec = parseExperimentSpec({ model: 'tiny-gpt2', task: 'lm-spam', methods: [{ name: 'dept', options: { length: 80, budget: 100 } }], steps: 1, seqLen: 64 });
    await expect(runExperiment(spec, nodeRunnerEnv, () => {})).rejects.toThrow(/sequence length 64 \+ 80 prompt tokens \(dept\) exceeds the model's context of 128 tokens/);
  });
});
