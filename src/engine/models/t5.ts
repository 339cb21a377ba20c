import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import type { HostTensor } from '../io/safetensors';
import type { Rng } from '../data/rng';
import { type T5Config, t5LinearSpecs, t5ModelShape, t5TiedAliases, t5WeightShapes } from './t5-config';
import { NO_HOOKS, type AttentionExtras, type LinearSite, type ModelHooks, type ModelShape, type Stack } from './hooks';
import { type BackboneModel, checkWeight, DropoutSeeds, linearSitesOf, selfAttentionOnRows, type ForwardOptions, ModelLoadError } from './model';
import { activation, maybeDropout, ownedVariable, rmsNorm } from './layers';
import { attentionOnRows } from '../blocks/attention';
import { BlockCheckpointing, type SeedSource } from '../blocks/checkpoint';

/**
 * T5 as Hugging Face's T5ForConditionalGeneration computes it, in float32: an encoder and a
 * decoder stack of pre-norm blocks with RMS LayerNorms (no mean, no bias), attention without the
 * 1/√d scaling, relative-position biases computed in block 0 of each stack and shared by all its
 * blocks, cross-attention without position bias, and an LM head tied to `shared` (hidden states
 * scaled by d_model^-0.5 first) unless `tie_word_embeddings` is false.
 * Read it top to bottom: `encode` / `decode` → `encoderBlock` / `decoderBlock` →
 * `selfAttentionLayer` / `feedForwardLayer` → `attention` / `linear`.
 *
 * Linear weights are held as variables in [in, out] layout (LinearSite's convention) under their
 * HF names (`encoder.block.0.layer.0.SelfAttention.q.weight`); HF stores nn.Linear as [out, in],
 * so they are transposed on load and back in `toHostWeights`.
 *
 * Deep prompts (`extras.prefixHidden` in the `attention` hook) join the keys and values of a
 * self-attention with ZERO position bias and are visible to every query, also in the causal
 * decoder: prompts have no position, the same in both stacks and for any input length. (A choice:
 * HF's T5 decoder, handed PEFT prefix-tuning key/values as past_key_values, would instead treat
 * them as the positions just before the sequence and bias them by distance; its encoder takes no
 * past key/values at all.)
 */

/** Additive mask value where a query may not look (as gpt2.ts; softmax gives exactly 0). */
const MASKED = -1e9;

export interface T5EncoderOutput {
  /** [B, prefix + T, d] after encoder.final_layer_norm (and dropout while training). */
  hidden: tf.Tensor3D;
  /** [B, prefix + T] float 1/0: which encoder positions cross-attention may look at. */
  keyMask: tf.Tensor2D;
}

/**
 * HF's `T5Attention._relative_position_bucket`: the bucket of `relativePosition` = key − query.
 * Bidirectional (encoder): half the buckets for keys after the query. Causal (decoder): keys after
 * the query all fall in bucket 0 (they are masked anyway). Small distances get their own bucket,
 * larger ones share logarithmically wider buckets up to `maxDistance`, beyond it the last one.
 * The log is evaluated in float32 steps (Math.fround) as PyTorch does on a float tensor.
 */
export function t5RelativePositionBucket(relativePosition: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let buckets = numBuckets;
  let bucket = 0;
  let distance: number;
  if (bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (relativePosition > 0) bucket += buckets;
    distance = Math.abs(relativePosition);
  } else {
    distance = -Math.min(relativePosition, 0);
  }
  const maxExact = Math.floor(buckets / 2);
  if (distance < maxExact) return bucket + distance;
  const f = Math.fround;
  const scaled = f(f(f(Math.log(f(distance / maxExact))) / f(Math.log(maxDistance / maxExact))) * (buckets - maxExact));
  return bucket + Math.min(maxExact + Math.trunc(scaled), buckets - 1);
}

