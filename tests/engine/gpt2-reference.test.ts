import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { Gpt2Model, ModelLoadError } from '../../src/engine/models/gpt2';
import { readSafetensors, writeSafetensors, type SafetensorsWriteEntry } from '../../src/engine/io/safetensors';
import { normalizeGpt2Names } from '../../src/engine/io/weight-names';
import { expectAllClose, maxAbsDiff } from './tiny';
import { prng } from './prng';

/**
 * The engine's GPT-2 against an independent re-implementation of Hugging Face's
 * GPT2LMHeadModel written here in plain TypeScript (Float64, loops, no tfjs, no engine code).
 */

beforeAll(async () => {
  await useWasmBackend();
});

// ------------------------------------------------------------------------------------------
// Reference implementation
// ------------------------------------------------------------------------------------------

interface RefConfig {
  vocab: number;
  positions: number;
  d: number;
  layers: number;
  heads: number;
  inner: number;
  eps: number;
  activation: 'gelu_new' | 'gelu';
  scaleByInverseLayerIdx: boolean;
  tied: boolean;
}

/** Weights by unprefixed HF name, float64 copies. */
type RefWeights = Map<string, Float64Array>;

/** erf by its Maclaurin series: exact to ~1e-11 for |x| ≤ 5 in double precision. */
function erf(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let sum = 0;
  let term = x; // (-1)^n x^(2n+1) / n!
  for (let n = 0; n < 200; n++) {
    const contribution = term / (2 * n + 1);
    sum += contribution;
    if (Math.abs(contribution) < 1e-17) break;
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function act(x: number, kind: RefConfig['activation']): number {
  if (kind === 'gelu') return 0.5 * x * (1 + erf(x / Math.SQRT2));
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** torch.nn.LayerNorm on each row of x [T, d]. */
function refLayerNorm(x: Float64Array[], w: Float64Array, b: Float64Array, eps: number): Float64Array[] {
  return x.map((row) => {
    const n = row.length;
    let mean = 0;
    for (const v of row) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of row) variance += (v - mean) ** 2;
    variance /= n; // biased
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = ((row[i] - mean) / Math.sqrt(variance + eps)) * w[i] + b[i];
    return out;
  });
}

/** HF Conv1D: y = x·W + b with W stored [in, out]. */
function conv1d(x: Float64Array[], w: Float64Array, b: Float64Array, inF: number, outF: number): Float64Array[] {
  return x.map((row) => {
    const out = new Float64Array(outF);
    for (let o = 0; o < outF; o++) {
      let s = b[o];
      for (let i = 0; i < inF; i++) s += row[i] * w[i * outF + o];
      out[o] = s;
    }
    return out;
  });
}

/** GPT2LMHeadModel logits [T][vocab] for one unpadded sequence. */
function referenceLogits(c: RefConfig, W: RefWeights, ids: number[]): Float64Array[] {
  const get = (name: string) => {
    const t = W.get(name);
    if (!t) throw new Error(`reference: no ${name}`);
    return t;
  };
  const d = c.d;
  const T = ids.length;
  const hd = d / c.heads;
  const wte = get('wte.weight');
  const wpe = get('wpe.weight');
  let x: Float64Array[] = ids.map((id, t) => {
    const row = new Float64Array(d);
    for (let i = 0; i < d; i++) row[i] = wte[id * d + i] + wpe[t * d + i];
    return row;
  });
  for (let layer = 0; layer < c.layers; layer++) {
    const p = `h.${layer}.`;
    const h = refLayerNorm(x, get(`${p}ln_1.weight`), get(`${p}ln_1.bias`), c.eps);
    const qkv = conv1d(h, get(`${p}attn.c_attn.weight`), get(`${p}attn.c_attn.bias`), d, 3 * d);
    const context: Float64Array[] = ids.map(() => new Float64Array(d));
    let scale = 1 / Math.sqrt(hd);
    if (c.scaleByInverseLayerIdx) scale /= layer + 1;
    for (let head = 0; head < c.heads; head++) {
      const q0 = head * hd;
      const k0 = d + head * hd;
      const v0 = 2 * d + head * hd;
      for (let t = 0; t < T; t++) {
        // Causal: query t sees keys 0..t.
        const scores = new Float64Array(t + 1);
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += qkv[t][q0 + j] * qkv[s][k0 + j];
          scores[s] = dot * scale;
          max = Math.max(max, scores[s]);
        }
        let z = 0;
        for (let s = 0; s <= t; s++) {
          scores[s] = Math.exp(scores[s] - max);
          z += scores[s];
        }
        for (let s = 0; s <= t; s++) {
          for (let j = 0; j < hd; j++) context[t][q0 + j] += (scores[s] / z) * qkv[s][v0 + j];
        }
      }
    }
    const attnOut = conv1d(context, get(`${p}attn.c_proj.weight`), get(`${p}attn.c_proj.bias`), d, d);
    x = x.map((row, t) => row.map((v, i) => v + attnOut[t][i]));
    const h2 = refLayerNorm(x, get(`${p}ln_2.weight`), get(`${p}ln_2.bias`), c.eps);
    const fc = conv1d(h2, get(`${p}mlp.c_fc.weight`), get(`${p}mlp.c_fc.bias`), d, c.inner).map((row) => row.map((v) => act(v, c.activation)));
    const mlpOut = conv1d(fc, get(`${p}mlp.c_proj.weight`), get(`${p}mlp.c_proj.bias`), c.inner, d);
    x = x.map((row, t) => row.map((v, i) => v + mlpOut[t][i]));
  }
  const final = refLayerNorm(x, get('ln_f.weight'), get('ln_f.bias'), c.eps);
  const head = c.tied ? wte : get('lm_head.weight');
  return final.map((row) => {
    const logits = new Float64Array(c.vocab);
    for (let v = 0; v < c.vocab; v++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += row[i] * head[v * d + i];
      logits[v] = s;
    }
    return logits;
  });
}

// ------------------------------------------------------------------------------------------
// A random checkpoint with real GPT-2 tensor names
// ------------------------------------------------------------------------------------------


function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

const BASE = { vocab: 37, positions: 16, d: 24, layers: 2, heads: 3 };

/**
 * Float32 vs float64 on logits of magnitude ≤ ~10 differs by a few 1e-6; the tolerance is ~10×
 * that (tighter than 1e-4 abs/rel), so that erf-gelu vs tanh-gelu (≈1e-3 apart here) is told apart.
 */
const ABS_TOL = 3e-5;
const REL_TOL = 3e-6;

function hfConfigJson(extra: Record<string, unknown> = {}): Record<string, unknown> {
  // The fields of a real GPT-2 config.json, including ones the engine ignores.
  return {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.1,
    bos_token_id: 36,
    embd_pdrop: 0.1,
    eos_token_id: 36,
    initializer_range: 0.02,
    layer_norm_epsilon: 1e-5,
    model_type: 'gpt2',
    n_ctx: BASE.positions,
    n_embd: BASE.d,
    n_head: BASE.heads,
    n_layer: BASE.layers,
    n_positions: BASE.positions,
    resid_pdrop: 0.1,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
    vocab_size: BASE.vocab,
    ...extra,
  };
}

/** Float32 weights by unprefixed name, scaled so attention is far from uniform and the MLP's
 * pre-activations are O(1) (where gelu and gelu_new differ measurably). */
function randomWeights(seed: number, untied: boolean): Map<string, { shape: number[]; data: Float32Array }> {
  const next = prng(seed);
  const { vocab, positions, d, layers } = BASE;
  const inner = 4 * d;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const normal = (shape: number[], std: number, mean = 0) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = mean + std * gaussian(next);
    return { shape, data };
  };
  out.set('wte.weight', normal([vocab, d], 0.5));
  out.set('wpe.weight', normal([positions, d], 0.3));
  for (let i = 0; i < layers; i++) {
    const p = `h.${i}.`;
    out.set(`${p}ln_1.weight`, normal([d], 0.2, 1));
    out.set(`${p}ln_1.bias`, normal([d], 0.1));
    out.set(`${p}attn.c_attn.weight`, normal([d, 3 * d], 1.2 / Math.sqrt(d)));
    out.set(`${p}attn.c_attn.bias`, normal([3 * d], 0.1));
    out.set(`${p}attn.c_proj.weight`, normal([d, d], 0.5 / Math.sqrt(d)));
    out.set(`${p}attn.c_proj.bias`, normal([d], 0.1));
    out.set(`${p}ln_2.weight`, normal([d], 0.2, 1));
    out.set(`${p}ln_2.bias`, normal([d], 0.1));
    out.set(`${p}mlp.c_fc.weight`, normal([d, inner], 1.5 / Math.sqrt(d)));
    out.set(`${p}mlp.c_fc.bias`, normal([inner], 0.1));
    out.set(`${p}mlp.c_proj.weight`, normal([inner, d], 2 / Math.sqrt(inner)));
    out.set(`${p}mlp.c_proj.bias`, normal([d], 0.1));
  }
  out.set('ln_f.weight', normal([d], 0.2, 1));
  out.set('ln_f.bias', normal([d], 0.1));
  if (untied) out.set('lm_head.weight', normal([vocab, d], 0.5));
  return out;
}

