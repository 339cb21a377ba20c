import type { LinearRole, LinearShape, ModelShape } from './hooks';
import { z } from 'zod';

/** GPT-2 hyperparameters in our own camelCase, parsed from Hugging Face's `config.json`. */
export interface Gpt2Config {
  modelType: 'gpt2';
  vocabSize: number;
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  /** MLP width; HF's `n_inner: null` means 4·n_embd. */
  nInner: number;
  activation: Gpt2Activation;
  layerNormEpsilon: number;
  residPdrop: number;
  embdPdrop: number;
  attnPdrop: number;
  scaleAttnWeights: boolean;
  scaleAttnByInverseLayerIdx: boolean;
  initializerRange: number;
  bosTokenId: number;
  eosTokenId: number;
  padTokenId: number | null;
  tieWordEmbeddings: boolean;
  /** Labels of a sequence-classification head, when the checkpoint has one. */
  id2label: Record<string, string> | null;
}

export type Gpt2Activation = 'gelu_new' | 'gelu' | 'gelu_pytorch_tanh' | 'relu' | 'silu' | 'gelu_fast';

const positiveInt = z.number().int().positive();
const probability = z.number().min(0).max(1);

const hfGpt2ConfigSchema = z.object({
  model_type: z.literal('gpt2', { message: 'must be "gpt2" (only GPT-2 is supported by this loader)' }),
  vocab_size: positiveInt,
  n_positions: positiveInt,
  n_embd: positiveInt,
  n_layer: positiveInt,
  n_head: positiveInt,
  n_inner: positiveInt.nullish(),
  activation_function: z.enum(['gelu_new', 'gelu', 'gelu_pytorch_tanh', 'relu', 'silu', 'gelu_fast']).default('gelu_new'),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  resid_pdrop: probability.default(0.1),
  embd_pdrop: probability.default(0.1),
  attn_pdrop: probability.default(0.1),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  // Only changes float16 numerics upstream; in float32 it is the same computation.
  reorder_and_upcast_attn: z.boolean().default(false),
  initializer_range: z.number().positive().default(0.02),
  bos_token_id: z.number().int().nonnegative().default(50256),
  eos_token_id: z.number().int().nonnegative().default(50256),
  pad_token_id: z.number().int().nonnegative().nullish(),
  tie_word_embeddings: z.boolean().default(true),
  id2label: z.record(z.string(), z.string()).nullish(),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssues(error: z.ZodError, file: string): string {
  return error.issues.map((issue) => `${file}: field "${issue.path.join('.') || '(root)'}" ${issue.message}`).join('; ');
}

/** Parses HF GPT-2 `config.json` contents; errors name the field. */
export function parseGpt2Config(json: unknown): Gpt2Config {
  const parsed = hfGpt2ConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, 'config.json'));
  const c = parsed.data;
  if (c.n_embd % c.n_head !== 0) {
    throw new ConfigError(`config.json: field "n_embd" (${c.n_embd}) must be divisible by "n_head" (${c.n_head})`);
  }
  return {
    modelType: 'gpt2',
    vocabSize: c.vocab_size,
    nPositions: c.n_positions,
    nEmbd: c.n_embd,
    nLayer: c.n_layer,
    nHead: c.n_head,
    nInner: c.n_inner ?? 4 * c.n_embd,
    activation: c.activation_function,
    layerNormEpsilon: c.layer_norm_epsilon,
    residPdrop: c.resid_pdrop,
    embdPdrop: c.embd_pdrop,
    attnPdrop: c.attn_pdrop,
    scaleAttnWeights: c.scale_attn_weights,
    scaleAttnByInverseLayerIdx: c.scale_attn_by_inverse_layer_idx,
    initializerRange: c.initializer_range,
    bosTokenId: c.bos_token_id,
    eosTokenId: c.eos_token_id,
    padTokenId: c.pad_token_id ?? null,
    tieWordEmbeddings: c.tie_word_embeddings,
    id2label: c.id2label ?? null,
  };
}

