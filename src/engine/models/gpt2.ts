import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import type { HostTensor } from '../io/safetensors';
import { type Gpt2Config, gpt2ModelShape, gpt2WeightShapes } from './gpt2-config';

export { gpt2ModelShape } from './gpt2-config';
import { NO_HOOKS, type AttentionExtras, type LinearRole, type LinearShape, type LinearSite, type ModelHooks, type ModelShape } from './hooks';
import { checkWeight, DropoutSeeds, linearSitesOf, selfAttentionOnRows, sitesByLayer, ModelLoadError, type BackboneModel, type ForwardOptions } from './model';

export { ModelLoadError, type ForwardOptions } from './model';
import { activation, affine, layerNorm, maybeDropout, ownedVariable } from './layers';
import { attentionOnRows } from '../blocks/attention';
import { BlockCheckpointing, type SeedSource } from '../blocks/checkpoint';
import type { Rng } from '../data/rng';

/**
 * GPT-2 as Hugging Face's GPT2Model / GPT2LMHeadModel compute it, in float32: learned
 * positions, pre-LayerNorm blocks, Conv1D weights stored [in, out], causal self-attention with
 * padding masked out as keys, a final LayerNorm and the LM head tied to `wte`.
 * Read it top to bottom: `forward` → `block` → `attention` / `mlp`.
 */

export class Gpt2Model implements BackboneModel {
  readonly family = 'gpt2' as const;
  readonly shape: ModelShape;
  readonly checkpointing = new BlockCheckpointing();
  private readonly weights: Map<string, tf.Variable>;
  private readonly sites: LinearSite[][];
  /** 1/0 causal masks [1, 1, T, P+T] by shape: built once, not uploaded again every step. */
  private readonly causalMasks = new Map<string, tf.Tensor4D>();

  private constructor(readonly config: Gpt2Config, weights: Map<string, tf.Variable>) {
    this.weights = weights;
    this.shape = gpt2ModelShape(config);
    const sites = linearSitesOf(this.shape.linears, (name) => this.variable(name));
    this.sites = sitesByLayer(sites, config.nLayer);
  }

  /** Every name and shape checked on the host, before anything reaches the device; the expected shapes. */
  static checkWeights(config: Gpt2Config, host: Map<string, HostTensor>): Map<string, number[]> {
    const expected = gpt2WeightShapes(config);
    for (const name of host.keys()) {
      // A tied lm_head duplicates wte; a classifier `score` is the old task's head (ours is new).
      const ignorable = (name === 'lm_head.weight' && config.tieWordEmbeddings) || name === 'score.weight';
      if (!expected.has(name) && !ignorable) {
        throw new ModelLoadError(`model.safetensors: unexpected tensor "${name}" for a GPT-2 with n_layer=${config.nLayer} (does config.json match the weights?)`);
      }
    }
    for (const [name, shape] of expected) checkWeight(name, host.get(name), shape);
    return expected;
  }

  /**
   * Builds the model from host tensors (already name-normalised: `h.0.…`, `wte.weight`).
   * Validates every name and shape first, so a bad checkpoint leaves nothing on the GPU.
   */
  static fromWeights(config: Gpt2Config, host: Map<string, HostTensor>): Gpt2Model {
    const expected = Gpt2Model.checkWeights(config, host);
    const weights = new Map<string, tf.Variable>();
    try {
      for (const [name, shape] of expected) {
        const data = host.get(name)!.data as Float32Array;
        weights.set(name, ownedVariable(tf.tensor(data, shape, 'float32'), false, `gpt2/${name}`));
      }
    } catch (error) {
      for (const v of weights.values()) v.dispose();
      throw error;
    }
    return new Gpt2Model(config, weights);
  }

