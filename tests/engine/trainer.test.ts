import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { createRng } from '../../src/engine/data/rng';
import type { Batch } from '../../src/engine/data/types';
import { METHODS, resolveMethodConfig } from '../../src/engine/methods/registry';
import type { TaskShape } from '../../src/engine/methods/types';
import { createTaskHead } from '../../src/engine/train/task-head';
import { GroupedAdam, lrFactorAt, type OptimizerSettings, type ScheduleSettings } from '../../src/engine/train/optimizer';
import { Trainer } from '../../src/engine/train/trainer';
import { tinyModel, valuesOf } from './tiny';

beforeAll(async () => {
  await useWasmBackend();
});

const LR = { model: 1e-3, head: 1e-2, prompt: 3e-2, lora: 1e-2, lowrank: 1e-2, nola: 1e-2, apt: 1e-2 };
const ADAMW: OptimizerSettings = { kind: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1 };

function lmBatch(): Batch {
  return {
    kind: 'lm',
    batchSize: 2,
    seqLen: 7,
    inputIds: Int32Array.from([1, 5, 9, 13, 2, 6, 10, 3, 7, 11, 15, 0, 0, 0]),
    attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
  };
}

function classifyBatch(): Batch {
  return {
    kind: 'classify',
    batchSize: 3,
    seqLen: 5,
    inputIds: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 9, 10, 0, 0, 0]),
    attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]),
    labels: Int32Array.from([0, 2, 1]),
  };
}

const TASKS: Array<{ task: TaskShape; batch: () => Batch }> = [
  { task: { kind: 'lm', numLabels: 0, seqLen: 7 }, batch: lmBatch },
  { task: { kind: 'classify', numLabels: 3, seqLen: 6 }, batch: classifyBatch },
];

describe('Trainer', () => {
  for (const method of METHODS) {
    for (const { task, batch } of TASKS) {
      it(`${method.name} on ${task.kind}: tensor count constant from step to step, loss goes down, frozen weights stay`, async () => {
        const model = tinyModel(21);
        // Prompts short enough for the tiny model's 24 positions (DePT: m = 3, rank set directly).
        const small: Record<string, Record<string, unknown>> = { prompt: { length: 3 }, dept: { length: 3, budget: null, r: 2 } };
        const config = resolveMethodConfig(method.name, small[method.name] ?? {});
        const attached = method.attach(model, task, config, createRng(1));
        const head = createTaskHead(model, task, { trainsLmHead: attached.trainsLmHead ?? false, rng: createRng(2) });
        const trainer = new Trainer({
          model,
          method: attached,
          head,
          learningRates: LR,
          optimizer: ADAMW,
          schedule: { kind: 'constant', warmupSteps: 0 },
          totalSteps: 30,
          trainable: method.trainableParams(model.shape, task, config),
          seed: 3,
        });
        const frozen = model.namedVariables().map(([name, v]) => [name, valuesOf(v)] as const);
        try {
          const b = batch();
          const first = await trainer.trainStep(b, true);
          await trainer.trainStep(b, false);
          const settled = tf.memory().numTensors;
          let last = first;
          for (let step = 3; step <= 12; step++) {
            // Alternate synced and queued steps: both paths must dispose everything.
            const metrics = await trainer.trainStep(b, step % 2 === 0);
            if (metrics) last = metrics;
            expect(tf.memory().numTensors).toBe(settled);
          }
          const evaluation = await trainer.evaluate([b]);
          expect(tf.memory().numTensors).toBe(settled);
          expect(trainer.step).toBe(12);
          expect(Number.isFinite(first!.loss)).toBe(true);
          expect(last!.loss).toBeLessThan(first!.loss);
          expect(evaluation.loss).toBeLessThan(first!.loss);
          expect(evaluation.count).toBe(task.kind === 'lm' ? 9 : 3);
          expect(last!.trainableParams).toBe(trainer.optimizer.variables.reduce((n, v) => n + v.size, 0));
          for (const [name, values] of frozen) {
            const changed = valuesOf(model.variable(name)).some((x, i) => x !== values[i]);
            // Only full fine-tuning may touch the base weights.
            expect(changed).toBe(method.name === 'full');
          }
        } finally {
          trainer.dispose();
          head.dispose();
          attached.dispose();
          model.dispose();
        }
      });
    }
  }

  it('throws if the declared trainable count is wrong, and leaves nothing allocated', () => {
    const model = tinyModel(22);
    const task: TaskShape = { kind: 'classify', numLabels: 3, seqLen: 6 };
    const lora = METHODS.find((m) => m.name === 'lora')!;
    const config = resolveMethodConfig('lora', {});
    const attached = lora.attach(model, task, config, createRng(1));
    const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(2) });
    try {
      const right = lora.trainableParams(model.shape, task, config);
      const options = { model, method: attached, head, learningRates: LR, optimizer: ADAMW, schedule: { kind: 'constant' as const, warmupSteps: 0 }, totalSteps: 5, seed: 1 };
      const before = tf.memory().numTensors;
      expect(() => new Trainer({ ...options, trainable: { method: right.method + 1, head: right.head } })).toThrow(/trainable parameter formula/);
      expect(() => new Trainer({ ...options, trainable: { method: right.method, head: 0 } })).toThrow(/trainable parameter formula/);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => new Trainer({ ...options, trainable: right, learningRates: { model: 1, head: 1, prompt: 1 } as typeof LR })).toThrow(/"lora"/);
      new Trainer({ ...options, trainable: right }).dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      head.dispose();
      attached.dispose();
      model.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

/** torch.optim.Adam / AdamW, one parameter tensor, in plain JS (float64). */
function torchAdamStep(
  p: number[],
  g: number[],
  state: { m: number[]; v: number[]; t: number },
  o: { lr: number; beta1: number; beta2: number; eps: number; wd: number; decoupled: boolean },
): number[] {
  state.t += 1;
  const out = p.slice();
  for (let i = 0; i < p.length; i++) {
    let grad = g[i];
    if (o.decoupled) out[i] *= 1 - o.lr * o.wd; // AdamW: p.mul_(1 - lr·wd)
    else grad += o.wd * p[i]; // Adam: grad = grad.add(p, alpha=wd)
    state.m[i] = o.beta1 * state.m[i] + (1 - o.beta1) * grad;
    state.v[i] = o.beta2 * state.v[i] + (1 - o.beta2) * grad * grad;
    const bias1 = 1 - o.beta1 ** state.t;
    const bias2 = 1 - o.beta2 ** state.t;
    const denom = Math.sqrt(state.v[i]) / Math.sqrt(bias2) + o.eps;
    out[i] -= (o.lr / bias1) * (state.m[i] / denom);
  }
  return out;
}

/** A variable that owns its value (tf.variable leaves the initial tensor alive otherwise). */
function variableOf(values: number[]): tf.Variable {
  const initial = tf.tensor1d(values);
  const v = tf.variable(initial, true);
  initial.dispose();
  return v;
}

function grads(map: Record<string, number[]>): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(map).map(([name, values]) => [name, tf.tensor1d(values)]));
}

