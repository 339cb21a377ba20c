import type { tf } from '../tf';

/**
 * Hook points where a method plugs into a model, shared by every model so that a method is
 * written once. Each hook wraps the model's own computation (`base`) and may change its
 * input, its output, or both.
 */

/** One linear layer of the model, e.g. GPT-2's `h.3.attn.c_attn`. */
export interface LinearSite {
  /** HF module name without prefix, e.g. "h.3.attn.c_attn". */
  name: string;
  layer: number;
  /** Model-independent role: what LoRA/NOLA targets are matched against. */
  role: LinearRole;
  inFeatures: number;
  outFeatures: number;
  /**
   * For fused projections (GPT-2's c_attn = [q | k | v]): which column ranges of the output
   * belong to which role. Absent for an unfused linear.
   */
  fusedParts?: Array<{ role: LinearRole; offset: number; size: number }>;
  /** Weight in [in, out] layout (y = x·W + b), frozen unless full fine-tuning. */
  weight: tf.Variable;
  bias: tf.Variable | null;
}

export type LinearRole = 'qkv' | 'q' | 'k' | 'v' | 'attn_out' | 'mlp_in' | 'mlp_out';

export interface AttentionSite {
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
   * Token embeddings [B, T, d] (before positions) → the sequence the model runs on. A prompt
   * method prepends `prefixLength` rows; positions are then added to the whole sequence, as in
   * Hugging Face PEFT's prompt tuning on GPT-2.
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

/** What a method needs to know of any model to size itself, known from config alone. */
export interface ModelShape {
  family: 'gpt2';
  hidden: number;
  layers: number;
  heads: number;
  mlpHidden: number;
  vocabSize: number;
  maxPositions: number;
  totalParams: number;
  /** Every linear's role and shape per layer (same in each layer). */
  linears: Array<{ role: LinearRole; inFeatures: number; outFeatures: number; fusedRoles?: LinearRole[] }>;
}