type NameStyle = 'GPT2Model' | 'GPT2LMHeadModel';

/**
 * Safetensors bytes as HF writes them. 'GPT2Model' is openai-community/gpt2's layout: bare
 * names plus the old `attn.bias` / `attn.masked_bias` mask buffers. 'GPT2LMHeadModel' is
 * save_pretrained's: `transformer.` prefix, `lm_head.weight` only when untied.
 */
function checkpointBytes(weights: Map<string, { shape: number[]; data: Float32Array }>, style: NameStyle): Uint8Array {
  const entries: SafetensorsWriteEntry[] = [];
  for (const [name, t] of weights) {
    const stored = style === 'GPT2LMHeadModel' && name !== 'lm_head.weight' ? `transformer.${name}` : name;
    entries.push({ name: stored, dtype: 'F32', shape: t.shape, data: t.data });
  }
  if (style === 'GPT2Model') {
    const P = BASE.positions;
    const tril = new Float32Array(P * P);
    for (let q = 0; q < P; q++) for (let k = 0; k <= q; k++) tril[q * P + k] = 1;
    for (let i = 0; i < BASE.layers; i++) {
      entries.push({ name: `h.${i}.attn.bias`, dtype: 'F32', shape: [1, 1, P, P], data: tril });
      entries.push({ name: `h.${i}.attn.masked_bias`, dtype: 'F32', shape: [], data: Float32Array.of(-1e4) });
    }
  }
  return writeSafetensors(entries, { format: 'pt' });
}

