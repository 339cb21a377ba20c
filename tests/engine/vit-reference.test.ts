import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseVitConfig, vitModelShape, vitParamCount } from '../../src/engine/models/vit-config';
import { VitModel } from '../../src/engine/models/vit';
import type { ModelHooks } from '../../src/engine/models/hooks';
import { readSafetensors, writeSafetensors, type SafetensorsWriteEntry } from '../../src/engine/io/safetensors';
import { expectAllClose, maxAbsDiff } from './tiny';
import { prng } from './prng';

/**
 * The engine's ViT against an independent re-implementation of Hugging Face's
 * ViTForImageClassification written here in plain TypeScript (float64 arithmetic, loops, a
 * direct convolution for the patch embedding; no tfjs, no engine code).
 */

beforeAll(async () => {
  await useWasmBackend();
});

// ------------------------------------------------------------------------------------------
// Reference implementation
// ------------------------------------------------------------------------------------------

interface RefConfig {
  d: number;
  layers: number;
  heads: number;
  inner: number;
  eps: number;
  activation: 'gelu' | 'gelu_new';
  image: number;
  patch: number;
  channels: number;
  labels: number;
  qkvBias: boolean;
}

/** Weights by HF ViTForImageClassification name; read as doubles. */
type RefWeights = Map<string, ArrayLike<number>>;

interface RefExtras {
  /** Prompt rows [p][d] placed between CLS and the patches (no positions). */
  prompts?: number[][];
  /** Per layer: extra key/value rows [p][d] (already layer-normed hidden states). */
  prefixHidden?: number[][][];
  /** Added to nn.Linear weights ([out, in] layout) by module name, e.g. a LoRA ΔW. */
  deltas?: Map<string, Float64Array>;
  /** Receives each layer's softmax probabilities [head][query][key]. */
  probabilities?: (layer: number, probs: number[][][]) => void;
}

function erf(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let sum = 0;
  let term = x;
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

function refLayerNorm(x: number[][], w: ArrayLike<number>, b: ArrayLike<number>, eps: number): number[][] {
  return x.map((row) => {
    const n = row.length;
    const mean = row.reduce((a, v) => a + v, 0) / n;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w[i] + b[i]);
  });
}

/** nn.Linear: y = x·Wᵀ + b, W stored [out, in] (plus an optional ΔW in the same layout). */
function linear(x: number[][], w: ArrayLike<number>, b: ArrayLike<number> | undefined, inF: number, outF: number, delta?: Float64Array): number[][] {
  let weight = w;
  if (delta) weight = Float64Array.from(w, (v, i) => v + delta[i]);
  return x.map((row) => {
    const input = Float64Array.from(row);
    const out = new Array<number>(outF);
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      const base = o * inF;
      for (let i = 0; i < inF; i++) s += input[i] * weight[base + i];
      out[o] = s;
    }
    return out;
  });
}

