import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import type { HostTensor } from '../io/safetensors';
import type { Rng } from '../data/rng';
import { type VitConfig, vitModelShape, vitPatchGrid, vitWeightShapes } from './vit-config';
import { NO_HOOKS, type AttentionExtras, type AttentionSite, type LinearSite, type ModelHooks, type ModelShape } from './hooks';
import { activation, affine, layerNorm, maybeDropout, ownedVariable } from './layers';
import { attentionOnRows } from '../blocks/attention';
import { BlockCheckpointing, type SeedSource } from '../blocks/checkpoint';
import { type BackboneModel, checkWeight, DropoutSeeds, linearSitesOf, selfAttentionOnRows, sitesByLayer, type ForwardOptions, ModelLoadError } from './model';

/**
 * ViT as Hugging Face's ViTModel / ViTForImageClassification compute it, in float32:
 * non-overlapping P×P patches projected to d (a Conv2d with stride P, done here as reshape +
 * matMul), a CLS token, learned positions, pre-LayerNorm encoder blocks with unmasked
 * self-attention, a final LayerNorm, and a linear classifier on the CLS row.
 * Read it top to bottom: `forward` → `embed` → `block` → `attention` / `mlp`.
 *
 * Weights live in the engine's layout: linears [in, out] (nn.Linear's [out, in] transposed on
 * load, as LinearSite wants), the patch projection [C·P·P, d]. `namedVariables()` names them
 * as ViTModel does (`encoder.layer.0.…`, no `vit.` prefix, like GPT-2's unprefixed names);
 * `toHostWeights()` gives ViTForImageClassification's names and layout for writing checkpoints.
 */

const PATCH_WEIGHT = 'embeddings.patch_embeddings.projection.weight';
const PATCH_BIAS = 'embeddings.patch_embeddings.projection.bias';
const CLASSIFIER = ['classifier.weight', 'classifier.bias'];

/** `vit.x` → `x`; the classifier keeps its name. */
const backboneName = (hfName: string) => (hfName.startsWith('vit.') ? hfName.slice(4) : hfName);

/** HF's _init_weights uses torch's trunc_normal_ with its default bounds a=-2, b=2 (absolute, not in stds). */
function truncatedNormal(rng: Rng, std: number): number {
  for (;;) {
    const v = rng.normal() * std;
    if (v >= -2 && v <= 2) return v;
  }
}

export class VitModel implements BackboneModel {
  readonly family = 'vit' as const;
  /** Backbone weights by ViTModel name, engine layout. */
  private readonly weights: Map<string, tf.Variable>;
  /** classifier.weight [d, labels] and classifier.bias, or null for a ViTModel checkpoint. */
  private readonly classifier: { weight: tf.Variable; bias: tf.Variable } | null;
  private readonly sites: LinearSite[][];
  readonly shape: ModelShape;
  readonly checkpointing = new BlockCheckpointing();

  private constructor(
    readonly config: VitConfig,
    weights: Map<string, tf.Variable>,
    classifier: { weight: tf.Variable; bias: tf.Variable } | null,
  ) {
    this.weights = weights;
    this.classifier = classifier;
    this.shape = vitModelShape(config);
    const sites = linearSitesOf(this.shape.linears, (name) => this.variable(name));
    this.sites = sitesByLayer(sites, config.layers);
  }

  /**
   * Builds the model from host tensors named as ViTForImageClassification (`vit.…`,
   * `classifier.…`) or ViTModel (no prefix, no classifier) stores them; a pooler is ignored.
   * Validates every name, shape, dtype and value first, so a bad checkpoint leaves nothing on
   * the GPU.
   */
  /**
   * Every name and shape checked on the host, before anything reaches the device: the expected
   * shapes and each tensor under its `vit.`-prefixed name.
   */
  static checkWeights(config: VitConfig, host: Map<string, HostTensor>): { expected: Map<string, number[]>; byName: Map<string, { original: string; tensor: HostTensor }> } {
    const expected = vitWeightShapes(config);
    // One spelling for both checkpoint kinds: the `vit.`-prefixed one.
    const byName = new Map<string, { original: string; tensor: HostTensor }>();
    for (const [original, tensor] of host) {
      const name = original.startsWith('vit.') || original.startsWith('classifier.') ? original : `vit.${original}`;
      if (/^vit\.pooler\./.test(name)) continue; // ViTModel's pooler: ViTForImageClassification has none
      if (!expected.has(name)) {
        throw new ModelLoadError(
          `model.safetensors: unexpected tensor "${original}" for a ViT with num_hidden_layers=${config.layers}, qkv_bias=${config.qkvBias} (does config.json match the weights?)`,
        );
      }
      if (byName.has(name)) {
        throw new ModelLoadError(`model.safetensors: tensor "${original}" appears both with and without the "vit." prefix`);
      }
      byName.set(name, { original, tensor });
    }
    const hasClassifier = CLASSIFIER.some((n) => byName.has(n));
    for (const [name, shape] of expected) {
      const entry = byName.get(name);
      if (!entry) {
        if (CLASSIFIER.includes(name) && !hasClassifier) continue; // a ViTModel checkpoint
        throw new ModelLoadError(`model.safetensors: missing tensor "${name}" (expected shape [${shape}])`);
      }
      checkWeight(name, entry.tensor, shape, entry.original);
    }
    return { expected, byName };
  }