function loadModel(configJson: Record<string, unknown>, bytes: Uint8Array): Gpt2Model {
  const { tensors } = readSafetensors(bytes);
  return Gpt2Model.fromWeights(parseGpt2Config(configJson), normalizeGpt2Names(tensors));
}

function refConfigFrom(json: Record<string, unknown>): RefConfig {
  return {
    vocab: BASE.vocab,
    positions: BASE.positions,
    d: BASE.d,
    layers: BASE.layers,
    heads: BASE.heads,
    inner: 4 * BASE.d,
    eps: 1e-5,
    activation: (json.activation_function as 'gelu' | 'gelu_new') ?? 'gelu_new',
    scaleByInverseLayerIdx: json.scale_attn_by_inverse_layer_idx === true,
    tied: json.tie_word_embeddings !== false,
  };
}

function refWeights(weights: Map<string, { shape: number[]; data: Float32Array }>): RefWeights {
  return new Map([...weights].map(([name, t]) => [name, Float64Array.from(t.data)]));
}

function randomIds(seed: number, length: number): number[] {
  const next = prng(seed);
  return Array.from({ length }, () => Math.floor(next() * BASE.vocab));
}

/** Engine logits [B][T][vocab] for a batch (rows padded on the right as the mask says). */
function engineLogits(model: Gpt2Model, ids: number[][], mask: number[][]): Float32Array[][] {
  const flat = tf.tidy(() => {
    const hidden = model.forward(tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask, undefined, 'int32'));
    return model.lmLogits(hidden);
  });
  const data = flat.dataSync() as Float32Array;
  flat.dispose();
  const [B, T] = [ids.length, ids[0].length];
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => data.slice((b * T + t) * BASE.vocab, (b * T + t + 1) * BASE.vocab)));
}

function flatten(rows: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(Array.from(r), at);
    at += r.length;
  }
  return out;
}

// ------------------------------------------------------------------------------------------

describe('reference GPT-2 (sanity of the test itself)', () => {
  it('erf matches known values', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 12);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 12);
    expect(erf(-2)).toBeCloseTo(-0.9953222650189527, 12);
  });

  it('the variants compared below really differ numerically', () => {
    // Same weights and ids as the comparisons below.
    const W = refWeights(randomWeights(7, false));
    const ids = randomIds(1, BASE.positions);
    const base = flatten(referenceLogits(refConfigFrom(hfConfigJson()), W, ids));
    const erfGelu = flatten(referenceLogits(refConfigFrom(hfConfigJson({ activation_function: 'gelu' })), W, ids));
    const inverse = flatten(referenceLogits(refConfigFrom(hfConfigJson({ scale_attn_by_inverse_layer_idx: true })), W, ids));
    // Each variant must move logits by far more than the tolerance, or its test would prove nothing.
    const tolerance = ABS_TOL + REL_TOL * Math.max(...base.map(Math.abs));
    expect(maxAbsDiff(base, erfGelu)).toBeGreaterThan(10 * tolerance);
    expect(maxAbsDiff(base, inverse)).toBeGreaterThan(100 * tolerance);
  });
});

