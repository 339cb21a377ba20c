import { tf } from '../../src/engine/tf';
import type { Gpt2Model } from '../../src/engine/models/gpt2';

/**
 * GPT-2 forward in plain JavaScript (float64), written from the HF formulas and not from the
 * engine, with deep prompts or APT per layer: the independent computation the deep-prompt and
 * APT tests compare the engine's hooks against. One sequence, no padding, no dropout.
 */

export interface DeepPromptReference {
  /** Per layer, prompt rows [p·d] (layer-normed hidden states joining keys and values). */
  prompts: Float32Array[];
}

export interface AptReference {
  /** Per layer: keys K [p·d], weights a [p], values P' [p·d], scale s. */
  keys: Float32Array[];
  weights: Float32Array[];
  values: Float32Array[];
  scales: number[];
}

export interface ReferenceOutput {
  /** [T·vocab] */
  logits: Float64Array;
  /** shares[layer][t]: deep prompt softmax mass on prompts (mean over heads) or APT's ‖ΔX‖/(‖SA‖+‖ΔX‖). */
  shares: number[][];
}

function host(model: Gpt2Model, name: string): Float32Array {
  return model.variable(name).dataSync() as Float32Array;
}

function layerNormRow(x: Float64Array, w: Float32Array, b: Float32Array, eps: number): Float64Array {
  const d = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= d;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2;
  variance /= d;
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) out[i] = ((x[i] - mean) / Math.sqrt(variance + eps)) * w[i] + b[i];
  return out;
}

/** y = x·W + b, W stored [in, out]. */
function affineRow(x: ArrayLike<number>, w: Float32Array, b: Float32Array, out: number): Float64Array {
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) y[o] = b[o];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    for (let o = 0; o < out; o++) y[o] += xi * w[i * out + o];
  }
  return y;
}

function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** ΔX_i = Σ_j ReLU(x_i·K_j)·a_j·V_j for one row. */
export function aptDeltaRow(x: ArrayLike<number>, keys: Float32Array, weights: Float32Array, values: Float32Array, d: number): Float64Array {
  const p = weights.length;
  const out = new Float64Array(d);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[c] * keys[j * d + c];
    const g = Math.max(s, 0) * weights[j];
    if (g === 0) continue;
    for (let c = 0; c < d; c++) out[c] += g * values[j * d + c];
  }
  return out;
}

export function referenceForward(model: Gpt2Model, ids: number[], extras: { deep?: DeepPromptReference; apt?: AptReference } = {}): ReferenceOutput {
  const c = model.config;
  if (c.activation !== 'gelu_new' || !c.scaleAttnWeights || c.scaleAttnByInverseLayerIdx) throw new Error('reference covers the default GPT-2 config only');
  const d = c.nEmbd;
  const heads = c.nHead;
  const hd = d / heads;
  const T = ids.length;
  const wte = host(model, 'wte.weight');
  const wpe = host(model, 'wpe.weight');
  let h: Float64Array[] = ids.map((id, t) => {
    const row = new Float64Array(d);
    for (let i = 0; i < d; i++) row[i] = wte[id * d + i] + wpe[t * d + i];
    return row;
  });
  const shares: number[][] = [];
  for (let l = 0; l < c.nLayer; l++) {
    const w = (n: string) => host(model, `h.${l}.${n}`);
    const x = h.map((row) => layerNormRow(row, w('ln_1.weight'), w('ln_1.bias'), c.layerNormEpsilon));
    const qkv = x.map((row) => affineRow(row, w('attn.c_attn.weight'), w('attn.c_attn.bias'), 3 * d));
    const prompts = extras.deep?.prompts[l];
    const p = prompts ? prompts.length / d : 0;
    const promptKv: Float64Array[] = [];
    for (let j = 0; j < p; j++) promptKv.push(affineRow(prompts!.subarray(j * d, (j + 1) * d), w('attn.c_attn.weight'), w('attn.c_attn.bias'), 3 * d));
    const layerShares: number[] = [];
    const next: Float64Array[] = [];
    for (let t = 0; t < T; t++) {
      const context = new Float64Array(d);
      let promptMass = 0;
      for (let head = 0; head < heads; head++) {
        const off = head * hd;
        // Keys: the p prompts, then tokens 0..t (causal).
        const keyRows = [...promptKv, ...qkv.slice(0, t + 1)];
        const scores = keyRows.map((kv) => {
          let s = 0;
          for (let i = 0; i < hd; i++) s += qkv[t][off + i] * kv[d + off + i];
          return s / Math.sqrt(hd);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const sum = exps.reduce((a, b) => a + b, 0);
        for (let k = 0; k < keyRows.length; k++) {
          const prob = exps[k] / sum;
          if (k < p) promptMass += prob / heads;
          for (let i = 0; i < hd; i++) context[off + i] += prob * keyRows[k][2 * d + off + i];
        }
      }
      let attn = affineRow(context, w('attn.c_proj.weight'), w('attn.c_proj.bias'), d);
      if (extras.apt) {
        const delta = aptDeltaRow(x[t], extras.apt.keys[l], extras.apt.weights[l], extras.apt.values[l], d);
        const dn = norm(delta);
        layerShares.push(dn / (dn + norm(attn)));
        const e = Math.exp(extras.apt.scales[l]);
        attn = attn.map((v, i) => e * (v + delta[i]));
      } else {
        layerShares.push(promptMass);
      }
      next.push(h[t].map((v, i) => v + attn[i]));
    }
    h = next.map((row) => {
      const x2 = layerNormRow(row, w('ln_2.weight'), w('ln_2.bias'), c.layerNormEpsilon);
      const hidden = affineRow(x2, w('mlp.c_fc.weight'), w('mlp.c_fc.bias'), c.nInner).map(geluNew);
      const m = affineRow(hidden, w('mlp.c_proj.weight'), w('mlp.c_proj.bias'), d);
      return row.map((v, i) => v + m[i]);
    });
    shares.push(layerShares);
  }
  const vocab = c.vocabSize;
  const logits = new Float64Array(T * vocab);
  for (let t = 0; t < T; t++) {
    const f = layerNormRow(h[t], host(model, 'ln_f.weight'), host(model, 'ln_f.bias'), c.layerNormEpsilon);
    for (let v = 0; v < vocab; v++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += f[i] * wte[v * d + i];
      logits[t * vocab + v] = s;
    }
  }
  return { logits, shares };
}

/** Host values of a tensor (test helper). */
export function hostValues(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync());
}