/** ViTForImageClassification on one image [C, H, W]: final hidden states [T][d] and logits. */
function referenceForward(c: RefConfig, W: RefWeights, pixels: ArrayLike<number>, extras: RefExtras = {}): { hidden: number[][]; logits: number[] } {
  const get = (name: string) => {
    const t = W.get(name);
    if (!t) throw new Error(`reference: no ${name}`);
    return t;
  };
  const { d, patch: P, image, channels: C } = c;
  const side = image / P;
  // Conv2d(kernel = stride = P), output flattened row-major over the grid.
  const conv = get('vit.embeddings.patch_embeddings.projection.weight');
  const convBias = get('vit.embeddings.patch_embeddings.projection.bias');
  const pos = get('vit.embeddings.position_embeddings');
  const cls = get('vit.embeddings.cls_token');
  const patches: number[][] = [];
  for (let gy = 0; gy < side; gy++) {
    for (let gx = 0; gx < side; gx++) {
      const n = gy * side + gx;
      const row = new Array<number>(d);
      for (let o = 0; o < d; o++) {
        let s = convBias[o];
        for (let ch = 0; ch < C; ch++) {
          for (let py = 0; py < P; py++) {
            for (let px = 0; px < P; px++) {
              s += conv[((o * C + ch) * P + py) * P + px] * pixels[(ch * image + gy * P + py) * image + gx * P + px];
            }
          }
        }
        row[o] = s + pos[(n + 1) * d + o];
      }
      patches.push(row);
    }
  }
  const clsRow = Array.from({ length: d }, (_, o) => cls[o] + pos[o]);
  let x: number[][] = [clsRow, ...(extras.prompts ?? []).map((r) => r.slice()), ...patches];
  const T = x.length;
  const hd = d / c.heads;
  const lin = (name: string, input: number[][], inF: number, outF: number) =>
    linear(input, get(`${name}.weight`), W.get(`${name}.bias`), inF, outF, extras.deltas?.get(name));

  for (let layer = 0; layer < c.layers; layer++) {
    const p = `vit.encoder.layer.${layer}.`;
    const h = refLayerNorm(x, get(`${p}layernorm_before.weight`), get(`${p}layernorm_before.bias`), c.eps);
    const q = lin(`${p}attention.attention.query`, h, d, d);
    const extra = extras.prefixHidden?.[layer] ?? [];
    const kvInput = [...extra, ...h];
    const k = lin(`${p}attention.attention.key`, kvInput, d, d);
    const v = lin(`${p}attention.attention.value`, kvInput, d, d);
    const S = kvInput.length;
    const context = x.map(() => new Array<number>(d).fill(0));
    const probs: number[][][] = [];
    for (let head = 0; head < c.heads; head++) {
      const o0 = head * hd;
      probs.push([]);
      for (let t = 0; t < T; t++) {
        const scores = new Array<number>(S);
        let max = -Infinity;
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += q[t][o0 + j] * k[s][o0 + j];
          scores[s] = dot / Math.sqrt(hd);
          max = Math.max(max, scores[s]);
        }
        let z = 0;
        for (let s = 0; s < S; s++) {
          scores[s] = Math.exp(scores[s] - max);
          z += scores[s];
        }
        for (let s = 0; s < S; s++) scores[s] /= z;
        probs[head].push(scores);
        for (let s = 0; s < S; s++) for (let j = 0; j < hd; j++) context[t][o0 + j] += scores[s] * v[s][o0 + j];
      }
    }
    extras.probabilities?.(layer, probs);
    const attnOut = lin(`${p}attention.output.dense`, context, d, d);
    x = x.map((row, t) => row.map((val, i) => val + attnOut[t][i]));
    const h2 = refLayerNorm(x, get(`${p}layernorm_after.weight`), get(`${p}layernorm_after.bias`), c.eps);
    const mid = lin(`${p}intermediate.dense`, h2, d, c.inner).map((row) => row.map((val) => act(val, c.activation)));
    const mlpOut = lin(`${p}output.dense`, mid, c.inner, d);
    x = x.map((row, t) => row.map((val, i) => val + mlpOut[t][i]));
  }
  const hidden = refLayerNorm(x, get('vit.layernorm.weight'), get('vit.layernorm.bias'), c.eps);
  const logits = linear([hidden[0]], get('classifier.weight'), get('classifier.bias'), d, c.labels)[0];
  return { hidden, logits };
}

// ------------------------------------------------------------------------------------------
// Random checkpoints with real HF names
// ------------------------------------------------------------------------------------------

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

const TINY: RefConfig = { d: 24, layers: 2, heads: 3, inner: 40, eps: 1e-12, activation: 'gelu', image: 12, patch: 4, channels: 3, labels: 7, qkvBias: true };

function configJson(c: RefConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const id2label: Record<string, string> = {};
  for (let i = 0; i < c.labels; i++) id2label[String(i)] = `class_${i}`;
  // The fields of a real ViTForImageClassification config.json, including ones the engine ignores.
  return {
    architectures: ['ViTForImageClassification'],
    attention_probs_dropout_prob: 0.0,
    encoder_stride: c.patch,
    hidden_act: c.activation,
    hidden_dropout_prob: 0.0,
    hidden_size: c.d,
    id2label,
    image_size: c.image,
    initializer_range: 0.02,
    intermediate_size: c.inner,
    layer_norm_eps: c.eps,
    model_type: 'vit',
    num_attention_heads: c.heads,
    num_channels: c.channels,
    num_hidden_layers: c.layers,
    patch_size: c.patch,
    qkv_bias: c.qkvBias,
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
    ...extra,
  };
}

