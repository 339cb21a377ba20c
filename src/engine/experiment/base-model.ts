import type { FileSource } from '../io/file-source';
import { loadCheckpointFiles, type CheckpointProgress } from '../io/checkpoint';
import type { HostTensor } from '../io/safetensors';
import { MODEL_FAMILIES, modelShapeOf, normalizeWeightNames, parseModelConfig, type ModelConfig } from '../io/model-config';
import type { ModelShape } from '../models/hooks';
import { loadTokenizer } from '../tokenize/tokenizer';
import type { TextTokenizer } from '../tokenize/types';
import { parseImageProcessorConfig, type ImageProcessorConfig } from '../tokenize/image-processor';

/**
 * A checkpoint held on the host: config, weights, and what turns inputs into tensors (a
 * tokenizer for GPT-2 and T5, the image processor's settings for ViT). Each run builds its own
 * model from it (full fine-tuning changes the weights; the other runs must not see that).
 */
export interface BaseCheckpoint {
  source: string;
  model: ModelConfig;
  shape: ModelShape;
  /** Names as the family's model class reads them (see normalizeWeightNames). */
  weights: Map<string, HostTensor>;
  tokenizer: TextTokenizer | null;
  imageProcessor: ImageProcessorConfig | null;
}

/** What a family reads besides config.json and the weights; unknown families fail in parseModelConfig. */
function inputsOf(config: Record<string, unknown>): 'text' | 'image' {
  const family = config.model_type;
  return family === 'vit' ? MODEL_FAMILIES.vit.inputs : 'text';
}

/**
 * `options.tokenizerOptional`: a GPT-2/T5 folder without tokenizer.json loads (tokenizer null), for
 * runs on token ids (`forward --ids`); otherwise a text model's tokenizer is required.
 */
export async function loadBaseCheckpoint(source: FileSource, onProgress?: (p: CheckpointProgress) => void, options: { tokenizerOptional?: boolean } = {}): Promise<BaseCheckpoint> {
  // The config first: an unsupported architecture is refused before any weights are read.
  const bytes = await source.read('config.json');
  if (!bytes) throw new Error(`${source.description}: config.json not found`);
  parseModelConfig(parseJson(bytes, source.description));
  const files = await loadCheckpointFiles(source, { inputsOf, ...(options.tokenizerOptional ? { requireTokenizer: false } : {}), ...(onProgress ? { onProgress } : {}) });
  const model = parseModelConfig(files.config);
  const shape = modelShapeOf(model);
  let tokenizer: TextTokenizer | null = null;
  if (files.tokenizerJson) {
    tokenizer = loadTokenizer(files.tokenizerJson, files.tokenizerConfig);
    if (tokenizer.vocabSize > shape.vocabSize) {
      throw new Error(`${source.description}: tokenizer has ${tokenizer.vocabSize} tokens but config.json vocab_size is ${shape.vocabSize}`);
    }
  }
  const imageProcessor = files.preprocessorConfig ? parseImageProcessorConfig(files.preprocessorConfig) : null;
  return { source: source.description, model, shape, weights: normalizeWeightNames(model, files.weights), tokenizer, imageProcessor };
}

function parseJson(bytes: Uint8Array, description: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${description}: config.json is not valid JSON (${(error as Error).message})`);
  }
}

/** Config-only view for parameter counts without loading weights. */
export async function loadModelShape(source: FileSource): Promise<{ model: ModelConfig; shape: ModelShape }> {
  const bytes = await source.read('config.json');
  if (!bytes) throw new Error(`${source.description}: config.json not found`);
  const model = parseModelConfig(parseJson(bytes, source.description));
  return { model, shape: modelShapeOf(model) };
}

/** The tokenizer of a text checkpoint, or a clear error naming the checkpoint. */
export function requireTokenizer(base: BaseCheckpoint): TextTokenizer {
  if (!base.tokenizer) throw new Error(`${base.source}: a ${MODEL_FAMILIES[base.model.family].title} checkpoint has no tokenizer; this task needs text input`);
  return base.tokenizer;
}
