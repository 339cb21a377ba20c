import type { tf } from '../tf';

/**
 * Hook points where a method plugs into a model, shared by every model so that a method is
 * written once. Each hook wraps the model's own computation (`base`) and may change its
 * input, its output, or both.
 */

/** Which stack of blocks a layer belongs to: GPT-2 is decoder-only, ViT encoder-only, T5 both. */
export type Stack = 'encoder' | 'decoder';

/** One linear layer of a loaded model: its shape, and the weights the `linear` hook wraps. */
export interface LinearSite extends LinearShape {
  /**
   * For fused projections (GPT-2's c_attn = [q | k | v]): which column ranges of the output
   * belong to which role. Absent for an unfused linear.
   */
  fusedParts?: Array<{ role: LinearRole; offset: number; size: number }>;
  /**
   * Weight in [in, out] layout (y = x·W + b), frozen unless full fine-tuning. (GPT-2's Conv1D
   * stores this layout; nn.Linear weights of ViT/T5, stored [out, in], are transposed on load.)
   */
  weight: tf.Variable;
  bias: tf.Variable | null;
}

export type LinearRole = 'qkv' | 'q' | 'k' | 'v' | 'attn_out' | 'mlp_in' | 'mlp_out';

/** A self-attention block (cross-attention is not hooked). */
export interface AttentionSite {
  stack: Stack;
  /** Block index within its stack. */
  layer: number;
  nHead: number;
  hidden: number;
}

export interface AttentionExtras {
  /**
   * Extra tokens (already layer-normed hidden states, [p, d]) that join this attention's keys and
   * values only: every query may attend to them, they produce no output rows. Deep prompts.
   */
  prefixHidden?: tf.Tensor2D;
  /**
   * Called with this attention's softmax probabilities [B, heads, T, p + T] (before dropout;
   * the p prefix keys first): for views such as how much each token draws from the prompts.
   */
  observeProbabilities?: (probs: tf.Tensor4D) => void;
}

/** Per-forward facts a hook may need. */
export interface ForwardContext {
  /** A fresh dropout seed while training; null in evaluation (no dropout). */
  nextDropoutSeed(): number | null;
}

export interface ModelHooks {
  /**
   * Input embeddings [B, T, d] → the sequence the model runs on; a prompt method prepends
   * `prefixLength` rows. GPT-2: token embeddings before positions, which are then added to the
   * whole sequence (as PEFT's prompt tuning on GPT-2). T5: token embeddings (positions are
   * relative, over the whole sequence). ViT: the patch embeddings with their positions already
   * added; CLS is put in front afterwards, so prompts get no positions (VPT).
   */
  inputEmbeddings?: (tokenEmbeds: tf.Tensor3D) => tf.Tensor3D;
  /** Rows `inputEmbeddings` prepends; must be known up front to size masks and positions. */
  prefixLength?: number;
  /** Wraps every linear layer; `x` is [N, in]. */
  linear?: (site: LinearSite, x: tf.Tensor2D, base: (x: tf.Tensor2D) => tf.Tensor2D, ctx: ForwardContext) => tf.Tensor2D;
  /** Wraps each self-attention block (after its input LayerNorm); `x` is [B, T, d]. */
  attention?: (
    site: AttentionSite,
    x: tf.Tensor3D,
    base: (x: tf.Tensor3D, extras?: AttentionExtras) => tf.Tensor3D,
    ctx: ForwardContext,
  ) => tf.Tensor3D;
}

/** The hooks of a forward without a method: one shared object (per-hooks caches key on it). */
export const NO_HOOKS: ModelHooks = Object.freeze({});

export type ModelFamily = 'gpt2' | 'vit' | 't5';

/** A linear layer as config.json implies it (no weights): what parameter formulas sum over. */
export interface LinearShape {
  /** Unique name within the model, e.g. "h.3.attn.c_attn" (its weight is `${name}.weight`). */
  name: string;
  /**
   * The module's path in Hugging Face's task model class, as PEFT names adapter tensors after
   * it: "transformer.h.3.attn.c_attn" (GPT2LMHeadModel),
   * "vit.encoder.layer.3.attention.attention.query" (ViTForImageClassification),
   * "encoder.block.3.layer.0.SelfAttention.q" (T5ForConditionalGeneration).
   */
  modulePath: string;
  stack: Stack;
  /** Block index within its stack. */
  layer: number;
  role: LinearRole;
  inFeatures: number;
  outFeatures: number;
  /** For fused projections: the roles of its equal output parts, in order (GPT-2's q, k, v). */
  fusedRoles?: LinearRole[];
  hasBias: boolean;
}

/** What a method needs to know of any model to size itself, known from config alone. */
export interface ModelShape {
  family: ModelFamily;
  hidden: number;
  heads: number;
  mlpHidden: number;
  /** Blocks per stack: GPT-2 {encoder 0, decoder L}, ViT {encoder L, decoder 0}, T5 both. */
  stacks: Record<Stack, number>;
  /** All blocks, every stack (encoder first): the rows of the parameter-placement diagram. */
  layers: number;
  /**
   * The stack whose input a prompt joins and whose self-attention deep prompts hook by default
   * (T5: the encoder; the decoder is optional).
   */
  promptStack: Stack;
  /** Token vocabulary (0 for ViT: its inputs are image patches). */
  vocabSize: number;
  /**
   * Longest input sequence, prompts included, the model can position (GPT-2 n_positions);
   * null where prompts need no positions (ViT prompts, T5's relative positions).
   */
  maxPositions: number | null;
  /** Parameters of the input embeddings (tokens, positions, patches, CLS): for placement views. */
  embeddingParams: number;
  totalParams: number;
  /** Every linear layer of the model, in forward order. */
  linears: LinearShape[];
}