describe('GroupedAdam', () => {
  for (const kind of ['adam', 'adamw'] as const) {
    it(`${kind}: two steps match PyTorch's update (weight decay, bias correction, lr factor)`, () => {
      const initial = [0.5, -1.25, 2];
      const gs = [
        [0.3, -0.02, 1.5],
        [-0.1, 0.4, 1.2],
      ];
      const factors = [1, 0.5];
      const lr = 0.05;
      const hyper = { beta1: 0.8, beta2: 0.95, eps: 0.1, decoupled: kind === 'adamw' };
      const v = variableOf(initial);
      const opt = new GroupedAdam([{ name: 'only', variables: [v], lr }], { kind, beta1: 0.8, beta2: 0.95, epsilon: 0.1, weightDecay: 0.1, clipNorm: null });
      let expected = initial.slice();
      let withoutDecay = initial.slice();
      const state = { m: [0, 0, 0], v: [0, 0, 0], t: 0 };
      const stateWithoutDecay = { m: [0, 0, 0], v: [0, 0, 0], t: 0 };
      try {
        for (let step = 0; step < 2; step++) {
          const g = grads({ [v.name]: gs[step] });
          tf.dispose([opt.apply(g, factors[step]), g]);
          expected = torchAdamStep(expected, gs[step], state, { ...hyper, lr: lr * factors[step], wd: 0.1 });
          withoutDecay = torchAdamStep(withoutDecay, gs[step], stateWithoutDecay, { ...hyper, lr: lr * factors[step], wd: 0 });
          const got = valuesOf(v);
          for (let i = 0; i < 3; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThan(1e-6);
        }
        // The comparison can tell: weight decay moved the result well beyond the tolerance.
        expect(Math.max(...expected.map((x, i) => Math.abs(x - withoutDecay[i])))).toBeGreaterThan(1e-4);
        expect(opt.steps).toBe(2);
      } finally {
        opt.dispose();
        v.dispose();
      }
    });
  }

  it('two groups step with their own learning rates (first Adam step ≈ lr·sign(g))', () => {
    const a = variableOf([1, 1, 1]);
    const b = variableOf([1, 1, 1]);
    const opt = new GroupedAdam(
      [
        { name: 'A', variables: [a], lr: 1e-1 },
        { name: 'B', variables: [b], lr: 1e-4 },
      ],
      { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: null },
    );
    try {
      const g = grads({ [a.name]: [0.5, -2, 0.01], [b.name]: [0.5, -2, 0.01] });
      tf.dispose([opt.apply(g, 1), g]);
      const da = valuesOf(a).map((x) => x - 1);
      const db = valuesOf(b).map((x) => x - 1);
      const sign = [-1, 1, -1];
      for (let i = 0; i < 3; i++) {
        expect(da[i]).toBeCloseTo(sign[i] * 1e-1, 5);
        expect(db[i]).toBeCloseTo(sign[i] * 1e-4, 6);
        expect(da[i] / db[i]).toBeCloseTo(1000, 0);
      }
    } finally {
      opt.dispose();
      a.dispose();
      b.dispose();
    }
  });

  it('clips by the global norm over all groups, and only above clipNorm', () => {
    // With ε = 1 the first step is g'/(|g'| + 1): it depends on the gradient's scale.
    const settings: OptimizerSettings = { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1, weightDecay: 0, clipNorm: 2 };
    const firstStep = (g: number, lr: number) => -lr * (g / (Math.abs(g) + 1)); // m̂ = g, √v̂ = |g|
    for (const scale of [1, 0.1]) {
      const x = variableOf([0, 0]);
      const y = variableOf([0]);
      const opt = new GroupedAdam(
        [
          { name: 'x', variables: [x], lr: 0.1 },
          { name: 'y', variables: [y], lr: 0.2 },
        ],
        settings,
      );
      try {
        const raw = { [x.name]: [3 * scale, 4 * scale], [y.name]: [12 * scale] }; // global norm 13·scale
        const g = grads(raw);
        const norm = opt.apply(g, 1);
        expect(norm.dataSync()[0]).toBeCloseTo(13 * scale, 4);
        tf.dispose([norm, g]);
        const norm13 = 13 * scale;
        const factor = norm13 > 2 ? 2 / (norm13 + 1e-6) : 1;
        const gotX = valuesOf(x);
        const gotY = valuesOf(y);
        expect(gotX[0]).toBeCloseTo(firstStep(3 * scale * factor, 0.1), 6);
        expect(gotX[1]).toBeCloseTo(firstStep(4 * scale * factor, 0.1), 6);
        expect(gotY[0]).toBeCloseTo(firstStep(12 * scale * factor, 0.2), 6);
        // And it is not the unclipped update when clipping applies.
        if (factor < 1) expect(Math.abs(gotY[0] - firstStep(12 * scale, 0.2))).toBeGreaterThan(1e-2);
      } finally {
        opt.dispose();
        x.dispose();
        y.dispose();
      }
    }
  });
});

// ------------------------------------------------------------------------------------------

/** transformers.optimization's lr_lambda functions, transcribed. */
const hf = {
  constant(step: number, warmup: number): number {
    if (step < warmup) return step / Math.max(1, warmup);
    return 1;
  },
  linear(step: number, warmup: number, total: number): number {
    if (step < warmup) return step / Math.max(1, warmup);
    return Math.max(0, (total - step) / Math.max(1, total - warmup));
  },
  cosine(step: number, warmup: number, total: number, cycles = 0.5): number {
    if (step < warmup) return step / Math.max(1, warmup);
    const progress = (step - warmup) / Math.max(1, total - warmup);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
  },
};

describe('lrFactorAt', () => {
  const total = 100;
  for (const kind of ['constant', 'linear', 'cosine'] as const) {
    for (const warmup of [0, 10]) {
      it(`${kind} with ${warmup} warm-up steps matches Hugging Face`, () => {
        const s: ScheduleSettings = { kind, warmupSteps: warmup };
        for (const step of [0, 1, 5, 9, 10, 11, 37, 50, 73, 99, 100]) {
          expect(lrFactorAt(step, total, s)).toBeCloseTo(hf[kind](step, warmup, total), 12);
        }
      });
    }
  }

  it('known values', () => {
    expect(lrFactorAt(0, 100, { kind: 'linear', warmupSteps: 10 })).toBe(0);
    expect(lrFactorAt(5, 100, { kind: 'linear', warmupSteps: 10 })).toBeCloseTo(0.5, 12);
    expect(lrFactorAt(55, 100, { kind: 'linear', warmupSteps: 10 })).toBeCloseTo(0.5, 12);
    expect(lrFactorAt(55, 100, { kind: 'cosine', warmupSteps: 10 })).toBeCloseTo(0.5, 12);
    expect(lrFactorAt(10, 100, { kind: 'cosine', warmupSteps: 10 })).toBeCloseTo(1, 12);
    expect(lrFactorAt(100, 100, { kind: 'cosine', warmupSteps: 10 })).toBeCloseTo(0, 12);
  });
});
