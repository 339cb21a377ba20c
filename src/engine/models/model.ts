import type { tf } from '../tf';
import type { ForwardContext, LinearSite, ModelFamily, ModelHooks, ModelShape } from './hooks';

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
export class DropoutSeeds implements ForwardContext {
  private calls = 0;
  constructor(private readonly base: number | null) {}
  next(): number | null {
    return this.base === null ? null : this.base * 1000 + this.calls++;
  }
  nextDropoutSeed(): number | null {
    return this.next();
  }
}
