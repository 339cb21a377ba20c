import { z } from 'zod';
import { ConfigError, type Gpt2Activation } from './gpt2-config';
import type { LinearRole, LinearShape, ModelShape } from './hooks';

/**
 * ViT hyperparameters in our own camelCase, parsed from Hugging Face's `config.json`
 * (ViTConfig, model_type "vit"). Defaults are ViTConfig's.
 */
export interface VitConfig {
  modelType: 'vit';
  hidden: number;
  layers: number;
  heads: number;
  /** MLP width (intermediate_size). */
  intermediate: number;
  activation: Gpt2Activation;
  layerNormEps: number;
  /** Square images only: height = width = imageSize. */
  imageSize: number;
  patchSize: number;
  channels: number;
  qkvBias: boolean;
  hiddenDropout: number;
  attentionDropout: number;
  initializerRange: number;
  /** Classifier labels by index ("0" → "cat"); numLabels = its size. */
  id2label: Record<string, string>;
  numLabels: number;
}

const positiveInt = z.number().int().positive();
const probability = z.number().min(0).max(1);
/** HF accepts an int or an (h, w) pair for image_size and patch_size. */
const sizeField = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);

const hfVitConfigSchema = z.object({
  model_type: z.literal('vit', { message: 'must be "vit" (only ViT is supported by this loader)' }),
  hidden_size: positiveInt.default(768),
  num_hidden_layers: positiveInt.default(12),
  num_attention_heads: positiveInt.default(12),
  intermediate_size: positiveInt.default(3072),
  hidden_act: z.enum(['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'relu', 'silu']).default('gelu'),
  layer_norm_eps: z.number().positive().default(1e-12),
  image_size: sizeField.default(224),
  patch_size: sizeField.default(16),
  num_channels: positiveInt.default(3),
  qkv_bias: z.boolean().default(true),
  hidden_dropout_prob: probability.default(0),
  attention_probs_dropout_prob: probability.default(0),
  initializer_range: z.number().positive().default(0.02),
  id2label: z.record(z.string(), z.string()).nullish(),
  label2id: z.record(z.string(), z.number().int().nonnegative()).nullish(),
  num_labels: z.number().int().nonnegative().nullish(),
  // Only used by ViTForMaskedImageModeling; a masked-modeling checkpoint is refused by its tensors.
  encoder_stride: positiveInt.optional(),
  use_mask_token: z.boolean().optional(),
});

function describeIssues(error: z.ZodError, file: string): string {
  return error.issues.map((issue) => `${file}: field "${issue.path.join('.') || '(root)'}" ${issue.message}`).join('; ');
}

function squareSize(field: string, value: number | [number, number]): number {
  if (typeof value === 'number') return value;
  if (value[0] !== value[1]) {
    throw new ConfigError(`config.json: field "${field}" is [${value}]; only square sizes are supported`);
  }
  return value[0];
}

/** HF's PretrainedConfig: id2label wins, else num_labels (default 2) labels named LABEL_i. */
function parseLabels(c: z.infer<typeof hfVitConfigSchema>): Record<string, string> {
  if (c.id2label) {
    const n = Object.keys(c.id2label).length;
    for (let i = 0; i < n; i++) {
      if (!(String(i) in c.id2label)) {
        throw new ConfigError(`config.json: field "id2label" must have keys 0..${n - 1}; key "${i}" is missing`);
      }
    }
    if (c.num_labels !== null && c.num_labels !== undefined && c.num_labels !== n) {
      throw new ConfigError(`config.json: field "num_labels" ${c.num_labels} does not match the ${n} entries of "id2label"`);
    }
    return { ...c.id2label };
  }
  const n = c.num_labels ?? 2;
  const labels: Record<string, string> = {};
  for (let i = 0; i < n; i++) labels[String(i)] = `LABEL_${i}`;
  return labels;
}

/** Parses HF ViT `config.json` contents; errors name the field. */
export function parseVitConfig(json: unknown): VitConfig {
  const parsed = hfVitConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, 'config.json'));
  const c = parsed.data;
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new ConfigError(
      `config.json: field "hidden_size" ${c.hidden_size} is not divisible by "num_attention_heads" ${c.num_attention_heads}`,
    );
  }
  const imageSize = squareSize('image_size', c.image_size);
  const patchSize = squareSize('patch_size', c.patch_size);
  if (imageSize % patchSize !== 0) {
    // HF's Conv2d would silently drop the remainder pixels; we refuse instead of guessing.
    throw new ConfigError(`config.json: field "image_size" ${imageSize} is not divisible by "patch_size" ${patchSize}`);
  }
  if (c.use_mask_token) {
    throw new ConfigError('config.json: field "use_mask_token" is true; masked image modeling is not supported');
  }
  const id2label = parseLabels(c);
  return {
    modelType: 'vit',
    hidden: c.hidden_size,
    layers: c.num_hidden_layers,
    heads: c.num_attention_heads,
    intermediate: c.intermediate_size,
    activation: c.hidden_act,
    layerNormEps: c.layer_norm_eps,
    imageSize,
    patchSize,
    channels: c.num_channels,
    qkvBias: c.qkv_bias,
    hiddenDropout: c.hidden_dropout_prob,
    attentionDropout: c.attention_probs_dropout_prob,
    initializerRange: c.initializer_range,
    id2label,
    numLabels: Object.keys(id2label).length,
  };
}