describe('Gpt2Model vs the reference', () => {
  const cases: Array<{ title: string; style: NameStyle; json: Record<string, unknown>; untied?: boolean }> = [
    { title: 'GPT2Model names (bare, with attn.bias buffers)', style: 'GPT2Model', json: hfConfigJson() },
    { title: 'GPT2LMHeadModel names (transformer. prefix)', style: 'GPT2LMHeadModel', json: hfConfigJson() },
    { title: 'scale_attn_by_inverse_layer_idx: true', style: 'GPT2LMHeadModel', json: hfConfigJson({ scale_attn_by_inverse_layer_idx: true }) },
    { title: "activation_function: 'gelu' (erf)", style: 'GPT2LMHeadModel', json: hfConfigJson({ activation_function: 'gelu' }) },
    { title: 'untied lm_head.weight', style: 'GPT2LMHeadModel', json: hfConfigJson({ tie_word_embeddings: false }), untied: true },
  ];

  for (const { title, style, json, untied } of cases) {
    it(`all logits match: ${title}`, () => {
      const weights = randomWeights(7, untied ?? false);
      const model = loadModel(json, checkpointBytes(weights, style));
      try {
        // Two full-length rows (all n_positions positions used) and a shorter one below.
        const rows = [randomIds(1, BASE.positions), randomIds(2, BASE.positions)];
        const got = engineLogits(model, rows, rows.map((r) => r.map(() => 1)));
        const W = refWeights(weights);
        const ref = refConfigFrom(json);
        for (let b = 0; b < rows.length; b++) {
          expectAllClose(flatten(got[b]), flatten(referenceLogits(ref, W, rows[b])), ABS_TOL, REL_TOL);
        }
        const short = randomIds(5, 7);
        expectAllClose(flatten(engineLogits(model, [short], [short.map(() => 1)])[0]), flatten(referenceLogits(ref, W, short)), ABS_TOL, REL_TOL);
      } finally {
        model.dispose();
      }
    });
  }

  it('right padding with an attention mask leaves real positions as in the unpadded sequence', () => {
    const weights = randomWeights(8, false);
    const json = hfConfigJson();
    const model = loadModel(json, checkpointBytes(weights, 'GPT2LMHeadModel'));
    try {
      const T = 12;
      const lengths = [5, 12, 1, 9];
      // Padding positions hold arbitrary (nonzero) ids: the mask alone must hide them.
      const filler = randomIds(99, T);
      const seqs = lengths.map((n, i) => randomIds(20 + i, n));
      const ids = seqs.map((s) => [...s, ...filler.slice(s.length)]);
      const mask = seqs.map((s) => Array.from({ length: T }, (_, t) => (t < s.length ? 1 : 0)));
      const got = engineLogits(model, ids, mask);
      const W = refWeights(weights);
      const ref = refConfigFrom(json);
      for (let b = 0; b < seqs.length; b++) {
        const real = got[b].slice(0, seqs[b].length);
        expectAllClose(flatten(real), flatten(referenceLogits(ref, W, seqs[b])), ABS_TOL, REL_TOL);
        // And against the engine itself without padding.
        const alone = engineLogits(model, [seqs[b]], [seqs[b].map(() => 1)])[0];
        expectAllClose(flatten(real), flatten(alone), 1e-5, 1e-5);
      }
    } finally {
      model.dispose();
    }
  });
});

describe('loading errors', () => {
  it('a tensor with the wrong shape gives a ModelLoadError naming it and allocates nothing', () => {
    const weights = randomWeights(9, false);
    const fc = weights.get('h.1.mlp.c_fc.weight')!;
    weights.set('h.1.mlp.c_fc.weight', { shape: [fc.shape[1], fc.shape[0]], data: fc.data }); // transposed
    const bytes = checkpointBytes(weights, 'GPT2LMHeadModel');
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      loadModel(hfConfigJson(), bytes).dispose();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toContain('h.1.mlp.c_fc.weight');
    expect((error as Error).message).toContain(`[${4 * BASE.d},${BASE.d}]`);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a missing tensor gives a ModelLoadError naming it and allocates nothing', () => {
    const weights = randomWeights(10, false);
    weights.delete('h.0.attn.c_proj.bias');
    const bytes = checkpointBytes(weights, 'GPT2Model');
    const before = tf.memory().numTensors;
    expect(() => loadModel(hfConfigJson(), bytes)).toThrow(ModelLoadError);
    expect(() => loadModel(hfConfigJson(), bytes)).toThrow(/h\.0\.attn\.c_proj\.bias/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a model that loaded frees all of its tensors on dispose', () => {
    const before = tf.memory();
    const model = loadModel(hfConfigJson(), checkpointBytes(randomWeights(12, false), 'GPT2LMHeadModel'));
    expect(tf.memory().numTensors).toBeGreaterThan(before.numTensors);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('two models built from the same checkpoint coexist (one per run)', () => {
    const bytes = checkpointBytes(randomWeights(13, false), 'GPT2LMHeadModel');
    const a = loadModel(hfConfigJson(), bytes);
    const b = loadModel(hfConfigJson(), bytes);
    try {
      const ids = [randomIds(4, 6)];
      const mask = [ids[0].map(() => 1)];
      expect(maxAbsDiff(flatten(engineLogits(a, ids, mask)[0]), flatten(engineLogits(b, ids, mask)[0]))).toBe(0);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