/**
 * Float32 weights by ViTForImageClassification name, scaled so that attention is far from
 * uniform and MLP pre-activations are O(1) (where the activation's exact form matters).
 */
function randomWeights(c: RefConfig, seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const next = prng(seed);
  const { d, inner, patch: P, channels: C } = c;
  const N = (c.image / P) ** 2;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const normal = (name: string, shape: number[], std: number, mean = 0) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = mean + std * gaussian(next);
    out.set(name, { shape, data });
  };
  normal('vit.embeddings.cls_token', [1, 1, d], 0.5);
  normal('vit.embeddings.position_embeddings', [1, N + 1, d], 0.3);
  normal('vit.embeddings.patch_embeddings.projection.weight', [d, C, P, P], 1 / Math.sqrt(C * P * P));
  normal('vit.embeddings.patch_embeddings.projection.bias', [d], 0.1);
  for (let i = 0; i < c.layers; i++) {
    const p = `vit.encoder.layer.${i}.`;
    for (const m of ['query', 'key', 'value']) {
      normal(`${p}attention.attention.${m}.weight`, [d, d], 1.2 / Math.sqrt(d));
      if (c.qkvBias) normal(`${p}attention.attention.${m}.bias`, [d], 0.1);
    }
    normal(`${p}attention.output.dense.weight`, [d, d], 0.5 / Math.sqrt(d));
    normal(`${p}attention.output.dense.bias`, [d], 0.1);
    normal(`${p}intermediate.dense.weight`, [inner, d], 1.5 / Math.sqrt(d));
    normal(`${p}intermediate.dense.bias`, [inner], 0.1);
    normal(`${p}output.dense.weight`, [d, inner], 2 / Math.sqrt(inner));
    normal(`${p}output.dense.bias`, [d], 0.1);
    normal(`${p}layernorm_before.weight`, [d], 0.2, 1);
    normal(`${p}layernorm_before.bias`, [d], 0.1);
    normal(`${p}layernorm_after.weight`, [d], 0.2, 1);
    normal(`${p}layernorm_after.bias`, [d], 0.1);
  }
  normal('vit.layernorm.weight', [d], 0.2, 1);
  normal('vit.layernorm.bias', [d], 0.1);
  normal('classifier.weight', [c.labels, d], 0.5);
  normal('classifier.bias', [c.labels], 0.1);
  return out;
}

function checkpointBytes(weights: Map<string, { shape: number[]; data: Float32Array }>): Uint8Array {
  const entries: SafetensorsWriteEntry[] = [...weights].map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, data: t.data }));
  return writeSafetensors(entries, { format: 'pt' });
}

function loadModel(c: RefConfig, bytes: Uint8Array, extra: Record<string, unknown> = {}): { model: VitModel; W: RefWeights } {
  const { tensors } = readSafetensors(bytes);
  const model = VitModel.fromWeights(parseVitConfig(configJson(c, extra)), tensors);
  return { model, W: new Map([...tensors].map(([n, t]) => [n, t.data])) };
}

/** Preprocessed-looking pixels in [-1, 1], [B][C·H·W]. */
function randomImages(c: RefConfig, count: number, seed: number): Float32Array[] {
  const next = prng(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: c.channels * c.image * c.image }, () => next() * 2 - 1));
}