/** nn.Linear [out, in] → [in, out], on the host (load time, no GPU work). */
function transposeHost(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/**
 * Dropout seeds of one stack: a forward's seed s gives the encoder 2s and the decoder 2s + 1,
 * so that a caller passing the same seed to `encode` and `decode` gets distinct masks.
 */
function stackSeeds(options: ForwardOptions, stackIndex: 0 | 1): DropoutSeeds {
  const seed = options.dropoutSeed ?? null;
  return new DropoutSeeds(seed === null ? null : 2 * seed + stackIndex);
}

export class T5Model implements BackboneModel {
  readonly family = 't5' as const;
  readonly shape: ModelShape;
  readonly checkpointing = new BlockCheckpointing();
  private readonly weights: Map<string, tf.Variable>;
  private readonly sites: LinearSite[];
  private readonly siteByPath: Map<string, LinearSite>;
  /** Bucket indices [q·k] by (q, k, direction), and causal 1/0 masks: built once, not per step. */
  private readonly bucketTables = new Map<string, tf.Tensor1D>();
  private readonly causalMasks = new Map<string, tf.Tensor4D>();

  private constructor(readonly config: T5Config, weights: Map<string, tf.Variable>) {
    this.weights = weights;
    this.shape = t5ModelShape(config);
    this.sites = linearSitesOf(this.shape.linears, (name) => this.variable(name));
    this.siteByPath = new Map(this.sites.map((s) => [s.modulePath, s]));
  }

  /**
   * Builds the model from host tensors under T5ForConditionalGeneration's names. Validates every
   * name, shape, dtype and value first, so a bad checkpoint leaves nothing on the GPU.
   */
  /** Every name and shape (and tied copy) checked on the host, before anything reaches the device. */
  static checkWeights(config: T5Config, host: Map<string, HostTensor>): Map<string, number[]> {
    const expected = t5WeightShapes(config);
    const aliases = new Set(t5TiedAliases(config));
    for (const name of host.keys()) {
      if (!expected.has(name) && !aliases.has(name)) {
        throw new ModelLoadError(
          `model.safetensors: unexpected tensor "${name}" for a T5 with num_layers=${config.numLayers}, num_decoder_layers=${config.numDecoderLayers}, feed_forward_proj="${config.feedForwardProj}", tie_word_embeddings=${config.tieWordEmbeddings} (does config.json match the weights?)`,
        );
      }
    }
    for (const [name, shape] of expected) checkWeight(name, host.get(name), shape);
    const shared = host.get('shared.weight')!.data;
    for (const alias of aliases) {
      const tensor = host.get(alias);
      if (!tensor) continue;
      const same = tensor.data.length === shared.length && tensor.data.every((v, i) => v === shared[i]);
      if (!same) throw new ModelLoadError(`model.safetensors: tensor "${alias}" differs from "shared.weight", but tie_word_embeddings makes them one tensor`);
    }
    return expected;
  }

  static fromWeights(config: T5Config, host: Map<string, HostTensor>): T5Model {
    const expected = T5Model.checkWeights(config, host);
    const linearShapes = new Set(t5LinearSpecs(config).map((l) => `${l.modulePath}.weight`));
    const weights = new Map<string, tf.Variable>();
    try {
      for (const [name, shape] of expected) {
        let data = host.get(name)!.data as Float32Array;
        let heldShape = shape;
        if (linearShapes.has(name)) {
          data = transposeHost(data, shape[0], shape[1]);
          heldShape = [shape[1], shape[0]];
        }
        weights.set(name, ownedVariable(tf.tensor(data, heldShape, 'float32'), false, `t5/${name}`));
      }
    } catch (error) {
      for (const v of weights.values()) v.dispose();
      throw error;
    }
    return new T5Model(config, weights);
  }

  /**
   * HF's T5PreTrainedModel._init_weights with factor = initializer_factor: LayerNorms factor·1;
   * shared (and an untied lm_head) N(0, factor); q N(0, factor·(d_model·d_kv)^-½); k, v and the
   * relative-position tables N(0, factor·d_model^-½); o N(0, factor·(heads·d_kv)^-½);
   * wi / wi_0 / wi_1 N(0, factor·d_model^-½); wo N(0, factor·d_ff^-½).
   */
  static randomInit(config: T5Config, rng: Rng): T5Model {
    const c = config;
    const factor = c.initializerFactor;
    const stdOf = (name: string): number | 'ones' => {
      if (name.endsWith('layer_norm.weight')) return 'ones';
      if (name === 'shared.weight' || name === 'lm_head.weight') return factor;
      if (name.endsWith('relative_attention_bias.weight')) return factor * c.dModel ** -0.5;
      const module = name.slice(0, -'.weight'.length).split('.').pop();
      switch (module) {
        case 'q':
          return factor * (c.dModel * c.dKv) ** -0.5;
        case 'k':
        case 'v':
        case 'wi':
        case 'wi_0':
        case 'wi_1':
          return factor * c.dModel ** -0.5;
        case 'o':
          return factor * (c.numHeads * c.dKv) ** -0.5;
        case 'wo':
          return factor * c.dFf ** -0.5;
      }
      throw new Error(`no init rule for T5 weight "${name}"`);
    };
    const host = new Map<string, HostTensor>();
    for (const [name, shape] of t5WeightShapes(c)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      const std = stdOf(name);
      if (std === 'ones') data.fill(factor);
      else for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
      host.set(name, { dtype: 'F32', shape, data });
    }
    return T5Model.fromWeights(c, host);
  }

  /** Std of HF's init of the token table (factor·1): new prompt rows and heads use it. */
  get initializerRange(): number {
    return this.config.initializerFactor;
  }

  variable(name: string): tf.Variable {
    const v = this.weights.get(name);
    if (!v) throw new Error(`T5 has no weight "${name}"`);
    return v;
  }

  /** Every base weight by HF name; linear weights are held [in, out] (see the file comment). */
  namedVariables(): Array<[string, tf.Variable]> {
    return [...this.weights.entries()];
  }

  linearSites(): LinearSite[] {
    return this.sites;
  }

  tokenEmbeddingTable(): tf.Variable {
    return this.variable('shared.weight');
  }

  /** The LM head matrix [vocab, d]: `shared` when tied. */
  lmHeadWeight(): tf.Variable {
    return this.weights.get('lm_head.weight') ?? this.variable('shared.weight');
  }

  /**
   * Runs the encoder on token ids [B, T] with a 1/0 attention mask [B, T] (right padding). An
   * `inputEmbeddings` hook may prepend `prefixLength` rows: they join the mask as ones and the
   * relative positions run over the whole sequence (PEFT's prompt tuning on T5).
   */
  encode(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, options: ForwardOptions = {}): T5EncoderOutput {
    const hooks = options.hooks ?? NO_HOOKS;
    const prefix = hooks.prefixLength ?? 0;
    const [batch, seq] = inputIds.shape;
    const total = prefix + seq;
    const c = this.config;
    const seeds = stackSeeds(options, 0);
    return tf.tidy(() => {
      let embeds = tf.gather(this.variable('shared.weight'), inputIds) as tf.Tensor3D;
      if (hooks.inputEmbeddings) embeds = hooks.inputEmbeddings(embeds);
      if (embeds.shape[1] !== total) {
        throw new Error(`inputEmbeddings hook returned ${embeds.shape[1]} positions, declared prefixLength ${prefix} + ${seq}`);
      }
      let keyMask = tf.cast(attentionMask, 'float32') as tf.Tensor2D;
      if (prefix > 0) keyMask = tf.concat([tf.ones([batch, prefix]), keyMask], 1);
      const bias = tf.add(this.positionBias('encoder', total, total), this.keyBias(keyMask)) as tf.Tensor4D;
      // The residual stream runs as rows [B·T, d] (see Gpt2Model.forward).
      let x = maybeDropout(embeds, c.dropoutRate, seeds.next()).reshape([batch * total, c.dModel]) as tf.Tensor2D;
      for (let layer = 0; layer < c.numLayers; layer++) {
        x = this.checkpointing.run(hooks, `encoder.${layer}`, [x, bias], seeds, ([xi, b], s) => this.encoderBlock(layer, xi as tf.Tensor2D, batch, b as tf.Tensor4D, hooks, s)) as tf.Tensor2D;
      }
      const normed = rmsNorm(x, this.variable('encoder.final_layer_norm.weight') as tf.Tensor1D, c.layerNormEpsilon);
      const hidden = maybeDropout(normed.reshape([batch, total, c.dModel]) as tf.Tensor3D, c.dropoutRate, seeds.next());
      return { hidden, keyMask };
    });
  }

  /**
   * Runs the decoder (teacher forcing: all positions at once, causal) on decoder input ids
   * [B, T'] (usually `shiftRight(labels)`) against the encoder's output. `decoderMask` [B, T']
   * masks padded decoder positions as keys (HF's decoder_attention_mask); by default all count.
   * Returns hidden states [B, T', d] after decoder.final_layer_norm.
   */
  decode(decoderInputIds: tf.Tensor2D, encoder: T5EncoderOutput, options: ForwardOptions = {}, decoderMask?: tf.Tensor2D): tf.Tensor3D {
    const hooks = options.hooks ?? NO_HOOKS;
    const c = this.config;
    const seq = decoderInputIds.shape[1];
    const seeds = stackSeeds(options, 1);
    return tf.tidy(() => {
      const embeds = tf.gather(this.variable('shared.weight'), decoderInputIds) as tf.Tensor3D;
      let selfBias = tf.add(this.positionBias('decoder', seq, seq), tf.mul(tf.sub(1, this.causalMask(seq)), MASKED)) as tf.Tensor4D;
      if (decoderMask) selfBias = tf.add(selfBias, this.keyBias(tf.cast(decoderMask, 'float32') as tf.Tensor2D)) as tf.Tensor4D;
      const crossBias = this.keyBias(encoder.keyMask);
      const batch = decoderInputIds.shape[0];
      let x = maybeDropout(embeds, c.dropoutRate, seeds.next()).reshape([batch * seq, c.dModel]) as tf.Tensor2D;
      const [, encoderRows, d] = encoder.hidden.shape;
      const encoderHidden = encoder.hidden.reshape([batch * encoderRows, d]) as tf.Tensor2D;
      for (let layer = 0; layer < c.numDecoderLayers; layer++) {
        x = this.checkpointing.run(hooks, `decoder.${layer}`, [x, encoderHidden, selfBias, crossBias], seeds, ([xi, enc, self, cross], s) =>
          this.decoderBlock(layer, xi as tf.Tensor2D, batch, enc as tf.Tensor2D, self as tf.Tensor4D, cross as tf.Tensor4D, hooks, s),
        ) as tf.Tensor2D;
      }
      const normed = rmsNorm(x, this.variable('decoder.final_layer_norm.weight') as tf.Tensor1D, c.layerNormEpsilon);
      return maybeDropout(normed.reshape([batch, seq, c.dModel]) as tf.Tensor3D, c.dropoutRate, seeds.next());
    });
  }

  /** Logits [B, T', vocab]; a tied head first scales the hidden states by d_model^-½ (as HF). */
  lmLogits(decoderHidden: tf.Tensor3D, head: tf.Tensor2D = this.lmHeadWeight() as tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t] = decoderHidden.shape;
      return matMul2d(this.lmHeadInput(decoderHidden), head, false, true).reshape([b, t, head.shape[0]]) as tf.Tensor3D;
    });
  }

  /** What the LM head multiplies, [B·T, d]: the decoder's hidden states, rescaled by d_model^-½ when the head is tied. */
  lmHeadInput(decoderHidden: tf.Tensor3D): tf.Tensor2D {
    const [b, t, d] = decoderHidden.shape;
    const h = decoderHidden.reshape([b * t, d]) as tf.Tensor2D;
    return this.config.tieWordEmbeddings ? (tf.mul(h, this.config.dModel ** -0.5) as tf.Tensor2D) : h;
  }

  /**
   * HF's `_shift_right`: decoder inputs [B·T'] from labels [B·T'] — decoder_start_token_id, then
   * the labels without their last token; ignored labels (−100) become the pad id.
   */
  shiftRight(labels: Int32Array, batch: number, targetLen: number): Int32Array {
    if (labels.length !== batch * targetLen) throw new Error(`labels hold ${labels.length} ids, expected ${batch}×${targetLen}`);
    const out = new Int32Array(labels.length);
    for (let b = 0; b < batch; b++) {
      out[b * targetLen] = this.config.decoderStartTokenId;
      for (let t = 1; t < targetLen; t++) {
        const id = labels[b * targetLen + t - 1];
        out[b * targetLen + t] = id === -100 ? this.config.padTokenId : id;
      }
    }
    return out;
  }

  /**
   * Greedy decoding (HF's generate with num_beams=1, do_sample=false), no dropout. Returns each
   * row's generated ids after the start token, up to and including eos (a row stops there; it
   * keeps being fed pad, as HF does, until every row has stopped). `lmHead`: a trained untied
   * copy of the head (head-only training) instead of the model's own. Reads values asynchronously
   * only: a synchronous read would stall (and on WebGPU lose) the device. `onScores`: called after
   * each step with that step's logits, [B·V] row-major over the model's whole vocabulary (HF's
   * `output_scores=True`; greedy decoding applies no logits processor, so they are the raw logits).
   */
  async greedyGenerate(
    inputIds: tf.Tensor2D,
    attentionMask: tf.Tensor2D,
    maxNewTokens: number,
    options: ForwardOptions & { lmHead?: tf.Tensor2D; onScores?: (logits: Float32Array, step: number) => void } = {},
  ): Promise<number[][]> {
    const evalOptions: ForwardOptions = { ...options, dropoutSeed: null };
    const batch = inputIds.shape[0];
    const encoder = this.encode(inputIds, attentionMask, evalOptions);
    const generated: number[][] = Array.from({ length: batch }, () => []);
    const done = new Array<boolean>(batch).fill(false);
    let decoderIds = new Int32Array(batch).fill(this.config.decoderStartTokenId);
    try {
      for (let step = 0; step < maxNewTokens && done.some((d) => !d); step++) {
        const len = step + 1;
        const [next, logits] = tf.tidy(() => {
          const hidden = this.decode(tf.tensor2d(decoderIds, [batch, len], 'int32'), encoder, evalOptions);
          const last = tf.slice(hidden, [0, len - 1, 0], [batch, 1, this.config.dModel]) as tf.Tensor3D;
          const stepLogits = this.lmLogits(last, options.lmHead).reshape([batch, -1]);
          return [tf.argMax(stepLogits, 1), stepLogits];
        });
        let ids: Int32Array;
        try {
          ids = (await next.data()) as Int32Array;
          if (options.onScores) options.onScores((await logits.data()) as Float32Array, step);
        } finally {
          tf.dispose([next, logits]);
        }
        const extended = new Int32Array(batch * (len + 1));
        for (let b = 0; b < batch; b++) {
          extended.set(decoderIds.subarray(b * len, (b + 1) * len), b * (len + 1));
          let id = ids[b];
          if (done[b]) id = this.config.padTokenId;
          else {
            generated[b].push(id);
            if (id === this.config.eosTokenId) done[b] = true;
          }
          extended[b * (len + 1) + len] = id;
        }
        decoderIds = extended;
      }
    } finally {
      encoder.hidden.dispose();
      encoder.keyMask.dispose();
    }
    return generated;
  }

  /** The weights in HF's layout and names (nn.Linear back to [out, in]), for model.safetensors. */
  async toHostWeights(): Promise<Map<string, HostTensor>> {
    const linears = new Set(t5LinearSpecs(this.config).map((l) => `${l.modulePath}.weight`));
    const out = new Map<string, HostTensor>();
    for (const [name, variable] of this.weights) {
      let data = (await variable.data()) as Float32Array;
      let shape = [...variable.shape];
      if (linears.has(name)) {
        data = transposeHost(data, shape[0], shape[1]);
        shape = [shape[1], shape[0]];
      } else {
        data = data.slice();
      }
      out.set(name, { dtype: 'F32', shape, data });
    }
    return out;
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    this.weights.clear();
    for (const t of this.bucketTables.values()) t.dispose();
    this.bucketTables.clear();
    for (const t of this.causalMasks.values()) t.dispose();
    this.causalMasks.clear();
  }

  // ------------------------------------------------------------------------------------------
  // Blocks

  private encoderBlock(layer: number, x: tf.Tensor2D, batch: number, bias: tf.Tensor4D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const p = `encoder.block.${layer}.`;
    const afterAttn = this.selfAttentionLayer('encoder', layer, x, batch, bias, hooks, seeds);
    return this.feedForwardLayer(`${p}layer.1`, afterAttn, hooks, seeds);
  }

  private decoderBlock(
    layer: number,
    x: tf.Tensor2D,
    batch: number,
    encoderHidden: tf.Tensor2D,
    selfBias: tf.Tensor4D,
    crossBias: tf.Tensor4D,
    hooks: ModelHooks,
    seeds: SeedSource,
  ): tf.Tensor2D {
    const c = this.config;
    const p = `decoder.block.${layer}.`;
    const afterSelf = this.selfAttentionLayer('decoder', layer, x, batch, selfBias, hooks, seeds);
    const normed = rmsNorm(afterSelf, this.variable(`${p}layer.1.layer_norm.weight`) as tf.Tensor1D, c.layerNormEpsilon);
    const cross = this.attention(`${p}layer.1.EncDecAttention`, normed, encoderHidden, batch, crossBias, hooks, seeds);
    const afterCross = tf.add(afterSelf, maybeDropout(cross, c.dropoutRate, seeds.next())) as tf.Tensor2D;
    return this.feedForwardLayer(`${p}layer.2`, afterCross, hooks, seeds);
  }

  /** T5LayerSelfAttention on rows [B·T, d]: x + dropout(SelfAttention(layer_norm(x))), the `attention` hook around the middle. */
  private selfAttentionLayer(stack: Stack, layer: number, x: tf.Tensor2D, batch: number, bias: tf.Tensor4D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const c = this.config;
    const p = `${stack}.block.${layer}.layer.0`;
    const normed = rmsNorm(x, this.variable(`${p}.layer_norm.weight`) as tf.Tensor1D, c.layerNormEpsilon);
    const site = { stack, layer, nHead: c.numHeads, hidden: c.dModel };
    const out = selfAttentionOnRows(hooks, site, normed, batch, (rows, extras) => this.attention(`${p}.SelfAttention`, rows, rows, batch, bias, hooks, seeds, extras), seeds);
    return tf.add(x, maybeDropout(out, c.dropoutRate, seeds.next())) as tf.Tensor2D;
  }

  /** T5LayerFF on rows: x + dropout(wo(dropout(act(wi·x))))), gated: act(wi_0·x) ⊙ wi_1·x. */
  private feedForwardLayer(p: string, x: tf.Tensor2D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const c = this.config;
    const normed = rmsNorm(x, this.variable(`${p}.layer_norm.weight`) as tf.Tensor1D, c.layerNormEpsilon);
    const m = `${p}.DenseReluDense`;
    let hidden: tf.Tensor2D;
    if (c.isGatedAct) {
      const gate = activation(this.linear(`${m}.wi_0`, normed, hooks, seeds), c.denseActivation);
      hidden = tf.mul(gate, this.linear(`${m}.wi_1`, normed, hooks, seeds)) as tf.Tensor2D;
    } else {
      hidden = activation(this.linear(`${m}.wi`, normed, hooks, seeds), c.denseActivation);
    }
    hidden = maybeDropout(hidden, c.dropoutRate, seeds.next());
    return tf.add(x, maybeDropout(this.linear(`${m}.wo`, hidden, hooks, seeds), c.dropoutRate, seeds.next())) as tf.Tensor2D;
  }

  private linear(modulePath: string, x: tf.Tensor2D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const site = this.siteByPath.get(modulePath);
    if (!site) throw new Error(`T5 has no linear "${modulePath}"`);
    const base = (input: tf.Tensor2D) => matMul2d(input, site.weight as tf.Tensor2D);
    return hooks.linear ? hooks.linear(site, x, base, seeds) : base(x);
  }

  /**
   * T5Attention on rows: queries from `x` [B·T, d], keys and values from `kv` [B·S, d] (x itself
   * for self-attention), scores q·kᵀ WITHOUT 1/√d_kv (T5 folds it into q's init), plus `bias`
   * [B|1, H|1, T|1, S] (position bias and masks). Prefix rows from `extras` join keys/values
   * first with zero bias.
   */
  private attention(
    p: string,
    x: tf.Tensor2D,
    kv: tf.Tensor2D,
    batch: number,
    bias: tf.Tensor4D,
    hooks: ModelHooks,
    seeds: SeedSource,
    extras?: AttentionExtras,
  ): tf.Tensor2D {
    const c = this.config;
    const seq = x.shape[0] / batch;
    const keys = kv.shape[0] / batch;
    const heads = c.numHeads;
    const q = this.linear(`${p}.q`, x, hooks, seeds);
    const k = this.linear(`${p}.k`, kv, hooks, seeds);
    const v = this.linear(`${p}.v`, kv, hooks, seeds);
    let fullBias = bias;
    let prefix: { prefixKeys?: tf.Tensor2D; prefixValues?: tf.Tensor2D } = {};
    const prefixHidden = extras?.prefixHidden;
    if (prefixHidden) {
      const rows = prefixHidden.shape[0];
      prefix = { prefixKeys: this.linear(`${p}.k`, prefixHidden, hooks, seeds), prefixValues: this.linear(`${p}.v`, prefixHidden, hooks, seeds) };
      fullBias = tf.concat([tf.zeros([bias.shape[0], heads, seq, rows]), tf.broadcastTo(bias, [bias.shape[0], heads, seq, keys])], 3);
    }
    const context = attentionOnRows(q, k, v, { batch, queries: seq, keys, heads, ...prefix }, {
      scale: 1,
      bias: fullBias,
      // Self-attention's bias holds the position bias, which trains under full fine-tuning;
      // cross-attention's is a padding mask only.
      biasNeedsGrad: p.endsWith('SelfAttention') && this.positionBiasTrains(),
      dropoutRate: c.dropoutRate,
      dropoutSeed: seeds.next(),
      observeProbabilities: extras?.observeProbabilities,
    });
    return this.linear(`${p}.o`, context, hooks, seeds);
  }

  // ------------------------------------------------------------------------------------------
  // Masks and position biases

  /** Whether either stack's relative-position table is being trained. */
  private positionBiasTrains(): boolean {
    return (['encoder', 'decoder'] as const).some((stack) => this.variable(`${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`).trainable);
  }

  /** The relative-position bias [1, H, q, k] of a stack, from its block-0 table (HF's compute_bias). */
  private positionBias(stack: Stack, queryLen: number, keyLen: number): tf.Tensor4D {
    const c = this.config;
    const key = `${stack}:${queryLen}:${keyLen}`;
    let buckets = this.bucketTables.get(key);
    if (!buckets) {
      const data = new Int32Array(queryLen * keyLen);
      for (let q = 0; q < queryLen; q++) {
        for (let k = 0; k < keyLen; k++) {
          data[q * keyLen + k] = t5RelativePositionBucket(k - q, stack === 'encoder', c.relativeAttentionNumBuckets, c.relativeAttentionMaxDistance);
        }
      }
      buckets = tf.keep(tf.tensor1d(data, 'int32'));
      this.bucketTables.set(key, buckets);
    }
    const table = this.variable(`${stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`);
    return tf.tidy(() =>
      tf.gather(table, buckets).reshape([queryLen, keyLen, c.numHeads]).transpose([2, 0, 1]).expandDims(0) as tf.Tensor4D,
    );
  }

  /** Additive key mask [B, 1, 1, S]: 0 for a real key, −1e9 for padding. */
  private keyBias(keyMask: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const [batch, keys] = keyMask.shape;
      return tf.mul(tf.sub(1, keyMask), MASKED).reshape([batch, 1, 1, keys]) as tf.Tensor4D;
    });
  }

  /** 1/0 lower-triangular mask [1, 1, T, T]. */
  private causalMask(seq: number): tf.Tensor4D {
    const key = `${seq}`;
    let mask = this.causalMasks.get(key);
    if (!mask) {
      const data = new Float32Array(seq * seq);
      for (let q = 0; q < seq; q++) data.fill(1, q * seq, q * seq + q + 1);
      mask = tf.keep(tf.tensor4d(data, [1, 1, seq, seq]));
      this.causalMasks.set(key, mask);
    }
    return mask;
  }
}