  static fromWeights(config: VitConfig, host: Map<string, HostTensor>): VitModel {
    const { expected, byName } = VitModel.checkWeights(config, host);
    const weights = new Map<string, tf.Variable>();
    let classifier: { weight: tf.Variable; bias: tf.Variable } | null = null;
    try {
      for (const [name, shape] of expected) {
        const entry = byName.get(name);
        if (!entry) continue;
        const value = tf.tidy(() => VitModel.toEngineLayout(name, tf.tensor(entry.tensor.data as Float32Array, shape, 'float32')));
        weights.set(backboneName(name), ownedVariable(value, false, `vit/${backboneName(name)}`));
      }
      if (CLASSIFIER.some((n) => byName.has(n))) {
        classifier = { weight: weights.get('classifier.weight')!, bias: weights.get('classifier.bias')! };
        for (const n of CLASSIFIER) weights.delete(n);
      }
    } catch (error) {
      for (const v of weights.values()) v.dispose();
      throw error;
    }
    return new VitModel(config, weights, classifier);
  }

  /** HF ViT's `_init_weights`: truncated N(0, initializer_range) for weights, CLS and positions; zero biases; LayerNorm 1/0. */
  static randomInit(config: VitConfig, rng: Rng): VitModel {
    const host = new Map<string, HostTensor>();
    for (const [name, shape] of vitWeightShapes(config)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      if (/layernorm(_before|_after)?\.weight$/.test(name)) data.fill(1);
      else if (!name.endsWith('.bias')) {
        // A stream per tensor: the values of one tensor do not depend on which others exist.
        const stream = rng.fork(name);
        for (let i = 0; i < size; i++) data[i] = truncatedNormal(stream, config.initializerRange);
      }
      host.set(name, { dtype: 'F32', shape, data });
    }
    return VitModel.fromWeights(config, host);
  }

  /** nn.Linear [out, in] → [in, out]; Conv2d [d, C, P, P] → [C·P·P, d]; the rest as stored. */
  private static toEngineLayout(name: string, t: tf.Tensor): tf.Tensor {
    if (name.endsWith(PATCH_WEIGHT)) return tf.transpose(t.reshape([t.shape[0], -1]));
    if (name.endsWith('.weight') && t.rank === 2) return tf.transpose(t);
    return t;
  }


  get initializerRange(): number {
    return this.config.initializerRange;
  }

  /** Labels of the checkpoint's classifier (0 when it has none). */
  get numLabels(): number {
    return this.classifier ? this.classifier.bias.shape[0] : 0;
  }

  variable(name: string): tf.Variable {
    const v = this.weights.get(name);
    if (!v) throw new Error(`ViT has no weight "${name}"`);
    return v;
  }

  /** Every backbone weight by ViTModel name (engine layout); the classifier is separate. */
  namedVariables(): Array<[string, tf.Variable]> {
    return [...this.weights.entries()];
  }

  /** The checkpoint's classifier (`classifier.weight` [d, labels], `classifier.bias`); empty for a ViTModel. */
  classifierVariables(): Array<[string, tf.Variable]> {
    return this.classifier ? [['classifier.weight', this.classifier.weight], ['classifier.bias', this.classifier.bias]] : [];
  }

  linearSites(layer?: number): LinearSite[] {
    return layer === undefined ? this.sites.flat() : this.sites[layer];
  }

  tokenEmbeddingTable(): null {
    return null;
  }

