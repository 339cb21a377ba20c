import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { gpt2ModelShape, type Gpt2Model } from '../../src/engine/models/gpt2';
import { affine } from '../../src/engine/models/layers';
import { createRng } from '../../src/engine/data/rng';
import type { Batch } from '../../src/engine/data/types';
import { resolveMethodConfig } from '../../src/engine/methods/registry';
import { AdapterError, type AttachedMethod, type TaskShape } from '../../src/engine/methods/types';
import { adapterToFiles, applyAdapterTensors, parseAdapterFiles } from '../../src/engine/methods/adapter-files';
import { attachNola, nolaMethod, type NolaConfig } from '../../src/engine/methods/nola';
import {
  decodeNolaAdapter,
  encodeNolaAdapter,
  nolaCoefficientsFromTensors,
  nolaEncodedBytes,
  NolaEncodingError,
  nolaTensorsFromEncoded,
} from '../../src/engine/methods/nola-adapter-codec';
import { loraMethod, type LoraConfig } from '../../src/engine/methods/lora';
import { mix32, nolaStream, nolaTargetId, nolaUint32, nolaUnitFloat } from '../../src/engine/kernels/nola-prng';
import { nolaCombine, NolaBasisCache } from '../../src/engine/kernels/nola-basis';
import { dequantizeVector, fakeQuantizeHost, fakeQuantizeRows, quantizeVector } from '../../src/engine/kernels/nola-quant';
import { batchToTensors, createTaskHead, disposeBatch } from '../../src/engine/train/task-head';
import { Trainer } from '../../src/engine/train/trainer';
import { parseExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import type { RunEvent } from '../../src/engine/experiment/events';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { expectAllClose, logitsOf, maxAbsDiff, setValues, tinyModel, valuesOf } from './tiny';
import { prng } from './prng';
import { autodiffGradient, expectFiniteDifferences } from './finite-differences';

beforeAll(async () => {
  await useWasmBackend();
});

const LM: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 8 };
const CLS3: TaskShape = { kind: 'classify', numLabels: 3, seqLen: 8 };
const IDS = [
  [3, 17, 5, 0, 28, 9, 11, 2],
  [7, 7, 21, 4, 13, 1, 19, 6],
];

function config(options: Partial<NolaConfig>): NolaConfig {
  return resolveMethodConfig('nola', options) as NolaConfig;
}

function randomArray(size: number, scale: number, seed: number): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

/** α and β of an attached NOLA by "site.role", from the variable names. */
function coefficientVars(attached: AttachedMethod): Map<string, { alpha: tf.Variable; beta: tf.Variable }> {
  const out = new Map<string, { alpha: tf.Variable; beta: tf.Variable }>();
  for (const v of attached.paramGroups.flatMap((g) => g.variables)) {
    const match = /^nola\/(.+)\/(alpha|beta)#\d+$/.exec(v.name);
    if (!match) throw new Error(`unexpected NOLA variable name ${v.name}`);
    const entry = out.get(match[1]) ?? ({} as { alpha: tf.Variable; beta: tf.Variable });
    entry[match[2] as 'alpha' | 'beta'] = v;
    out.set(match[1], entry);
  }
  return out;
}

function randomizeCoefficients(attached: AttachedMethod, seed: number, scale = 0.5): void {
  let i = 0;
  for (const { alpha, beta } of coefficientVars(attached).values()) {
    setValues(alpha, randomArray(alpha.size, scale, seed + i++));
    setValues(beta, randomArray(beta.size, scale, seed + i++));
  }
}

// ------------------------------------------------------------------------------------------

