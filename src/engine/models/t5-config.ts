import { z } from 'zod';
import { ConfigError } from './gpt2-config';
import type { LinearRole, LinearShape, ModelShape, Stack } from './hooks';

/** T5 hyperparameters in our own camelCase, parsed from Hugging Face's `config.json` (T5Config). */
export interface T5Config {
  modelType: 't5';
  vocabSize: number;
  dModel: number;
  /** Size of one attention head (HF's d_kv); heads·d_kv need not equal d_model. */
  dKv: number;
  dFf: number;
  numLayers: number;
  numDecoderLayers: number;
  numHeads: number;
  relativeAttentionNumBuckets: number;
  relativeAttentionMaxDistance: number;
  dropoutRate: number;
  layerNormEpsilon: number;
  /** The raw `feed_forward_proj` string, kept to write config.json back unchanged. */
  feedForwardProj: string;
  /** Activation after `wi` (or `wi_0` when gated), HF's `dense_act_fn`. */
  denseActivation: T5Activation;
  /** Gated FFN (T5 v1.1, flan-t5): act(wi_0·x) ⊙ (wi_1·x). */
  isGatedAct: boolean;
  tieWordEmbeddings: boolean;
  decoderStartTokenId: number;
  padTokenId: number;
  eosTokenId: number;
  initializerFactor: number;
}

/** The activations T5 checkpoints use; "gated-gelu" means gelu_new (tanh), as HF keeps it. */
export type T5Activation = 'relu' | 'gelu' | 'gelu_new' | 'silu';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

const hfT5ConfigSchema = z.object({
  model_type: z.literal('t5', { message: 'must be "t5" (only T5 is supported by this loader)' }),
  vocab_size: positiveInt,
  d_model: positiveInt,
  d_kv: positiveInt,
  d_ff: positiveInt,
  num_layers: positiveInt,
  num_decoder_layers: positiveInt.nullish(),
  num_heads: positiveInt,
  relative_attention_num_buckets: z.number().int().min(2).default(32),
  relative_attention_max_distance: z.number().int().min(2).default(128),
  dropout_rate: z.number().min(0).max(1).default(0.1),
  layer_norm_epsilon: z.number().positive().default(1e-6),
  feed_forward_proj: z.string().default('relu'),
  tie_word_embeddings: z.boolean().default(true),
  decoder_start_token_id: nonNegativeInt.nullish(),
  pad_token_id: nonNegativeInt.default(0),
  eos_token_id: nonNegativeInt.default(1),
  initializer_factor: z.number().positive().default(1),
  is_encoder_decoder: z.literal(true, { message: 'must be true (T5ForConditionalGeneration)' }).default(true),
});

function describeIssues(error: z.ZodError, file: string): string {
  return error.issues.map((issue) => `${file}: field "${issue.path.join('.') || '(root)'}" ${issue.message}`).join('; ');
}

/**
 * HF's T5Config.__init__: "relu", "gelu", "gated-gelu", "gated-silu", … — `act_info` is the
 * string split at "-"; a prefix other than "gated" is an error, and "gated-gelu" is gelu_new
 * (the tanh approximation) for backwards compatibility.
 */
function parseFeedForwardProj(value: string): { denseActivation: T5Activation; isGatedAct: boolean } {
  const parts = value.split('-');
  const isGatedAct = parts[0] === 'gated';
  if ((parts.length > 1 && !isGatedAct) || parts.length > 2) {
    throw new ConfigError(`config.json: field "feed_forward_proj" ${JSON.stringify(value)} must be "ACT" or "gated-ACT", e.g. "relu" or "gated-gelu"`);
  }
  const act = value === 'gated-gelu' ? 'gelu_new' : parts[parts.length - 1];
  const supported: readonly T5Activation[] = ['relu', 'gelu', 'gelu_new', 'silu'];
  if (!(supported as readonly string[]).includes(act)) {
    throw new ConfigError(`config.json: field "feed_forward_proj" activation ${JSON.stringify(act)} is not implemented (supported: ${supported.join(', ')})`);
  }
  return { denseActivation: act as T5Activation, isGatedAct };
}