  /**
   * Hidden states after the final LayerNorm, [B, 1 + prefix + N, d] as [CLS; prompts; patches],
   * for preprocessed pixels [B, C, H, W] (HF's pixel_values).
   */
  forward(pixels: tf.Tensor4D, options: ForwardOptions = {}): tf.Tensor3D {
    const c = this.config;
    const [, channels, height, width] = pixels.shape;
    if (channels !== c.channels) {
      throw new Error(`pixel values have ${channels} channels, config.json has num_channels=${c.channels}`);
    }
    if (height !== c.imageSize || width !== c.imageSize) {
      throw new Error(`image is ${height}×${width}, the model expects ${c.imageSize}×${c.imageSize} (config.json image_size)`);
    }
    const hooks = options.hooks ?? NO_HOOKS;
    const seeds = new DropoutSeeds(options.dropoutSeed ?? null);
    return tf.tidy(() => {
      const embedded = this.embed(pixels, hooks, seeds);
      const [batch, seq, d] = embedded.shape;
      // The residual stream runs as rows [B·T, d] (see Gpt2Model.forward).
      let x = embedded.reshape([batch * seq, d]) as tf.Tensor2D;
      for (let layer = 0; layer < c.layers; layer++) {
        x = this.checkpointing.run(hooks, `layer.${layer}`, [x], seeds, ([xi], s) => this.block(layer, xi as tf.Tensor2D, batch, hooks, s)) as tf.Tensor2D;
      }
      const normed = layerNorm(x, this.variable('layernorm.weight') as tf.Tensor1D, this.variable('layernorm.bias') as tf.Tensor1D, c.layerNormEps);
      return normed.reshape([batch, seq, d]) as tf.Tensor3D;
    });
  }

  /** The checkpoint classifier's logits [B, labels] from the CLS row of `hidden`. */
  classifierLogits(hidden: tf.Tensor3D): tf.Tensor2D {
    const head = this.classifier;
    if (!head) {
      throw new Error('this ViT checkpoint has no classifier (a ViTModel, not ViTForImageClassification): attach a new task head instead');
    }
    return tf.tidy(() => {
      const [batch, , d] = hidden.shape;
      const cls = tf.slice(hidden, [0, 0, 0], [batch, 1, d]).reshape([batch, d]) as tf.Tensor2D;
      return affine(cls, head.weight as tf.Tensor2D, head.bias as tf.Tensor1D);
    });
  }

  /** Every weight in ViTForImageClassification's names and HF layout (nn.Linear [out, in], Conv2d [d, C, P, P]). */
  async toHostWeights(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    const all = [...this.weights.entries(), ...this.classifierVariables()];
    const hfShapes = vitWeightShapes(this.config);
    for (const [name, variable] of all) {
      const hfName = CLASSIFIER.includes(name) ? name : `vit.${name}`;
      const shape = hfShapes.get(hfName)!;
      const transposed = variable.rank === 2 ? tf.transpose(variable) : null;
      const data = (await (transposed ?? variable).data()) as Float32Array;
      transposed?.dispose();
      out.set(hfName, { dtype: 'F32', shape, data: Float32Array.from(data) });
    }
    return out;
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    this.weights.clear();
    this.classifier?.weight.dispose();
    this.classifier?.bias.dispose();
  }