describe('NOLA PRNG (docs/nola-prng.md)', () => {
  // Computed independently with the Python definition of docs/nola-prng.md (its appendix).
  const VECTORS: Array<[number, number, number, number, number]> = [
    [0, 0, 0, 0, 0x03e4c6e6],
    [0, 0, 0, 1, 0xc2b2c11a],
    [1, 0, 0, 0, 0xca0675c9],
    [42, 0, 1, 0, 0x0a7e7d02],
    [42, 1, 1, 0, 0x93528439],
    [42, 2, 7, 6143, 0x6ceb6905],
    [7, 17, 1000, 123456, 0x940f5a6a],
    [0xdeadbeef, 0x20000005, 3, 3071, 0xa1efecd8],
    [123, 4, 999, 24575, 0x950ec570],
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x2325e2d0],
  ];

  it('gives the fixed uint32 vectors', () => {
    expect([mix32(0), mix32(1), mix32(0xdeadbeef)]).toEqual([0, 0x688990c0, 0xe628c683]);
    for (const [seed, stream, basis, element, bits] of VECTORS) expect(nolaUint32(seed, stream, basis, element), `${[seed, stream, basis, element]}`).toBe(bits);
  });

  it('maps uint32 to [−1, 1) exactly as documented, and looks uniform', () => {
    expect(nolaUnitFloat(0)).toBe(-1);
    expect(nolaUnitFloat(0xffffffff)).toBe(1 - 2 ** -23);
    expect(nolaUnitFloat(0x80000000)).toBe(0);
    expect(nolaUnitFloat(0x03e4c6e6)).toBeCloseTo(-0.969580888748169, 12);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let e = 0; e < n; e++) {
      const f = nolaUnitFloat(nolaUint32(5, 3, 1, e));
      sum += f;
      sq += f * f;
    }
    // U(−1, 1): mean 0 (sd of the mean 0.0013), E[f²] = 1/3.
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sq / n - 1 / 3)).toBeLessThan(0.01);
  });
});

// ------------------------------------------------------------------------------------------