/** Back to HF's `config.json` (what `ViTConfig.to_dict()` writes for these fields). */
export function vitConfigToJson(c: VitConfig): Record<string, unknown> {
  const label2id: Record<string, number> = {};
  for (const [i, label] of Object.entries(c.id2label)) label2id[label] = Number(i);
  return {
    architectures: ['ViTForImageClassification'],
    model_type: 'vit',
    hidden_size: c.hidden,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    intermediate_size: c.intermediate,
    hidden_act: c.activation,
    hidden_dropout_prob: c.hiddenDropout,
    attention_probs_dropout_prob: c.attentionDropout,
    initializer_range: c.initializerRange,
    layer_norm_eps: c.layerNormEps,
    image_size: c.imageSize,
    patch_size: c.patchSize,
    num_channels: c.channels,
    qkv_bias: c.qkvBias,
    encoder_stride: c.patchSize,
    id2label: c.id2label,
    label2id,
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
  };
}

/** Patches per image side and in all. */
export function vitPatchGrid(c: VitConfig): { side: number; patches: number } {
  const side = c.imageSize / c.patchSize;
  return { side, patches: side * side };
}

/** Every linear of one encoder layer, in forward order: module (under `encoder.layer.N.`), role, sizes. */
export function vitLayerLinears(c: VitConfig): Array<{ module: string; role: LinearRole; inFeatures: number; outFeatures: number; hasBias: boolean }> {
  const d = c.hidden;
  return [
    { module: 'attention.attention.query', role: 'q', inFeatures: d, outFeatures: d, hasBias: c.qkvBias },
    { module: 'attention.attention.key', role: 'k', inFeatures: d, outFeatures: d, hasBias: c.qkvBias },
    { module: 'attention.attention.value', role: 'v', inFeatures: d, outFeatures: d, hasBias: c.qkvBias },
    { module: 'attention.output.dense', role: 'attn_out', inFeatures: d, outFeatures: d, hasBias: true },
    { module: 'intermediate.dense', role: 'mlp_in', inFeatures: d, outFeatures: c.intermediate, hasBias: true },
    { module: 'output.dense', role: 'mlp_out', inFeatures: c.intermediate, outFeatures: d, hasBias: true },
  ];
}

/**
 * The shapes every ViTForImageClassification weight must have, by HF name, in HF layout
 * (nn.Linear [out, in], Conv2d [out, C, P, P]). `classifier: false` gives a ViTModel's
 * backbone (still `vit.`-prefixed). A classifier exists only when numLabels > 0 (HF uses
 * nn.Identity otherwise).
 */
export function vitWeightShapes(c: VitConfig, opts: { classifier?: boolean } = {}): Map<string, number[]> {
  const d = c.hidden;
  const { patches } = vitPatchGrid(c);
  const P = c.patchSize;
  const shapes = new Map<string, number[]>([
    ['vit.embeddings.cls_token', [1, 1, d]],
    ['vit.embeddings.position_embeddings', [1, patches + 1, d]],
    ['vit.embeddings.patch_embeddings.projection.weight', [d, c.channels, P, P]],
    ['vit.embeddings.patch_embeddings.projection.bias', [d]],
  ]);
  for (let i = 0; i < c.layers; i++) {
    const p = `vit.encoder.layer.${i}.`;
    shapes.set(`${p}layernorm_before.weight`, [d]);
    shapes.set(`${p}layernorm_before.bias`, [d]);
    for (const linear of vitLayerLinears(c)) {
      // The MLP sits after layernorm_after; keep HF's module order within the layer.
      if (linear.role === 'mlp_in') {
        shapes.set(`${p}layernorm_after.weight`, [d]);
        shapes.set(`${p}layernorm_after.bias`, [d]);
      }
      shapes.set(`${p}${linear.module}.weight`, [linear.outFeatures, linear.inFeatures]);
      if (linear.hasBias) shapes.set(`${p}${linear.module}.bias`, [linear.outFeatures]);
    }
  }
  shapes.set('vit.layernorm.weight', [d]);
  shapes.set('vit.layernorm.bias', [d]);
  if ((opts.classifier ?? true) && c.numLabels > 0) {
    shapes.set('classifier.weight', [c.numLabels, d]);
    shapes.set('classifier.bias', [c.numLabels]);
  }
  return shapes;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Parameters of ViTForImageClassification (classifier included; no pooler, as HF builds it). */
export function vitParamCount(c: VitConfig): number {
  let total = 0;
  for (const shape of vitWeightShapes(c).values()) total += sizeOf(shape);
  return total;
}

/** Parameters of the checkpoint's own classifier (weight and bias; 0 without labels). */
export function vitClassifierParams(c: VitConfig): number {
  return c.numLabels > 0 ? c.numLabels * (c.hidden + 1) : 0;
}

/** Sizes a method needs, from config.json alone (no weights). */
export function vitModelShape(c: VitConfig): ModelShape {
  const { patches } = vitPatchGrid(c);
  const linears: LinearShape[] = [];
  for (let layer = 0; layer < c.layers; layer++) {
    for (const l of vitLayerLinears(c)) {
      const name = `encoder.layer.${layer}.${l.module}`;
      linears.push({
        name,
        modulePath: `vit.${name}`,
        stack: 'encoder',
        layer,
        role: l.role,
        inFeatures: l.inFeatures,
        outFeatures: l.outFeatures,
        hasBias: l.hasBias,
      });
    }
  }
  const d = c.hidden;
  return {
    family: 'vit',
    hidden: d,
    heads: c.heads,
    mlpHidden: c.intermediate,
    stacks: { encoder: c.layers, decoder: 0 },
    layers: c.layers,
    promptStack: 'encoder',
    vocabSize: 0,
    maxPositions: null,
    embeddingParams: d + (patches + 1) * d + d * c.channels * c.patchSize * c.patchSize + d,
    // The backbone only: each task brings its own head (taskHeadParams), and the checkpoint's
    // classifier is not among the weights a method trains (VitModel.namedVariables).
    totalParams: vitParamCount(c) - vitClassifierParams(c),
    linears,
  };
}
