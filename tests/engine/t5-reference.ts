/**
 * An independent re-implementation of Hugging Face's T5ForConditionalGeneration (modeling_t5.py)
 * in plain TypeScript: float64, loops, no tfjs, no engine code. Weights by HF name in HF layout
 * (nn.Linear [out, in]). Shared by the T5 test files.
 */

export interface RefT5Config {
  vocab: number;
  d: number;
  dKv: number;
  dFf: number;
  encoderLayers: number;
  decoderLayers: number;
  heads: number;
  buckets: number;
  maxDistance: number;
  eps: number;
  activation: 'relu' | 'gelu_new';
  gated: boolean;
  tied: boolean;
  decoderStart: number;
  eos: number;
}

export type RefWeights = Map<string, Float64Array>;

/** Optional extras the hooks add, expressed directly on the reference. */
export interface RefExtras {
  /** ΔW [out, in] added to a linear's weight, by module path. */
  deltas?: Map<string, Float64Array>;
  /** Rows [p][d] prepended to the encoder's token embeddings (prompt tuning). */
  inputPrefix?: Float64Array[];
  /** Extra key/value rows [p][d] for a self-attention, by "encoder:3" / "decoder:0". */
  attentionPrefix?: Map<string, Float64Array[]>;
}

type Rows = Float64Array[];