/** Parses HF T5 `config.json` contents; errors name the field. */
export function parseT5Config(json: unknown): T5Config {
  const parsed = hfT5ConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, 'config.json'));
  const c = parsed.data;
  const { denseActivation, isGatedAct } = parseFeedForwardProj(c.feed_forward_proj);
  const ids: Array<[string, number]> = [['pad_token_id', c.pad_token_id], ['eos_token_id', c.eos_token_id], ['decoder_start_token_id', c.decoder_start_token_id ?? c.pad_token_id]];
  for (const [field, id] of ids) {
    if (id >= c.vocab_size) throw new ConfigError(`config.json: field "${field}" (${id}) must be below "vocab_size" (${c.vocab_size})`);
  }
  return {
    modelType: 't5',
    vocabSize: c.vocab_size,
    dModel: c.d_model,
    dKv: c.d_kv,
    dFf: c.d_ff,
    numLayers: c.num_layers,
    numDecoderLayers: c.num_decoder_layers ?? c.num_layers,
    numHeads: c.num_heads,
    relativeAttentionNumBuckets: c.relative_attention_num_buckets,
    relativeAttentionMaxDistance: c.relative_attention_max_distance,
    dropoutRate: c.dropout_rate,
    layerNormEpsilon: c.layer_norm_epsilon,
    feedForwardProj: c.feed_forward_proj,
    denseActivation,
    isGatedAct,
    tieWordEmbeddings: c.tie_word_embeddings,
    // T5's decoder starts from the pad token unless told otherwise (HF's _shift_right).
    decoderStartTokenId: c.decoder_start_token_id ?? c.pad_token_id,
    padTokenId: c.pad_token_id,
    eosTokenId: c.eos_token_id,
    initializerFactor: c.initializer_factor,
  };
}

/** Back to HF's `config.json` (the fields `T5Config.to_dict()` writes that we use). */
export function t5ConfigToJson(c: T5Config): Record<string, unknown> {
  return {
    architectures: ['T5ForConditionalGeneration'],
    model_type: 't5',
    vocab_size: c.vocabSize,
    d_model: c.dModel,
    d_kv: c.dKv,
    d_ff: c.dFf,
    num_layers: c.numLayers,
    num_decoder_layers: c.numDecoderLayers,
    num_heads: c.numHeads,
    relative_attention_num_buckets: c.relativeAttentionNumBuckets,
    relative_attention_max_distance: c.relativeAttentionMaxDistance,
    dropout_rate: c.dropoutRate,
    layer_norm_epsilon: c.layerNormEpsilon,
    initializer_factor: c.initializerFactor,
    feed_forward_proj: c.feedForwardProj,
    dense_act_fn: c.denseActivation,
    is_gated_act: c.isGatedAct,
    is_encoder_decoder: true,
    use_cache: true,
    tie_word_embeddings: c.tieWordEmbeddings,
    pad_token_id: c.padTokenId,
    eos_token_id: c.eosTokenId,
    decoder_start_token_id: c.decoderStartTokenId,
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
  };
}