function engineRun(model: VitModel, c: RefConfig, images: Float32Array[], hooks?: ModelHooks): { hidden: Float32Array; logits: Float32Array; tokens: number } {
  const before = tf.memory().numTensors;
  const [hidden, logits] = tf.tidy(() => {
    const flat = new Float32Array(images.length * images[0].length);
    images.forEach((img, i) => flat.set(img, i * img.length));
    const h = model.forward(tf.tensor4d(flat, [images.length, c.channels, c.image, c.image]), hooks ? { hooks } : {});
    return [h, model.classifierLogits(h)];
  });
  const out = { hidden: hidden.dataSync() as Float32Array, logits: logits.dataSync() as Float32Array, tokens: hidden.shape[1] };
  hidden.dispose();
  logits.dispose();
  // Whatever the hooks did, the forward keeps nothing.
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

const ABS_TOL = 3e-5;
const REL_TOL = 3e-6;

// ------------------------------------------------------------------------------------------

describe('reference ViT (sanity of the test itself)', () => {
  it('erf matches known values', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 12);
    expect(erf(-2)).toBeCloseTo(-0.9953222650189527, 12);
  });

  it('gelu vs gelu_new move the hidden states by far more than the tolerance', () => {
    const W: RefWeights = new Map([...randomWeights(TINY, 3)].map(([n, t]) => [n, t.data]));
    const [img] = randomImages(TINY, 1, 4);
    const a = referenceForward(TINY, W, img).hidden.flat();
    const b = referenceForward({ ...TINY, activation: 'gelu_new' }, W, img).hidden.flat();
    expect(maxAbsDiff(a, b)).toBeGreaterThan(10 * (ABS_TOL + REL_TOL * Math.max(...a.map(Math.abs))));
  });
});