describe('NOLA trainable parameters', () => {
  const medium = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 1024, n_layer: 24, n_head: 16 }));
  const large = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 1280, n_layer: 36, n_head: 20 }));

  it("match the paper: QV, k = l = 1000 → GPT-2 M 96,000, GPT-2 L 144,000; k = l = 500 halves; shared or not", () => {
    for (const shared of [false, true]) {
      expect(nolaMethod.trainableParams(medium, LM, config({ k: 1000, l: 1000, shared })).method).toBe(96_000);
      expect(nolaMethod.trainableParams(large, LM, config({ k: 1000, l: 1000, shared })).method).toBe(144_000);
      expect(nolaMethod.trainableParams(large, LM, config({ k: 500, l: 500, shared })).method).toBe(72_000);
    }
    // The paper's LoRA r=1 QV on GPT-2 L: 184K; r=4: 737K (0.77M in its table counts differently); NOLA is far below both.
    expect(loraMethod.trainableParams(large, LM, resolveMethodConfig('lora', { r: 1 }) as LoraConfig).method).toBe(184_320);
    // Independent of the rank.
    expect(nolaMethod.trainableParams(large, LM, config({ k: 1000, l: 1000, r: 1 })).method).toBe(144_000);
  });

  for (const options of [{}, { shared: true }, { k: 5, l: 7, targets: ['q', 'k', 'v', 'attn_out', 'mlp_in', 'mlp_out'] }, { k: 3, l: 2, targets: ['mlp_out'], shared: true }] as Array<Partial<NolaConfig>>) {
    for (const task of [LM, CLS3]) {
      it(`${JSON.stringify(options)} on ${task.kind}: the formula is what attach creates, all in group "nola"`, () => {
        const model = tinyModel(3);
        const c = config(options);
        const attached = nolaMethod.attach(model, task, c, createRng(1));
        const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(2) });
        try {
          expect(attached.paramGroups.map((g) => g.name)).toEqual(['nola']);
          const vars = attached.paramGroups[0].variables;
          for (const v of vars) expect(v.trainable).toBe(true);
          expect(nolaMethod.trainableParams(model.shape, task, c)).toEqual({ method: vars.reduce((n, v) => n + v.size, 0), head: head.variables.reduce((n, v) => n + v.size, 0) });
          expect(vars.length).toBe(2 * model.config.nLayer * c.targets.length);
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

/** A [in, r] and B [r, out] of one target built with plain loops from the CPU PRNG. */
function directFactors(c: NolaConfig, role: 'q' | 'k' | 'v' | 'attn_out' | 'mlp_in' | 'mlp_out', layer: number, inF: number, outF: number, alpha: Float32Array, beta: Float32Array): { a: Float64Array; b: Float64Array } {
  const id = nolaTargetId(role, layer, c.shared);
  const a = new Float64Array(inF * c.r);
  const b = new Float64Array(c.r * outF);
  const bound = Math.fround(1 / Math.sqrt(inF));
  for (let e = 0; e < a.length; e++) {
    let sum = 0;
    for (let i = 1; i <= c.k; i++) sum += alpha[i - 1] * nolaUnitFloat(nolaUint32(c.seed, nolaStream(id, 0), i, e));
    a[e] = bound * nolaUnitFloat(nolaUint32(c.seed, nolaStream(id, 0), 0, e)) + sum / Math.sqrt(c.k);
  }
  for (let e = 0; e < b.length; e++) {
    let sum = 0;
    for (let j = 1; j <= c.l; j++) sum += beta[j - 1] * nolaUnitFloat(nolaUint32(c.seed, nolaStream(id, 1), j, e));
    b[e] = sum / Math.sqrt(c.l);
  }
  return { a, b };
}

describe('NOLA forward', () => {
  let model: Gpt2Model;
  beforeAll(() => {
    model = tinyModel(41);
  });
  afterAll(() => model.dispose());

  it('α = β = 0 at attach: the logits are the frozen model’s, though A0 is random', () => {
    const attached = nolaMethod.attach(model, LM, config({ k: 16, l: 16, targets: ['q', 'v', 'mlp_in', 'mlp_out'] }), createRng(1));
    try {
      for (const { alpha, beta } of coefficientVars(attached).values()) {
        expect(valuesOf(alpha).every((x) => x === 0)).toBe(true);
        expect(valuesOf(beta).every((x) => x === 0)).toBe(true);
      }
      const { a } = (attached as ReturnType<typeof attachNola>).factors('h.0.attn.c_attn', 'q');
      expect(valuesOf(a).some((x) => x !== 0)).toBe(true);
      a.dispose();
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, attached.hooks), logitsOf(model, IDS))).toBe(0);
    } finally {
      attached.dispose();
    }
  });

  for (const shared of [false, true]) {
    it(`${shared ? 'shared' : 'per-layer'} bases: the adapted output is x·W + b + (c/r)·x·A·B with A, B built by plain loops from the PRNG`, () => {
      const c = config({ k: 9, l: 7, r: 3, c: 2.5, seed: 77, shared, targets: ['v', 'mlp_in'] });
      const attached = nolaMethod.attach(model, LM, c, createRng(1));
      try {
        randomizeCoefficients(attached, 500);
        const vars = coefficientVars(attached);
        const d = model.config.nEmbd;
        const rows = 4;
        const xs = randomArray(rows * d, 1, 9);
        const ctx = { nextDropoutSeed: () => null };
        for (const layer of [0, 1]) {
          for (const { siteName, role, offset, size } of [
            { siteName: `h.${layer}.attn.c_attn`, role: 'v' as const, offset: 2 * d, size: d },
            { siteName: `h.${layer}.mlp.c_fc`, role: 'mlp_in' as const, offset: 0, size: model.config.nInner },
          ]) {
            const site = model.linearSites().find((s) => s.name === siteName)!;
            const { alpha, beta } = vars.get(`${siteName}.${role}`)!;
            const { a, b } = directFactors(c, role, layer, d, size, valuesOf(alpha), valuesOf(beta));
            const base = (input: tf.Tensor2D) => affine(input, site.weight as tf.Tensor2D, site.bias as tf.Tensor1D);
            const [hooked, plain] = tf.tidy(() => {
              const x = tf.tensor2d(xs, [rows, d]);
              return [attached.hooks.linear!(site, x, base, ctx).dataSync(), base(x).dataSync()];
            });
            const width = site.outFeatures;
            for (let row = 0; row < rows; row++) {
              for (let col = 0; col < width; col++) {
                const got = hooked[row * width + col];
                const p = plain[row * width + col];
                if (col < offset || col >= offset + size) {
                  expect(got).toBe(p);
                  continue;
                }
                let delta = 0;
                for (let q = 0; q < c.r; q++) {
                  let xa = 0;
                  for (let i = 0; i < d; i++) xa += xs[row * d + i] * a[i * c.r + q];
                  delta += xa * b[q * size + (col - offset)];
                }
                const expected = p + (c.c / c.r) * delta;
                expect(Math.abs(got - expected), `${siteName} [${row}, ${col}]`).toBeLessThan(1e-4 * (1 + Math.abs(expected)));
              }
            }
          }
        }
      } finally {
        attached.dispose();
      }
    });
  }

  it('shared bases: two layers with the same α, β produce the same A, B; per-layer bases do not', () => {
    for (const shared of [true, false]) {
      const c = config({ k: 6, l: 6, r: 2, shared, targets: ['q'] });
      const attached = attachNola(model, c, 'lm');
      try {
        const vars = coefficientVars(attached);
        const alpha = randomArray(6, 1, 1);
        const beta = randomArray(6, 1, 2);
        for (const { alpha: av, beta: bv } of vars.values()) {
          setValues(av, alpha);
          setValues(bv, beta);
        }
        const f0 = attached.factors('h.0.attn.c_attn', 'q');
        const f1 = attached.factors('h.1.attn.c_attn', 'q');
        const same = maxAbsDiff(valuesOf(f0.a), valuesOf(f1.a)) === 0 && maxAbsDiff(valuesOf(f0.b), valuesOf(f1.b)) === 0;
        expect(same).toBe(shared);
        tf.dispose([f0.a, f0.b, f1.a, f1.b]);
      } finally {
        attached.dispose();
      }
    }
  });

  it('merge() folds ΔW into the weights and unmerge() restores them', () => {
    const plain = logitsOf(model, IDS);
    const attached = nolaMethod.attach(model, LM, config({ k: 8, l: 8, targets: ['q', 'v', 'attn_out'] }), createRng(1));
    try {
      randomizeCoefficients(attached, 900);
      const unmerged = logitsOf(model, IDS, undefined, attached.hooks);
      expect(maxAbsDiff(unmerged, plain)).toBeGreaterThan(1e-3);
      attached.merge!();
      expectAllClose(logitsOf(model, IDS), unmerged, 1e-4, 1e-4);
      attached.unmerge!();
      expectAllClose(logitsOf(model, IDS), plain, 1e-5, 1e-5);
    } finally {
      attached.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('NOLA twin (materialised basis)', () => {
  it('combine equals a direct sum over the PRNG, and its gradient is ⟨dy, basis_i⟩·scale', () => {
    const spec = { seed: 9, stream: 13, count: 37, size: 50, scale: 0.3, initScale: 0.7 };
    const cache = new NolaBasisCache();
    try {
      const coef = randomArray(2 * 37, 1, 3);
      const dy = randomArray(2 * 50, 1, 4);
      const { value, grad } = tf.tidy(() => {
        const c = tf.tensor2d(coef, [2, 37]);
        const w = tf.tensor2d(dy, [2, 50]);
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(nolaCombine(x as tf.Tensor2D, spec, cache, 'twin'), w)))(c);
        return { value: nolaCombine(c, spec, cache, 'twin').dataSync(), grad: g.dataSync() };
      });
      for (let t = 0; t < 2; t++) {
        for (let e = 0; e < 50; e++) {
          let sum = 0;
          for (let i = 1; i <= 37; i++) sum += coef[t * 37 + i - 1] * nolaUnitFloat(nolaUint32(9, 13, i, e));
          const expected = Math.fround(0.7) * nolaUnitFloat(nolaUint32(9, 13, 0, e)) + Math.fround(0.3) * sum;
          expect(Math.abs(value[t * 50 + e] - expected)).toBeLessThan(1e-5);
        }
        for (let i = 1; i <= 37; i++) {
          let sum = 0;
          for (let e = 0; e < 50; e++) sum += dy[t * 50 + e] * nolaUnitFloat(nolaUint32(9, 13, i, e));
          expect(Math.abs(grad[t * 37 + i - 1] - Math.fround(0.3) * sum)).toBeLessThan(1e-5);
        }
      }
      expect(cache.bytes).toBe(4 * 38 * 50);
    } finally {
      cache.dispose();
    }
  });

  it('splits a large basis into chunks and still sums every basis', () => {
    // size 1,048,577 → 3 rows per 4M-element chunk → 5 bases make 2 chunks.
    const spec = { seed: 1, stream: 2, count: 5, size: (1 << 20) + 1, scale: 1, initScale: 0 };
    const cache = new NolaBasisCache();
    try {
      expect(cache.get(spec).chunks.length).toBe(2);
      const coef = [0.5, -1, 2, 0.25, 3];
      const out = tf.tidy(() => nolaCombine(tf.tensor2d(coef, [1, 5]), spec, cache, 'twin').dataSync());
      for (const e of [0, 77, (1 << 20)]) {
        let sum = 0;
        for (let i = 1; i <= 5; i++) sum += coef[i - 1] * nolaUnitFloat(nolaUint32(1, 2, i, e));
        expect(Math.abs(out[e] - sum)).toBeLessThan(1e-5);
      }
    } finally {
      cache.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('NOLA gradients vs central finite differences', () => {
  const lmBatch = () =>
    batchToTensors({
      kind: 'lm',
      batchSize: 2,
      seqLen: 6,
      inputIds: Int32Array.from([3, 17, 3, 0, 28, 3, 7, 21, 4, 13, 2, 2]),
      attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
    } as Batch);

  for (const shared of [false, true]) {
    it(`α and β (${shared ? 'shared' : 'per-layer'} bases, QAT off)`, () => {
      const model = tinyModel(4);
      const attached = nolaMethod.attach(model, LM, config({ k: 10, l: 12, r: 2, c: 2, shared, targets: ['q', 'mlp_in'] }), createRng(1));
      const head = createTaskHead(model, LM, { trainsLmHead: false, rng: createRng(11) });
      const b = lmBatch();
      try {
        randomizeCoefficients(attached, 1300, 1);
        const vars = coefficientVars(attached);
        const lossTensor = () => head.loss(b, attached.hooks);
        const lossValue = () => tf.tidy(lossTensor).dataSync()[0];
        for (const [key, which] of [['h.0.attn.c_attn.q', 'alpha'], ['h.1.attn.c_attn.q', 'beta'], ['h.1.mlp.c_fc.mlp_in', 'alpha'], ['h.0.mlp.c_fc.mlp_in', 'beta']] as const) {
          const target = vars.get(key)![which];
          const grad = autodiffGradient(lossTensor, target);
          const max = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
          expect(max).toBeGreaterThan(1e-4);
          const indices = [...grad.keys()].filter((i) => Math.abs(grad[i]) > 0.3 * max).slice(0, 3);
          expectFiniteDifferences(target, grad, indices, lossValue, 1e-2, 3e-2);
        }
      } finally {
        disposeBatch(b);
        head.dispose();
        attached.dispose();
        model.dispose();
      }
    });
  }
});

// ------------------------------------------------------------------------------------------

describe('NOLA coefficient quantization', () => {
  it('PTQ round trip: levels within ±qmax, error ≤ scale/2, max element exact up to rounding; zeros stay zeros', () => {
    const values = randomArray(1000, 0.3, 5);
    for (const bits of [8, 4, 3]) {
      const qmax = 2 ** (bits - 1) - 1;
      const q = quantizeVector(values, bits);
      const maxAbs = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(q.scale).toBeCloseTo(maxAbs / qmax, 6);
      expect(Math.max(...q.q.map(Math.abs))).toBe(qmax);
      const back = dequantizeVector(q);
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(back[i] - values[i]));
      expect(worst).toBeLessThanOrEqual(q.scale / 2 + 1e-7);
      // Not trivially exact: coarser bits lose more.
      expect(worst).toBeGreaterThan(q.scale / 4);
    }
    expect([...fakeQuantizeHost([0, 0, 0], 4)]).toEqual([0, 0, 0]);
    expect([...quantizeVector([0.3, -0.1, 0.05], 3).q]).toEqual([3, -1, 0]);
  });

  it('QAT in tfjs gives the host x̂ per row, and its straight-through gradient is the upstream gradient', () => {
    const x = randomArray(2 * 50, 1, 6);
    const w = randomArray(2 * 50, 1, 7);
    const { value, grad } = tf.tidy(() => {
      const xt = tf.tensor2d(x, [2, 50]);
      const wt = tf.tensor2d(w, [2, 50]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fakeQuantizeRows(t as tf.Tensor2D, 4), wt)))(xt);
      return { value: fakeQuantizeRows(xt, 4).dataSync(), grad: g.dataSync() };
    });
    const host = [...fakeQuantizeHost(x.subarray(0, 50), 4), ...fakeQuantizeHost(x.subarray(50), 4)];
    expectAllClose(value, host, 1e-7, 1e-6);
    expect(new Set(Array.from(value.subarray(0, 50))).size).toBeLessThanOrEqual(15);
    expectAllClose(grad, w, 0, 0);
  });

  it('QAT on: the forward sees quantized coefficients (equal to a float model loaded with x̂)', () => {
    const model = tinyModel(5);
    const qat = nolaMethod.attach(model, LM, config({ k: 20, l: 20, quantBits: '3' }), createRng(1));
    const float = nolaMethod.attach(model, LM, config({ k: 20, l: 20 }), createRng(1));
    try {
      randomizeCoefficients(qat, 1700);
      const qVars = [...coefficientVars(qat).values()];
      const fVars = [...coefficientVars(float).values()];
      qVars.forEach(({ alpha, beta }, i) => {
        setValues(fVars[i].alpha, fakeQuantizeHost(valuesOf(alpha), 3));
        setValues(fVars[i].beta, fakeQuantizeHost(valuesOf(beta), 3));
      });
      const withQat = logitsOf(model, IDS, undefined, qat.hooks);
      expectAllClose(withQat, logitsOf(model, IDS, undefined, float.hooks), 1e-5, 1e-5);
      // And it is not the unquantized model.
      qVars.forEach(({ alpha, beta }, i) => {
        setValues(fVars[i].alpha, valuesOf(alpha));
        setValues(fVars[i].beta, valuesOf(beta));
      });
      expect(maxAbsDiff(withQat, logitsOf(model, IDS, undefined, float.hooks))).toBeGreaterThan(1e-4);
    } finally {
      qat.dispose();
      float.dispose();
      model.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('NOLA adapters', () => {
  it('save → adapter_config.json + safetensors → load into a fresh attach: identical logits', async () => {
    const model = tinyModel(6);
    const c = config({ k: 12, l: 10, shared: true, seed: 1234, targets: ['q', 'v', 'mlp_out'] });
    const source = nolaMethod.attach(model, CLS3, c, createRng(1));
    const sourceHead = createTaskHead(model, CLS3, { trainsLmHead: false, rng: createRng(2) });
    const target = nolaMethod.attach(model, CLS3, c, createRng(99));
    const targetHead = createTaskHead(model, CLS3, { trainsLmHead: false, rng: createRng(3) });
    try {
      randomizeCoefficients(source, 2100);
      const files = await adapterToFiles(source, sourceHead, { method: 'nola', options: c as unknown as Record<string, unknown>, task: { id: 't', kind: 'classify', numLabels: 3, seqLen: 8, labels: ['a', 'b', 'c'] }, baseModel: 'tiny' });
      const json = JSON.parse(files.config);
      expect(json).toMatchObject({ peft_type: 'NOLA', seed: 1234, k: 12, l: 10, r: 8, c: 1, shared_basis: true, quant_bits: null, prng: 'nola-lowbias32-v1' });
      const parsed = parseAdapterFiles(files.config, files.weights);
      expect(parsed.description.options).toEqual(c);
      applyAdapterTensors(target, targetHead, parsed.tensors);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), logitsOf(model, IDS, undefined, source.hooks))).toBe(0);
    } finally {
      for (const x of [source, target, sourceHead, targetHead]) x.dispose();
      model.dispose();
    }
  });

  it('a wrong or incomplete adapter is refused by tensor name, and nothing is applied', async () => {
    const model = tinyModel(7);
    const c = config({ k: 4, l: 4 });
    const source = nolaMethod.attach(model, LM, c, createRng(1));
    const target = nolaMethod.attach(model, LM, c, createRng(1));
    try {
      randomizeCoefficients(source, 2500);
      const saved = await source.saveAdapter();
      const name = 'base_model.model.transformer.h.1.attn.c_attn.v.nola_beta';
      expect(saved.tensors.has(name)).toBe(true);
      const missing = new Map(saved.tensors);
      missing.delete(name);
      expect(() => target.loadAdapter({ config: {}, tensors: missing })).toThrow(new AdapterError(`adapter is missing tensor "${name}" (expected shape [4])`));
      const wrongShape = new Map(saved.tensors);
      wrongShape.set(name, { dtype: 'F32', shape: [5], data: new Float32Array(5) });
      expect(() => target.loadAdapter({ config: {}, tensors: wrongShape })).toThrow(/has shape \[5\], expected \[4\]/);
      const extra = new Map(saved.tensors);
      extra.set('base_model.model.transformer.h.0.attn.c_attn.k.nola_alpha', { dtype: 'F32', shape: [4], data: new Float32Array(4) });
      expect(() => target.loadAdapter({ config: {}, tensors: extra })).toThrow(/unexpected tensor "base_model.model.transformer.h.0.attn.c_attn.k.nola_alpha"/);
      for (const v of target.paramGroups[0].variables) expect(valuesOf(v).every((x) => x === 0)).toBe(true);
    } finally {
      source.dispose();
      target.dispose();
      model.dispose();
    }
  });

  describe('compact encoding (for links)', () => {
    const tiny = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 2048, n_positions: 128, n_embd: 128, n_layer: 4, n_head: 4 }));

    it("tiny-gpt2's adapter (QV, k = l = 256) takes a few KB: 4-bit 2,144 bytes, 3-bit 1,632, float 16,416; the default k = l = 100 at 4 bits 896", () => {
      const c = config({ k: 256, l: 256 });
      expect(nolaEncodedBytes(tiny, c, 4)).toBe(28 + 8 * 2 * (4 + 128) + 4);
      expect([nolaEncodedBytes(tiny, c, 4), nolaEncodedBytes(tiny, c, 3), nolaEncodedBytes(tiny, c, 32)]).toEqual([2144, 1632, 16416]);
      expect(nolaEncodedBytes(tiny, config({}), 4)).toBe(28 + 8 * 2 * (4 + 50) + 4);
      // The method's storedBytes (the UI's "stored adapter"): the link encoding at QAT's bits, else 4-bit PTQ.
      expect(nolaMethod.storedBytes!(tiny, LM, config({}))).toBe(896);
      expect(nolaMethod.storedBytes!(tiny, LM, config({ quantBits: '8' }))).toBe(28 + 8 * 2 * (4 + 100) + 4);
      expect(nolaMethod.storedBytes!(tiny, LM, config({ quantBits: '3', shared: true }))).toBe(28 + 8 * 2 * (4 + 38) + 4);
      expect(nolaEncodedBytes(tiny, c, 3)).toBe(28 + 8 * 2 * (4 + 96) + 4);
      expect(nolaEncodedBytes(tiny, c, 32)).toBe(28 + 8 * 2 * 4 * 256 + 4);
    });

    it('round trips: float exactly, 8/4/3 bits within half a step; loading the decoded adapter reproduces x̂ logits', async () => {
      const model = tinyModel(8);
      const c = config({ k: 30, l: 20, shared: true, seed: 4_000_000_000, c: 2, targets: ['k', 'mlp_in'] });
      const source = nolaMethod.attach(model, LM, c, createRng(1));
      try {
        randomizeCoefficients(source, 3100);
        const coefficients = nolaCoefficientsFromTensors(model.shape, c, (await source.saveAdapter()).tensors);
        for (const bits of [32, 8, 4, 3] as const) {
          const bytes = encodeNolaAdapter(c, model.config.nLayer, coefficients, bits);
          expect(bytes.length).toBe(nolaEncodedBytes(model.shape, c, bits));
          const decoded = decodeNolaAdapter(bytes);
          expect(decoded.config).toEqual({ ...c, quantBits: bits === 32 ? 'none' : String(bits) });
          expect(decoded.layers).toBe(2);
          decoded.coefficients.forEach((d, i) => {
            for (const which of ['alpha', 'beta'] as const) {
              const original = coefficients[i][which];
              if (bits === 32) expect([...d[which]]).toEqual([...original]);
              else expect([...d[which]]).toEqual([...fakeQuantizeHost(original, bits)]);
            }
          });
          // Into a fresh attach with the decoded config: the logits of the x̂ coefficients.
          const loaded = nolaMethod.attach(model, LM, { ...decoded.config, quantBits: 'none' }, createRng(5));
          const reference = nolaMethod.attach(model, LM, { ...c, quantBits: 'none' }, createRng(6));
          try {
            loaded.loadAdapter({ config: {}, tensors: nolaTensorsFromEncoded(model.shape, decoded) });
            const refVars = [...coefficientVars(reference).values()];
            refVars.forEach(({ alpha, beta }, i) => {
              setValues(alpha, bits === 32 ? coefficients[i].alpha : fakeQuantizeHost(coefficients[i].alpha, bits));
              setValues(beta, bits === 32 ? coefficients[i].beta : fakeQuantizeHost(coefficients[i].beta, bits));
            });
            expect(maxAbsDiff(logitsOf(model, IDS, undefined, loaded.hooks), logitsOf(model, IDS, undefined, reference.hooks))).toBe(0);
          } finally {
            loaded.dispose();
            reference.dispose();
          }
        }
      } finally {
        source.dispose();
        model.dispose();
      }
    });

    it('corruption gives a clear error naming the byte offset', () => {
      const c = config({ k: 16, l: 16 });
      const coefficients = Array.from({ length: 8 }, (_, i) => ({ alpha: randomArray(16, 1, i), beta: randomArray(16, 1, 100 + i) }));
      const good = encodeNolaAdapter(c, 4, coefficients, 4);
      expect(decodeNolaAdapter(good).coefficients.length).toBe(8);
      const corrupt = (at: number, value: number) => {
        const bad = good.slice();
        bad[at] = value;
        return bad;
      };
      expect(() => decodeNolaAdapter(corrupt(0, 0x41))).toThrow(new NolaEncodingError('NOLA adapter, byte 0: not a NOLA adapter (it must start with "NOLA")'));
      expect(() => decodeNolaAdapter(corrupt(4, 2))).toThrow(/byte 4: version 2 is not supported/);
      expect(() => decodeNolaAdapter(corrupt(5, 5))).toThrow(/byte 5: bits 5 is not one of 32, 8, 4, 3/);
      expect(() => decodeNolaAdapter(corrupt(7, 0))).toThrow(/byte 7: target mask 0x0/);
      expect(() => decodeNolaAdapter(corrupt(20, 0))).toThrow(/byte 20: field r/);
      expect(() => decodeNolaAdapter(corrupt(60, good[60] ^ 0x10))).toThrow(new RegExp(`byte ${good.length - 4}: checksum mismatch`));
      expect(() => decodeNolaAdapter(good.subarray(0, good.length - 9))).toThrow(/length \d+ does not match the header/);
      expect(() => decodeNolaAdapter(good.subarray(0, 10))).toThrow(/byte 10: only 10 bytes/);
      // A valid file for another model is refused when loading, by its layer count.
      const model = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 29, n_positions: 24, n_embd: 12, n_layer: 2, n_head: 2 }));
      expect(() => nolaTensorsFromEncoded(model, decodeNolaAdapter(good))).toThrow(/byte 22: it was trained on 4 layers, this model has 2/);
    });
  });
});

// ------------------------------------------------------------------------------------------

describe('NOLA training', () => {
  it('the tensor count stays flat from step to step (shared and per-layer, QAT on)', async () => {
    for (const options of [{ shared: false, quantBits: '4' }, { shared: true, quantBits: 'none' }] as Array<Partial<NolaConfig>>) {
      const model = tinyModel(21);
      const c = config({ k: 32, l: 32, ...options });
      const attached = nolaMethod.attach(model, LM, c, createRng(1));
      const head = createTaskHead(model, LM, { trainsLmHead: false, rng: createRng(2) });
      const trainer = new Trainer({
        model,
        method: attached,
        head,
        learningRates: { head: 1e-2, nola: 2e-2 },
        optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 1 },
        schedule: { kind: 'constant', warmupSteps: 0 },
        totalSteps: 10,
        trainable: nolaMethod.trainableParams(model.shape, LM, c),
        seed: 3,
      });
      const batch: Batch = {
        kind: 'lm',
        batchSize: 2,
        seqLen: 7,
        inputIds: Int32Array.from([1, 5, 9, 13, 2, 6, 10, 3, 7, 11, 15, 0, 0, 0]),
        attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
      };
      try {
        const first = await trainer.trainStep(batch, true);
        await trainer.trainStep(batch, false);
        const settled = tf.memory().numTensors;
        let last = first;
        for (let step = 3; step <= 8; step++) {
          const m = await trainer.trainStep(batch, step % 2 === 0);
          if (m) last = m;
          expect(tf.memory().numTensors, JSON.stringify(options)).toBe(settled);
        }
        expect(last!.loss).toBeLessThan(first!.loss);
      } finally {
        trainer.dispose();
        head.dispose();
        attached.dispose();
        model.dispose();
      }
    }
  });

  it('lowers the validation loss on tiny-gpt2 (lm-spam, default options and learning rate)', async () => {
    const spec = parseExperimentSpec({
      model: 'tiny-gpt2',
      task: 'lm-spam',
      methods: [{ name: 'nola', options: {} }],
      steps: 24,
      batchSize: 8,
      seqLen: 32,
      seed: 3,
      eval: { every: 24, maxBatches: 4 },
      logEvery: 10,
    });
    const losses: number[] = [];
    await runExperiment(spec, nodeRunnerEnv, (e: RunEvent) => {
      if (e.type === 'eval') losses.push(e.loss);
    });
    expect(losses.length).toBe(2);
    expect(losses[1], losses.join(' → ')).toBeLessThan(losses[0] - 0.01);
  });
});

