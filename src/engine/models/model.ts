import type { tf } from '../tf';
import type { HostTensor } from '../io/safetensors';
import { firstNonFinite } from '../io/finite';
import type { AttentionExtras, AttentionSite, ForwardContext, LinearShape, LinearSite, ModelFamily, ModelHooks, ModelShape } from './hooks';
import type { BlockCheckpointing, SeedSource } from '../blocks/checkpoint';

/**
 * What every model (GPT-2, ViT, T5) offers the methods, whatever its forward pass looks like.
 * A method only sees this interface and the hooks, so it is written once for all models; each
 * model's own forward (token ids, pixels, encoder–decoder) is called by its task heads.
 */
export interface BackboneModel {
  readonly family: ModelFamily;
  readonly shape: ModelShape;
  /** The config's initializer_range: std of new prompts and task heads (HF's _init_weights). */
  readonly initializerRange: number;
  /** Every base weight by its checkpoint name (full fine-tuning trains them all). */
  namedVariables(): Array<[string, tf.Variable]>;
  /** Every linear layer, in forward order (the `linear` hook's sites). */
  linearSites(): LinearSite[];
  /** The token embedding table [vocab, d] prompts may be initialised from; null for ViT. */
  tokenEmbeddingTable(): tf.Variable | null;
  /** Activation checkpointing per block (off by default); the runner sets its policy. */
  readonly checkpointing: BlockCheckpointing;
  dispose(): void;
}

export interface ForwardOptions {
  hooks?: ModelHooks;
  /** Seed for this forward's dropout masks; null (default) = evaluation, no dropout. */
  dropoutSeed?: number | null;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** Counter for distinct dropout seeds within one forward pass. */
export class DropoutSeeds implements ForwardContext, SeedSource {
  private calls = 0;
  constructor(private readonly base: number | null) {}
  next(): number | null {
    return this.base === null ? null : this.base * 1000 + this.calls++;
  }
  nextDropoutSeed(): number | null {
    return this.next();
  }
}

/**
 * One checkpoint tensor against the shape config.json implies: present, that shape, a float
 * dtype, finite values. `shownName` is how the file spells it, for the message.
 */
export function checkWeight(name: string, tensor: HostTensor | undefined, shape: readonly number[], shownName = name): Float32Array {
  if (!tensor) throw new ModelLoadError(`model.safetensors: missing tensor "${shownName}" (expected shape [${shape}])`);
  if (tensor.shape.length !== shape.length || tensor.shape.some((s, i) => s !== shape[i])) {
    throw new ModelLoadError(`model.safetensors: tensor "${shownName}" has shape [${tensor.shape}], config.json implies [${shape}]`);
  }
  if (!(tensor.data instanceof Float32Array)) {
    throw new ModelLoadError(`model.safetensors: tensor "${shownName}" has integer dtype ${tensor.dtype}, expected a float dtype`);
  }
  const bad = firstNonFinite(tensor.data);
  if (bad >= 0) throw new ModelLoadError(`model.safetensors: tensor "${shownName}" element ${bad} is ${tensor.data[bad]}`);
  return tensor.data;
}

/**
 * A model's linear sites from its shape: each linear's weight (and bias) variable by the
 * linear's name, and the column ranges of a fused projection's parts.
 */
export function linearSitesOf(linears: readonly LinearShape[], variable: (name: string) => tf.Variable): LinearSite[] {
  return linears.map((linear) => ({
    ...linear,
    ...(linear.fusedRoles ? { fusedParts: fusedParts(linear) } : {}),
    weight: variable(`${linear.name}.weight`),
    bias: linear.hasBias ? variable(`${linear.name}.bias`) : null,
  }));
}

/** A fused projection's equal output parts (GPT-2's q/k/v thirds of c_attn) as column ranges. */
function fusedParts(linear: LinearShape): NonNullable<LinearSite['fusedParts']> {
  const roles = linear.fusedRoles ?? [];
  const size = linear.outFeatures / roles.length;
  return roles.map((role, i) => ({ role, offset: i * size, size }));
}

/** Sites grouped by block (single-stack models): index i holds block i's linears, in order. */
export function sitesByLayer(sites: readonly LinearSite[], layers: number): LinearSite[][] {
  return Array.from({ length: layers }, (_, layer) => sites.filter((site) => site.layer === layer));
}

/**
 * A block's self-attention on the residual rows x [B·T, d], through the `attention` hook when a
 * method set one (the hook sees and returns [B, T, d], as its contract says); `run` is the
 * model's own attention on rows. Without a hook no reshape is made.
 */
export function selfAttentionOnRows(
  hooks: ModelHooks,
  site: AttentionSite,
  x: tf.Tensor2D,
  batch: number,
  run: (rows: tf.Tensor2D, extras?: AttentionExtras) => tf.Tensor2D,
  ctx: ForwardContext,
): tf.Tensor2D {
  if (!hooks.attention) return run(x);
  const [rows, d] = x.shape;
  const seq = rows / batch;
  const base = (input: tf.Tensor3D, extras?: AttentionExtras) => run(input.reshape([rows, d]) as tf.Tensor2D, extras).reshape([batch, seq, d]) as tf.Tensor3D;
  return hooks.attention(site, x.reshape([batch, seq, d]) as tf.Tensor3D, base, ctx).reshape([rows, d]) as tf.Tensor2D;
}