describe('VitModel vs the reference (tiny dimensions)', () => {
  const cases: Array<{ title: string; c: RefConfig }> = [
    { title: 'RGB, gelu, qkv_bias', c: TINY },
    { title: 'grayscale, gelu_new, no qkv bias, 1 layer', c: { ...TINY, channels: 1, activation: 'gelu_new', qkvBias: false, layers: 1, image: 15, patch: 5 } },
  ];
  for (const { title, c } of cases) {
    it(`hidden states and logits match for a batch of 3: ${title}`, () => {
      const { model, W } = loadModel(c, checkpointBytes(randomWeights(c, 7)));
      try {
        const images = randomImages(c, 3, 11);
        const got = engineRun(model, c, images);
        const T = (c.image / c.patch) ** 2 + 1;
        expect(got.tokens).toBe(T);
        let worst = 0;
        images.forEach((img, b) => {
          const ref = referenceForward(c, W, img);
          const hidden = got.hidden.subarray(b * T * c.d, (b + 1) * T * c.d);
          expectAllClose(hidden, ref.hidden.flat(), ABS_TOL, REL_TOL);
          expectAllClose(got.logits.subarray(b * c.labels, (b + 1) * c.labels), ref.logits, ABS_TOL, REL_TOL);
          worst = Math.max(worst, maxAbsDiff(got.logits.subarray(b * c.labels, (b + 1) * c.labels), ref.logits));
        });
        console.log(`ViT ${title}: max |logit − reference| = ${worst.toExponential(2)}`);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('hooks vs the reference', () => {
  const c = TINY;
  const weights = randomWeights(c, 21);
  const bytes = checkpointBytes(weights);
  const images = randomImages(c, 2, 22);
  const T = (c.image / c.patch) ** 2 + 1;

  it('an identity linear hook changes nothing and sees all six linears of every layer', () => {
    const { model } = loadModel(c, bytes);
    try {
      const plain = engineRun(model, c, images);
      const seen: string[] = [];
      const hooked = engineRun(model, c, images, {
        linear: (site, x, base) => {
          seen.push(`${site.stack}:${site.layer}:${site.role}:${site.modulePath}`);
          return base(x);
        },
      });
      expect(maxAbsDiff(hooked.logits, plain.logits)).toBe(0);
      expect(maxAbsDiff(hooked.hidden, plain.hidden)).toBe(0);
      expect(seen).toHaveLength(6 * c.layers);
      expect(seen.slice(0, 6)).toEqual([
        'encoder:0:q:vit.encoder.layer.0.attention.attention.query',
        'encoder:0:k:vit.encoder.layer.0.attention.attention.key',
        'encoder:0:v:vit.encoder.layer.0.attention.attention.value',
        'encoder:0:attn_out:vit.encoder.layer.0.attention.output.dense',
        'encoder:0:mlp_in:vit.encoder.layer.0.intermediate.dense',
        'encoder:0:mlp_out:vit.encoder.layer.0.output.dense',
      ]);
    } finally {
      model.dispose();
    }
  });

  it('a LoRA-like hook on q and v matches the reference with W + ΔW', () => {
    const { model, W } = loadModel(c, bytes);
    const next = prng(23);
    const r = 2;
    const lora = new Map<string, { A: Float32Array; B: Float32Array }>();
    const deltas = new Map<string, Float64Array>();
    for (const site of model.linearSites().filter((s) => s.role === 'q' || s.role === 'v')) {
      const A = Float32Array.from({ length: site.inFeatures * r }, () => gaussian(next) * 0.3);
      const B = Float32Array.from({ length: r * site.outFeatures }, () => gaussian(next) * 0.3);
      lora.set(site.name, { A, B });
      // ΔW in nn.Linear's [out, in] layout: (A·B)ᵀ.
      const delta = new Float64Array(site.outFeatures * site.inFeatures);
      for (let o = 0; o < site.outFeatures; o++) {
        for (let i = 0; i < site.inFeatures; i++) {
          let s = 0;
          for (let j = 0; j < r; j++) s += A[i * r + j] * B[j * site.outFeatures + o];
          delta[o * site.inFeatures + i] = s;
        }
      }
      deltas.set(site.modulePath, delta);
    }
    try {
      const got = engineRun(model, c, images, {
        linear: (site, x, base) => {
          const ab = lora.get(site.name);
          if (!ab) return base(x);
          const a = tf.tensor2d(ab.A, [site.inFeatures, r]);
          const b = tf.tensor2d(ab.B, [r, site.outFeatures]);
          return tf.add(base(x), tf.matMul(tf.matMul(x, a), b)) as tf.Tensor2D;
        },
      });
      const plain = referenceForward(c, W, images[0]).logits;
      images.forEach((img, i) => {
        const ref = referenceForward(c, W, img, { deltas });
        expectAllClose(got.logits.subarray(i * c.labels, (i + 1) * c.labels), ref.logits, ABS_TOL, REL_TOL);
      });
      // The delta must matter, or the comparison proves nothing.
      expect(maxAbsDiff(got.logits.subarray(0, c.labels), plain)).toBeGreaterThan(1e-2);
    } finally {
      model.dispose();
    }
  });

  it('inputEmbeddings with 3 prompt rows gives [CLS; prompts; patches] as the reference computes it', () => {
    const { model, W } = loadModel(c, bytes);
    const next = prng(24);
    const p = 3;
    const prompts = Array.from({ length: p }, () => Array.from({ length: c.d }, () => gaussian(next)));
    try {
      let received: number[] = [];
      const got = engineRun(model, c, images, {
        prefixLength: p,
        inputEmbeddings: (patches) => {
          received = patches.shape;
          const rows = tf.tile(tf.tensor3d([prompts]), [patches.shape[0], 1, 1]);
          return tf.concat([rows, patches], 1) as tf.Tensor3D;
        },
      });
      expect(received).toEqual([2, T - 1, c.d]);
      expect(got.tokens).toBe(T + p);
      images.forEach((img, i) => {
        const ref = referenceForward(c, W, img, { prompts });
        expectAllClose(got.hidden.subarray(i * (T + p) * c.d, (i + 1) * (T + p) * c.d), ref.hidden.flat(), ABS_TOL, REL_TOL);
        expectAllClose(got.logits.subarray(i * c.labels, (i + 1) * c.labels), ref.logits, ABS_TOL, REL_TOL);
      });
    } finally {
      model.dispose();
    }
  });

  it('attention with prefixHidden (through a hooked key/value linear) matches the reference; probabilities are observed', () => {
    const { model, W } = loadModel(c, bytes);
    const next = prng(25);
    const p = 2;
    const prefix = Array.from({ length: c.layers }, () => Array.from({ length: p }, () => Array.from({ length: c.d }, () => gaussian(next))));
    // A ΔW on the key linears: the prefix rows must go through the hooked linear too.
    const keyShift = new Map<string, Float64Array>();
    const keyDelta = Float32Array.from({ length: c.d * c.d }, () => gaussian(next) * 0.1); // [in, out]
    const deltaOutIn = new Float64Array(c.d * c.d);
    for (let o = 0; o < c.d; o++) for (let i = 0; i < c.d; i++) deltaOutIn[o * c.d + i] = keyDelta[i * c.d + o];
    for (let layer = 0; layer < c.layers; layer++) keyShift.set(`vit.encoder.layer.${layer}.attention.attention.key`, deltaOutIn);
    const observed: number[][] = [];
    const engineProbs: number[][][][][] = [];
    try {
      const got = engineRun(model, c, images, {
        linear: (site, x, base) => (site.role === 'k' ? (tf.add(base(x), tf.matMul(x, tf.tensor2d(keyDelta, [c.d, c.d]))) as tf.Tensor2D) : base(x)),
        attention: (site, x, base) => {
          expect(x.shape).toEqual([2, T, c.d]);
          return base(x, {
            prefixHidden: tf.tensor2d(prefix[site.layer]),
            observeProbabilities: (probs) => {
              observed.push(probs.shape);
              if (site.layer === 1) engineProbs.push(probs.arraySync() as number[][][][]);
            },
          });
        },
      });
      expect(observed).toEqual([[2, c.heads, T, p + T], [2, c.heads, T, p + T]]);
      images.forEach((img, i) => {
        const ref = referenceForward(c, W, img, {
          prefixHidden: prefix,
          deltas: keyShift,
          probabilities: (layer, probs) => {
            if (layer === 1) expectAllClose(engineProbs[0][i].flat(2), probs.flat(2), 1e-5, 1e-5);
          },
        });
        expectAllClose(got.logits.subarray(i * c.labels, (i + 1) * c.labels), ref.logits, ABS_TOL, REL_TOL);
        // Without the key hook on the prefix rows, the result would differ measurably.
        const unhookedPrefix = referenceForward(c, W, img, { prefixHidden: prefix });
        expect(maxAbsDiff(got.logits.subarray(i * c.labels, (i + 1) * c.labels), unhookedPrefix.logits)).toBeGreaterThan(1e-3);
      });
    } finally {
      model.dispose();
    }
  });
});

describe('ViT-B/16 at 224×224 (the real google/vit-base-patch16-224 dimensions)', () => {
  const B16: RefConfig = { d: 768, layers: 12, heads: 12, inner: 3072, eps: 1e-12, activation: 'gelu', image: 224, patch: 16, channels: 3, labels: 1000, qkvBias: true };

  it('counts 86,567,656 parameters; LoRA r=4 on q and v over 12 layers is 147,456', () => {
    const config = parseVitConfig(configJson(B16));
    expect(vitParamCount(config)).toBe(86_567_656);
    const shape = vitModelShape(config);
    expect(shape.totalParams + 1000 * (768 + 1)).toBe(86_567_656);
    expect(shape.linears).toHaveLength(72);
    const r = 4;
    const lora = shape.linears.filter((l) => l.role === 'q' || l.role === 'v').reduce((n, l) => n + r * (l.inFeatures + l.outFeatures), 0);
    expect(lora).toBe(147_456);
    // cls + positions (197 × 768) + Conv2d 16×16×3 → 768 with bias.
    expect(shape.embeddingParams).toBe(768 + 197 * 768 + 768 * 768 + 768);
    expect(shape.stacks).toEqual({ encoder: 12, decoder: 0 });
  });

  it(
    'a random checkpoint round-trips through safetensors and its logits match the reference (all 12 layers)',
    () => {
      const weights = randomWeights(B16, 31);
      const total = [...weights.values()].reduce((n, t) => n + t.data.length, 0);
      expect(total).toBe(86_567_656);
      const bytes = checkpointBytes(weights);
      weights.clear();
      const { model, W } = loadModel(B16, bytes);
      try {
        const [img] = randomImages(B16, 1, 32);
        const got = engineRun(model, B16, [img]);
        const t0 = performance.now();
        const ref = referenceForward(B16, W, img);
        const diff = maxAbsDiff(got.logits, ref.logits);
        console.log(`ViT-B/16: max |logit − reference| = ${diff.toExponential(2)} (logits up to ${Math.max(...ref.logits.map(Math.abs)).toFixed(2)}), hidden max diff ${maxAbsDiff(got.hidden, ref.hidden.flat()).toExponential(2)}; reference took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
        expectAllClose(got.logits, ref.logits, 2e-4, 2e-5);
        expectAllClose(got.hidden, ref.hidden.flat(), 2e-4, 2e-5);
      } finally {
        model.dispose();
      }
    },
    900_000,
  );
});