  /** HF's `_init_weights`: N(0, initializer_range), residual projections scaled by 1/√(2·n_layer). */
  static randomInit(config: Gpt2Config, rng: Rng): Gpt2Model {
    const host = new Map<string, HostTensor>();
    for (const [name, shape] of gpt2WeightShapes(config)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) data.fill(1);
      else if (name.endsWith('.weight')) {
        const std = name.endsWith('c_proj.weight') ? config.initializerRange / Math.sqrt(2 * config.nLayer) : config.initializerRange;
        for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
      }
      host.set(name, { dtype: 'F32', shape, data });
    }
    return Gpt2Model.fromWeights(config, host);
  }

  get initializerRange(): number {
    return this.config.initializerRange;
  }

  tokenEmbeddingTable(): tf.Variable {
    return this.variable('wte.weight');
  }

  variable(name: string): tf.Variable {
    const v = this.weights.get(name);
    if (!v) throw new Error(`GPT-2 has no weight "${name}"`);
    return v;
  }

  /** Every base weight by HF name (the tied LM head is `wte.weight`). */
  namedVariables(): Array<[string, tf.Variable]> {
    return [...this.weights.entries()];
  }

  linearSites(): LinearSite[] {
    return this.sites.flat();
  }

  /** The LM head matrix [vocab, d]. */
  lmHeadWeight(): tf.Variable {
    return this.weights.get('lm_head.weight') ?? this.variable('wte.weight');
  }

  /**
   * Hidden states after the final LayerNorm, [B, prefix + T, d], for token ids [B, T] and a
   * 1/0 attention mask [B, T] (right padding).
   */
  forward(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    const hooks = options.hooks ?? NO_HOOKS;
    const prefix = hooks.prefixLength ?? 0;
    const [batch, seq] = inputIds.shape;
    const total = prefix + seq;
    if (total > this.config.nPositions) {
      throw new Error(`sequence of ${total} tokens (${prefix} prompt + ${seq} input) exceeds n_positions=${this.config.nPositions}`);
    }
    const seeds = new DropoutSeeds(options.dropoutSeed ?? null);
    return tf.tidy(() => {
      let tokenEmbeds = tf.gather(this.variable('wte.weight'), inputIds) as tf.Tensor3D;
      if (hooks.inputEmbeddings) tokenEmbeds = hooks.inputEmbeddings(tokenEmbeds);
      if (tokenEmbeds.shape[1] !== total) {
        throw new Error(`inputEmbeddings hook returned ${tokenEmbeds.shape[1]} positions, declared prefixLength ${prefix} + ${seq}`);
      }
      const positions = tf.slice(this.variable('wpe.weight'), [0, 0], [total, this.config.nEmbd]);
      const embedded = maybeDropout(tf.add(tokenEmbeds, positions) as tf.Tensor3D, this.config.embdPdrop, seeds.next());
      const keyMask = prefix > 0 ? tf.concat([tf.ones([batch, prefix], 'int32'), attentionMask], 1) : attentionMask;
      const bias = this.attentionBias(keyMask as tf.Tensor2D, 0);
      // The residual stream runs as rows [B·T, d]: the linears and norms take it as it is, so no
      // reshape is recorded (and replayed backwards) around each of them.
      let x = embedded.reshape([batch * total, this.config.nEmbd]) as tf.Tensor2D;
      for (let layer = 0; layer < this.config.nLayer; layer++) {
        x = this.checkpointing.run(hooks, `h.${layer}`, [x, keyMask, bias], seeds, ([xi, mask, b], s) =>
          this.block(layer, xi as tf.Tensor2D, batch, mask as tf.Tensor2D, b as tf.Tensor4D, hooks, s),
        ) as tf.Tensor2D;
      }
      const normed = layerNorm(x, this.variable('ln_f.weight') as tf.Tensor1D, this.variable('ln_f.bias') as tf.Tensor1D, this.config.layerNormEpsilon);
      return normed.reshape([batch, total, this.config.nEmbd]) as tf.Tensor3D;
    });
  }

  /** Next-token logits [B, T, vocab] from hidden states. */
  lmLogits(hidden: tf.Tensor3D, head: tf.Tensor2D = this.lmHeadWeight() as tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t, d] = hidden.shape;
      return matMul2d(hidden.reshape([b * t, d]) as tf.Tensor2D, head, false, true).reshape([b, t, head.shape[0]]) as tf.Tensor3D;
    });
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    this.weights.clear();
    for (const mask of this.causalMasks.values()) mask.dispose();
    this.causalMasks.clear();
  }

  private causalMask(seq: number, prefixKeys: number): tf.Tensor4D {
    const key = `${seq}:${prefixKeys}`;
    let mask = this.causalMasks.get(key);
    if (!mask) {
      const keys = prefixKeys + seq;
      const data = new Float32Array(seq * keys);
      for (let q = 0; q < seq; q++) data.fill(1, q * keys, q * keys + prefixKeys + q + 1);
      mask = tf.keep(tf.tensor4d(data, [1, 1, seq, keys]));
      this.causalMasks.set(key, mask);
    }
    return mask;
  }

  /** Additive attention mask [B, 1, T, P+T]: 0 where a query may look, −1e9 where not. */
  private attentionBias(keyMask: tf.Tensor2D, prefixKeys: number): tf.Tensor4D {
    return tf.tidy(() => {
      const [batch, seq] = keyMask.shape;
      let keys = tf.cast(keyMask, 'float32').reshape([batch, 1, 1, seq]) as tf.Tensor4D;
      if (prefixKeys > 0) keys = tf.concat([tf.ones([batch, 1, 1, prefixKeys]), keys], 3);
      const allowed = tf.mul(this.causalMask(seq, prefixKeys), keys);
      return tf.mul(tf.sub(1, allowed), -1e9) as tf.Tensor4D;
    });
  }

  /** One block on rows x [B·T, d]; the `attention` hook sees (and returns) [B, T, d]. */
  private block(layer: number, x: tf.Tensor2D, batch: number, keyMask: tf.Tensor2D, bias: tf.Tensor4D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const c = this.config;
    const p = `h.${layer}.`;
    const ln1 = layerNorm(x, this.variable(`${p}ln_1.weight`) as tf.Tensor1D, this.variable(`${p}ln_1.bias`) as tf.Tensor1D, c.layerNormEpsilon);
    const site = { stack: 'decoder' as const, layer, nHead: c.nHead, hidden: c.nEmbd };
    const attnOut = selfAttentionOnRows(hooks, site, ln1, batch, (rows, extras) => this.attention(layer, rows, batch, keyMask, bias, hooks, seeds, extras), seeds);
    const afterAttn = tf.add(x, attnOut) as tf.Tensor2D;
    const ln2 = layerNorm(afterAttn, this.variable(`${p}ln_2.weight`) as tf.Tensor1D, this.variable(`${p}ln_2.bias`) as tf.Tensor1D, c.layerNormEpsilon);
    return tf.add(afterAttn, this.mlp(layer, ln2, hooks, seeds)) as tf.Tensor2D;
  }

  private linear(site: LinearSite, x: tf.Tensor2D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const base = (input: tf.Tensor2D) => affine(input, site.weight as tf.Tensor2D, site.bias as tf.Tensor1D | null);
    return hooks.linear ? hooks.linear(site, x, base, seeds) : base(x);
  }

  private attention(
    layer: number,
    x: tf.Tensor2D,
    batch: number,
    keyMask: tf.Tensor2D,
    causalBias: tf.Tensor4D,
    hooks: ModelHooks,
    seeds: SeedSource,
    extras?: AttentionExtras,
  ): tf.Tensor2D {
    const c = this.config;
    const [rows, d] = x.shape;
    const seq = rows / batch;
    const heads = c.nHead;
    const [qkvSite, projSite] = this.sites[layer];
    const qkv = this.linear(qkvSite, x, hooks, seeds);
    const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    let bias = causalBias;
    let prefixKeys: tf.Tensor2D | undefined;
    let prefixValues: tf.Tensor2D | undefined;
    const prefixHidden = extras?.prefixHidden;
    if (prefixHidden) {
      [, prefixKeys, prefixValues] = tf.split(this.linear(qkvSite, prefixHidden, hooks, seeds), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      bias = this.attentionBias(keyMask, prefixHidden.shape[0]);
    }
    let scale = c.scaleAttnWeights ? 1 / Math.sqrt(d / heads) : 1;
    if (c.scaleAttnByInverseLayerIdx) scale /= layer + 1;
    const context = attentionOnRows(q, k, v, { batch, queries: seq, keys: seq, heads, prefixKeys, prefixValues }, {
      scale,
      bias,
      biasNeedsGrad: false,
      dropoutRate: c.attnPdrop,
      dropoutSeed: seeds.next(),
      observeProbabilities: extras?.observeProbabilities,
    });
    return maybeDropout(this.linear(projSite, context, hooks, seeds), c.residPdrop, seeds.next());
  }

  private mlp(layer: number, x: tf.Tensor2D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const [, , fcSite, projSite] = this.sites[layer];
    const hidden = activation(this.linear(fcSite, x, hooks, seeds), this.config.activation);
    return maybeDropout(this.linear(projSite, hidden, hooks, seeds), this.config.residPdrop, seeds.next());
  }

}