  /**
   * Patches in HF's order (row-major over the grid, each flattened as [C, P, P]) → projection
   * + positions → `inputEmbeddings` hook → CLS (+ its position) in front. Prompts a hook adds
   * get no positions (VPT-shallow).
   */
  private embed(pixels: tf.Tensor4D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor3D {
    const c = this.config;
    const d = c.hidden;
    const P = c.patchSize;
    const batch = pixels.shape[0];
    const { side, patches } = vitPatchGrid(c);
    // [B, C, H, W] → [B·C·side, P, side, P] → [B·C·side, side, P, P] = [B, C, N, P·P] → [B, N, C, P·P].
    // Two 4-D transposes: every backend has them and their gradients (wasm lacks conv2d's).
    const rows = tf.transpose(pixels.reshape([batch * c.channels * side, P, side, P]), [0, 2, 1, 3]);
    const flat = tf.transpose(rows.reshape([batch, c.channels, patches, P * P]), [0, 2, 1, 3]).reshape([batch * patches, c.channels * P * P]) as tf.Tensor2D;
    const projected = affine(flat, this.variable(PATCH_WEIGHT) as tf.Tensor2D, this.variable(PATCH_BIAS) as tf.Tensor1D).reshape([batch, patches, d]);
    const positions = this.variable('embeddings.position_embeddings');
    const patchPositions = tf.slice(positions, [0, 1, 0], [1, patches, d]);
    let x = tf.add(projected, patchPositions) as tf.Tensor3D;

    const prefix = hooks.prefixLength ?? 0;
    if (hooks.inputEmbeddings) x = hooks.inputEmbeddings(x);
    if (x.shape[0] !== batch || x.shape[1] !== prefix + patches || x.shape[2] !== d) {
      throw new Error(`inputEmbeddings hook returned [${x.shape}], declared prefixLength ${prefix} implies [${batch}, ${prefix + patches}, ${d}]`);
    }
    const cls = tf.add(this.variable('embeddings.cls_token'), tf.slice(positions, [0, 0, 0], [1, 1, d]));
    x = tf.concat([tf.tile(cls, [batch, 1, 1]), x], 1) as tf.Tensor3D;
    return maybeDropout(x, c.hiddenDropout, seeds.next());
  }

  /** One block on rows x [B·T, d]; the `attention` hook sees (and returns) [B, T, d]. */
  private block(layer: number, x: tf.Tensor2D, batch: number, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const c = this.config;
    const p = `encoder.layer.${layer}.`;
    const ln1 = layerNorm(x, this.variable(`${p}layernorm_before.weight`) as tf.Tensor1D, this.variable(`${p}layernorm_before.bias`) as tf.Tensor1D, c.layerNormEps);
    const site: AttentionSite = { stack: 'encoder', layer, nHead: c.heads, hidden: c.hidden };
    const attnOut = selfAttentionOnRows(hooks, site, ln1, batch, (rows, extras) => this.attention(layer, rows, batch, hooks, seeds, extras), seeds);
    const afterAttn = tf.add(x, attnOut) as tf.Tensor2D;
    const ln2 = layerNorm(afterAttn, this.variable(`${p}layernorm_after.weight`) as tf.Tensor1D, this.variable(`${p}layernorm_after.bias`) as tf.Tensor1D, c.layerNormEps);
    return tf.add(afterAttn, this.mlp(layer, ln2, hooks, seeds)) as tf.Tensor2D;
  }

  private linear(site: LinearSite, x: tf.Tensor2D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const base = (input: tf.Tensor2D) => affine(input, site.weight as tf.Tensor2D, site.bias as tf.Tensor1D | null);
    return hooks.linear ? hooks.linear(site, x, base, seeds) : base(x);
  }

  /** ViTSelfAttention + ViTSelfOutput on rows [B·T, d]: every token sees every token (no mask). */
  private attention(layer: number, x: tf.Tensor2D, batch: number, hooks: ModelHooks, seeds: SeedSource, extras?: AttentionExtras): tf.Tensor2D {
    const c = this.config;
    const [rows, d] = x.shape;
    const seq = rows / batch;
    const [qSite, kSite, vSite, outSite] = this.sites[layer];
    const q = this.linear(qSite, x, hooks, seeds);
    const k = this.linear(kSite, x, hooks, seeds);
    const v = this.linear(vSite, x, hooks, seeds);
    const prefixHidden = extras?.prefixHidden;
    const prefix = prefixHidden ? { prefixKeys: this.linear(kSite, prefixHidden, hooks, seeds), prefixValues: this.linear(vSite, prefixHidden, hooks, seeds) } : {};
    const context = attentionOnRows(q, k, v, { batch, queries: seq, keys: seq, heads: c.heads, ...prefix }, {
      scale: 1 / Math.sqrt(d / c.heads),
      bias: null,
      biasNeedsGrad: false,
      dropoutRate: c.attentionDropout,
      dropoutSeed: seeds.next(),
      observeProbabilities: extras?.observeProbabilities,
    });
    return maybeDropout(this.linear(outSite, context, hooks, seeds), c.hiddenDropout, seeds.next());
  }

  /** ViTIntermediate + ViTOutput on rows (the residual is added by `block`). */
  private mlp(layer: number, x: tf.Tensor2D, hooks: ModelHooks, seeds: SeedSource): tf.Tensor2D {
    const [, , , , inSite, outSite] = this.sites[layer];
    const hidden = activation(this.linear(inSite, x, hooks, seeds), this.config.activation);
    return maybeDropout(this.linear(outSite, hidden, hooks, seeds), this.config.hiddenDropout, seeds.next());
  }
}