/** HF's `_relative_position_bucket` in float64, written from the formula. */
export function refBucket(relativePosition: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let n = numBuckets;
  let ret = 0;
  let rp = relativePosition;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (rp > 0) ret += n;
    rp = Math.abs(rp);
  } else {
    rp = Math.max(-rp, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (rp < maxExact) return ret + rp;
  const large = maxExact + Math.floor((Math.log(rp / maxExact) / Math.log(maxDistance / maxExact)) * (n - maxExact));
  return ret + Math.min(large, n - 1);
}

function weight(w: RefWeights, name: string): Float64Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: no weight ${name}`);
  return t;
}

function rms(x: Rows, g: Float64Array, eps: number): Rows {
  return x.map((row) => {
    let ms = 0;
    for (const v of row) ms += v * v;
    ms /= row.length;
    const inv = 1 / Math.sqrt(ms + eps);
    return row.map((v, i) => v * inv * g[i]);
  });
}

function linear(x: Rows, w: Float64Array, outF: number, delta?: Float64Array): Rows {
  return x.map((row) => {
    const inF = row.length;
    const out = new Float64Array(outF);
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let i = 0; i < inF; i++) s += row[i] * (w[o * inF + i] + (delta ? delta[o * inF + i] : 0));
      out[o] = s;
    }
    return out;
  });
}

function act(x: number, kind: RefT5Config['activation']): number {
  if (kind === 'relu') return Math.max(0, x);
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

function add(a: Rows, b: Rows): Rows {
  return a.map((row, i) => row.map((v, j) => v + b[i][j]));
}

export class RefT5 {
  constructor(readonly c: RefT5Config, readonly w: RefWeights, readonly extras: RefExtras = {}) {}

  private lin(path: string, x: Rows, outF: number): Rows {
    return linear(x, weight(this.w, `${path}.weight`), outF, this.extras.deltas?.get(path));
  }

  /**
   * T5Attention for one sequence: queries x [T][d], keys/values kv [S][d] (+ prefix rows with zero
   * bias), `bias(q, k, h)` the position bias, `allowed(q, k)` the mask. No 1/√d scaling.
   */
  private attention(path: string, x: Rows, kv: Rows, prefix: Rows, bias: (q: number, k: number, h: number) => number, allowed: (q: number, k: number) => boolean): Rows {
    const { heads, dKv, d } = this.c;
    const inner = heads * dKv;
    const q = this.lin(`${path}.q`, x, inner);
    const keysIn = [...prefix, ...kv];
    const k = this.lin(`${path}.k`, keysIn, inner);
    const v = this.lin(`${path}.v`, keysIn, inner);
    const p = prefix.length;
    const context: Rows = x.map(() => new Float64Array(inner));
    for (let h = 0; h < heads; h++) {
      for (let qi = 0; qi < x.length; qi++) {
        const scores = keysIn.map((_, kj) => {
          let s = 0;
          for (let e = 0; e < dKv; e++) s += q[qi][h * dKv + e] * k[kj][h * dKv + e];
          if (kj < p) return s; // prefix keys: no position, always visible
          return allowed(qi, kj - p) ? s + bias(qi, kj - p, h) : -Infinity;
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const z = exps.reduce((a, b) => a + b, 0);
        for (let kj = 0; kj < keysIn.length; kj++) {
          const pr = exps[kj] / z;
          for (let e = 0; e < dKv; e++) context[qi][h * dKv + e] += pr * v[kj][h * dKv + e];
        }
      }
    }
    return this.lin(`${path}.o`, context, d);
  }

  private feedForward(path: string, x: Rows): Rows {
    const { dFf, d, gated, activation } = this.c;
    let hidden: Rows;
    if (gated) {
      const g = this.lin(`${path}.wi_0`, x, dFf);
      const l = this.lin(`${path}.wi_1`, x, dFf);
      hidden = g.map((row, i) => row.map((v, j) => act(v, activation) * l[i][j]));
    } else {
      hidden = this.lin(`${path}.wi`, x, dFf).map((row) => row.map((v) => act(v, activation)));
    }
    return this.lin(`${path}.wo`, hidden, d);
  }

  private positionBias(stack: 'encoder' | 'decoder'): (q: number, k: number, h: number) => number {
    const table = weight(this.w, `${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`);
    return (q, k, h) => table[refBucket(k - q, stack === 'encoder', this.c.buckets, this.c.maxDistance) * this.c.heads + h];
  }

  private embed(ids: number[]): Rows {
    const table = weight(this.w, 'shared.weight');
    return ids.map((id) => table.slice(id * this.c.d, (id + 1) * this.c.d));
  }

  /** Encoder hidden states [prefix + T][d] and the key mask for one row. */
  encode(ids: number[], mask: number[]): { hidden: Rows; mask: number[] } {
    const c = this.c;
    const prefix = this.extras.inputPrefix ?? [];
    let x: Rows = [...prefix.map((r) => Float64Array.from(r)), ...this.embed(ids)];
    const fullMask = [...prefix.map(() => 1), ...mask];
    const bias = this.positionBias('encoder');
    for (let l = 0; l < c.encoderLayers; l++) {
      const p = `encoder.block.${l}.layer`;
      const normed = rms(x, weight(this.w, `${p}.0.layer_norm.weight`), c.eps);
      const extra = this.extras.attentionPrefix?.get(`encoder:${l}`) ?? [];
      x = add(x, this.attention(`${p}.0.SelfAttention`, normed, normed, extra, bias, (_q, k) => fullMask[k] === 1));
      x = add(x, this.feedForward(`${p}.1.DenseReluDense`, rms(x, weight(this.w, `${p}.1.layer_norm.weight`), c.eps)));
    }
    return { hidden: rms(x, weight(this.w, 'encoder.final_layer_norm.weight'), c.eps), mask: fullMask };
  }

  /** Decoder hidden states [T'][d] (teacher forcing) for one row. */
  decode(decoderIds: number[], encoder: { hidden: Rows; mask: number[] }): Rows {
    const c = this.c;
    let x = this.embed(decoderIds);
    const bias = this.positionBias('decoder');
    for (let l = 0; l < c.decoderLayers; l++) {
      const p = `decoder.block.${l}.layer`;
      const normed = rms(x, weight(this.w, `${p}.0.layer_norm.weight`), c.eps);
      const extra = this.extras.attentionPrefix?.get(`decoder:${l}`) ?? [];
      x = add(x, this.attention(`${p}.0.SelfAttention`, normed, normed, extra, bias, (q, k) => k <= q));
      const normedCross = rms(x, weight(this.w, `${p}.1.layer_norm.weight`), c.eps);
      x = add(x, this.attention(`${p}.1.EncDecAttention`, normedCross, encoder.hidden, [], () => 0, (_q, k) => encoder.mask[k] === 1));
      x = add(x, this.feedForward(`${p}.2.DenseReluDense`, rms(x, weight(this.w, `${p}.2.layer_norm.weight`), c.eps)));
    }
    return rms(x, weight(this.w, 'decoder.final_layer_norm.weight'), c.eps);
  }

  logits(hidden: Rows): Rows {
    const c = this.c;
    const head = c.tied ? weight(this.w, 'shared.weight') : weight(this.w, 'lm_head.weight');
    const scale = c.tied ? c.d ** -0.5 : 1;
    return linear(hidden.map((row) => row.map((v) => v * scale)), head, c.vocab);
  }

  /** HF's forward with labels → logits, for one row (decoder inputs given directly). */
  forward(ids: number[], mask: number[], decoderIds: number[]): Rows {
    return this.logits(this.decode(decoderIds, this.encode(ids, mask)));
  }

  /** Greedy decoding: the argmax chain from decoder_start, stopping after eos or maxNew tokens. */
  greedy(ids: number[], mask: number[], maxNew: number, eos: number): number[] {
    const encoder = this.encode(ids, mask);
    const decoderIds = [this.c.decoderStart];
    const out: number[] = [];
    for (let s = 0; s < maxNew; s++) {
      const logits = this.logits(this.decode(decoderIds, encoder));
      const last = logits[logits.length - 1];
      let best = 0;
      for (let i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
      out.push(best);
      decoderIds.push(best);
      if (best === eos) break;
    }
    return out;
  }
}