/** Back to HF's `config.json` (what `GPT2Config.to_dict()` would write for these fields). */
export function gpt2ConfigToJson(c: Gpt2Config): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_ctx: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.nInner === 4 * c.nEmbd ? null : c.nInner,
    activation_function: c.activation,
    layer_norm_epsilon: c.layerNormEpsilon,
    resid_pdrop: c.residPdrop,
    embd_pdrop: c.embdPdrop,
    attn_pdrop: c.attnPdrop,
    scale_attn_weights: c.scaleAttnWeights,
    scale_attn_by_inverse_layer_idx: c.scaleAttnByInverseLayerIdx,
    reorder_and_upcast_attn: false,
    initializer_range: c.initializerRange,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    ...(c.padTokenId !== null ? { pad_token_id: c.padTokenId } : {}),
    tie_word_embeddings: c.tieWordEmbeddings,
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
  };
}

/** The shapes every GPT-2 weight must have, by HF name (without the `transformer.` prefix). */
export function gpt2WeightShapes(c: Gpt2Config): Map<string, number[]> {
  const d = c.nEmbd;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [c.vocabSize, d]],
    ['wpe.weight', [c.nPositions, d]],
    ['ln_f.weight', [d]],
    ['ln_f.bias', [d]],
  ]);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `h.${i}.`;
    shapes.set(`${p}ln_1.weight`, [d]);
    shapes.set(`${p}ln_1.bias`, [d]);
    shapes.set(`${p}attn.c_attn.weight`, [d, 3 * d]);
    shapes.set(`${p}attn.c_attn.bias`, [3 * d]);
    shapes.set(`${p}attn.c_proj.weight`, [d, d]);
    shapes.set(`${p}attn.c_proj.bias`, [d]);
    shapes.set(`${p}ln_2.weight`, [d]);
    shapes.set(`${p}ln_2.bias`, [d]);
    shapes.set(`${p}mlp.c_fc.weight`, [d, c.nInner]);
    shapes.set(`${p}mlp.c_fc.bias`, [c.nInner]);
    shapes.set(`${p}mlp.c_proj.weight`, [c.nInner, d]);
    shapes.set(`${p}mlp.c_proj.bias`, [d]);
  }
  if (!c.tieWordEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, d]);
  return shapes;
}

/** Parameters of the base model (GPT2LMHeadModel counts the tied head once). */
export function gpt2ParamCount(c: Gpt2Config): number {
  let total = 0;
  for (const shape of gpt2WeightShapes(c).values()) total += shape.reduce((a, b) => a * b, 1);
  return total;
}

/** Sizes a method needs, from config.json alone (no weights): formulas are known before training. */
export function gpt2ModelShape(c: Gpt2Config): ModelShape {
  const d = c.nEmbd;
  const linears: LinearShape[] = [];
  for (let layer = 0; layer < c.nLayer; layer++) {
    const linear = (module: string, role: LinearRole, inFeatures: number, outFeatures: number, fusedRoles?: LinearRole[]): LinearShape => ({
      name: `h.${layer}.${module}`,
      modulePath: `transformer.h.${layer}.${module}`,
      stack: 'decoder',
      layer,
      role,
      inFeatures,
      outFeatures,
      ...(fusedRoles ? { fusedRoles } : {}),
      hasBias: true,
    });
    linears.push(
      linear('attn.c_attn', 'qkv', d, 3 * d, ['q', 'k', 'v']),
      linear('attn.c_proj', 'attn_out', d, d),
      linear('mlp.c_fc', 'mlp_in', d, c.nInner),
      linear('mlp.c_proj', 'mlp_out', c.nInner, d),
    );
  }
  return {
    family: 'gpt2',
    hidden: d,
    heads: c.nHead,
    mlpHidden: c.nInner,
    stacks: { encoder: 0, decoder: c.nLayer },
    layers: c.nLayer,
    promptStack: 'decoder',
    vocabSize: c.vocabSize,
    maxPositions: c.nPositions,
    embeddingParams: (c.vocabSize + c.nPositions) * d,
    totalParams: gpt2ParamCount(c),
    linears,
  };
}