// ------------------------------------------------------------------------------------------

describe('the NOLA vs LoRA sweep preset', () => {
  it("builds valid experiments: NOLA trains fewer parameters than LoRA r=1, at the paper's learning rate", async () => {
    const { nolaVsLora } = await import('../../src/engine/experiment/presets/nola');
    const { variantSpec, withSweepSettings } = await import('../../src/engine/experiment/sweep');
    const base = withSweepSettings(parseExperimentSpec({ model: 'tiny-gpt2' }), nolaVsLora.settings);
    const tiny = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 2048, n_positions: 128, n_embd: 128, n_layer: 4, n_head: 4 }));
    const specs = nolaVsLora.variants(base).map((v) => variantSpec(base, v));
    const counts = specs.map((s) => {
      const m = s.methods[0];
      const method = m.name === 'nola' ? nolaMethod : loraMethod;
      return method.trainableParams(tiny, { kind: 'lm', numLabels: 0, seqLen: s.seqLen }, resolveMethodConfig(m.name, m.options) as never).method;
    });
    expect(counts).toEqual([1_600, 2_048, 8_192]);
    expect(specs[0].optimizer.lr.nola).toBe(0.1);
    expect(specs.every((s) => s.task === 'lm-spam' && s.steps === 60)).toBe(true);
  });
});