/** A T5 linear layer's place and size, from config alone. */
/** Every linear of T5ForConditionalGeneration in forward order (encoder blocks, then decoder blocks). */
export function t5LinearSpecs(c: T5Config): LinearShape[] {
  const inner = c.numHeads * c.dKv;
  const specs: LinearShape[] = [];
  // T5's linears have no biases; a linear's name is its module path (its weight `${name}.weight`).
  const linear = (modulePath: string, stack: Stack, layer: number, role: LinearRole, inFeatures: number, outFeatures: number) =>
    specs.push({ name: modulePath, modulePath, stack, layer, role, inFeatures, outFeatures, hasBias: false });
  const attention = (stack: Stack, layer: number, module: string) => {
    const p = `${stack}.block.${layer}.${module}`;
    linear(`${p}.q`, stack, layer, 'q', c.dModel, inner);
    linear(`${p}.k`, stack, layer, 'k', c.dModel, inner);
    linear(`${p}.v`, stack, layer, 'v', c.dModel, inner);
    linear(`${p}.o`, stack, layer, 'attn_out', inner, c.dModel);
  };
  const feedForward = (stack: Stack, layer: number, index: number) => {
    const p = `${stack}.block.${layer}.layer.${index}.DenseReluDense`;
    const inputs = c.isGatedAct ? ['wi_0', 'wi_1'] : ['wi'];
    for (const wi of inputs) linear(`${p}.${wi}`, stack, layer, 'mlp_in', c.dModel, c.dFf);
    linear(`${p}.wo`, stack, layer, 'mlp_out', c.dFf, c.dModel);
  };
  for (let i = 0; i < c.numLayers; i++) {
    attention('encoder', i, 'layer.0.SelfAttention');
    feedForward('encoder', i, 1);
  }
  for (let i = 0; i < c.numDecoderLayers; i++) {
    attention('decoder', i, 'layer.0.SelfAttention');
    attention('decoder', i, 'layer.1.EncDecAttention');
    feedForward('decoder', i, 2);
  }
  return specs;
}

/**
 * The shapes every T5ForConditionalGeneration weight must have, by HF name, as stored
 * (nn.Linear weights [out, in]). The relative-position tables live in block 0 of each stack only.
 * The tied aliases (`encoder.embed_tokens.weight`, …) are not listed: see `T5_TIED_ALIASES`.
 */
export function t5WeightShapes(c: T5Config): Map<string, number[]> {
  const d = c.dModel;
  const shapes = new Map<string, number[]>([['shared.weight', [c.vocabSize, d]]]);
  const linears = t5LinearSpecs(c);
  for (const stack of ['encoder', 'decoder'] as const) {
    const blocks = stack === 'encoder' ? c.numLayers : c.numDecoderLayers;
    const norms = stack === 'encoder' ? 2 : 3;
    for (let i = 0; i < blocks; i++) {
      const p = `${stack}.block.${i}.`;
      if (i === 0) shapes.set(`${p}layer.0.SelfAttention.relative_attention_bias.weight`, [c.relativeAttentionNumBuckets, c.numHeads]);
      for (const l of linears) {
        if (l.stack === stack && l.layer === i) shapes.set(`${l.modulePath}.weight`, [l.outFeatures, l.inFeatures]);
      }
      for (let n = 0; n < norms; n++) shapes.set(`${p}layer.${n}.layer_norm.weight`, [d]);
    }
    shapes.set(`${stack}.final_layer_norm.weight`, [d]);
  }
  if (!c.tieWordEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, d]);
  return shapes;
}

/**
 * Names save_pretrained may write that are the same tensor as `shared.weight` (safetensors
 * dedupes shared storage, but older files and other writers keep them). They are accepted when
 * equal to `shared.weight` and ignored; a different value is an error (it would be silently lost).
 */
export function t5TiedAliases(c: T5Config): string[] {
  return ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight', ...(c.tieWordEmbeddings ? ['lm_head.weight'] : [])];
}

/** Parameters of T5ForConditionalGeneration (the tied embedding and head counted once). */
export function t5ParamCount(c: T5Config): number {
  let total = 0;
  for (const shape of t5WeightShapes(c).values()) total += shape.reduce((a, b) => a * b, 1);
  return total;
}

/** Sizes a method needs, from config.json alone (no weights). */
export function t5ModelShape(c: T5Config): ModelShape {
  const linears = t5LinearSpecs(c);
  return {
    family: 't5',
    hidden: c.dModel,
    heads: c.numHeads,
    mlpHidden: c.dFf,
    stacks: { encoder: c.numLayers, decoder: c.numDecoderLayers },
    layers: c.numLayers + c.numDecoderLayers,
    promptStack: 'encoder',
    vocabSize: c.vocabSize,
    // Relative positions: any length runs (quality far beyond max_distance is another matter).
    maxPositions: null,
    // Only the shared token table; the relative-position tables are attention parameters.
    embeddingParams: c.vocabSize * c.dModel,
    totalParams: t5ParamCount(c),
    linears,
  };
}
