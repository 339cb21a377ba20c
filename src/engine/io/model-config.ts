import { ConfigError, gpt2ModelShape, parseGpt2Config, type Gpt2Config } from '../models/gpt2-config';
import { parseVitConfig, vitModelShape, vitPatchGrid, type VitConfig } from '../models/vit-config';
import { parseT5Config, t5ModelShape, type T5Config } from '../models/t5-config';
import type { ModelFamily, ModelShape } from '../models/hooks';
import type { HostTensor } from './safetensors';
import { normalizeGpt2Names } from './weight-names';

/**
 * A checkpoint's config.json as the families understand it, with no tensors: the family table,
 * the parser chosen by `model_type`, the shape every parameter formula reads, and the input
 * length a family fixes. The page counts parameters from this alone (it never imports tfjs);
 * models/families.ts re-exports all of it and adds the model classes (weights check, build)
 * for the worker and Node.
 */

export type ModelConfig = { family: 'gpt2'; config: Gpt2Config } | { family: 'vit'; config: VitConfig } | { family: 't5'; config: T5Config };

export interface FamilyInfo {
  title: string;
  /** HF model classes whose checkpoints load (config.json's `architectures`). */
  architectures: string[];
  /** Text models need tokenizer.json; ViT needs preprocessor_config.json instead. */
  inputs: 'text' | 'image';
}

export const MODEL_FAMILIES: Record<ModelFamily, FamilyInfo> = {
  gpt2: { title: 'GPT-2', architectures: ['GPT2LMHeadModel', 'GPT2Model', 'GPT2ForSequenceClassification'], inputs: 'text' },
  vit: { title: 'ViT', architectures: ['ViTForImageClassification', 'ViTModel'], inputs: 'image' },
  t5: { title: 'T5', architectures: ['T5ForConditionalGeneration', 'T5Model'], inputs: 'text' },
};

export function isModelFamily(value: unknown): value is ModelFamily {
  return typeof value === 'string' && value in MODEL_FAMILIES;
}

/** Parses config.json of any supported family; an unsupported `model_type` names the supported ones. */
export function parseModelConfig(json: unknown): ModelConfig {
  const modelType = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).model_type : undefined;
  switch (modelType) {
    case 'gpt2':
      return { family: 'gpt2', config: parseGpt2Config(json) };
    case 'vit':
      return { family: 'vit', config: parseVitConfig(json) };
    case 't5':
      return { family: 't5', config: parseT5Config(json) };
    default:
      throw new ConfigError(
        `config.json: field "model_type" is ${JSON.stringify(modelType ?? null)}; supported architectures: ` +
          Object.entries(MODEL_FAMILIES)
            .map(([type, info]) => `${type} (${info.architectures.join(', ')})`)
            .join('; '),
      );
  }
}

export function modelShapeOf(model: ModelConfig): ModelShape {
  switch (model.family) {
    case 'gpt2':
      return gpt2ModelShape(model.config);
    case 'vit':
      return vitModelShape(model.config);
    case 't5':
      return t5ModelShape(model.config);
  }
}

/**
 * Input positions fixed by the model, not by the spec: ViT always runs on its patch grid (what
 * DePT's position-wise update covers); text models read the spec's seqLen (null).
 */
export function fixedInputLength(model: ModelConfig): number | null {
  return model.family === 'vit' ? vitPatchGrid(model.config).patches : null;
}

/** Checkpoint tensor names as the family's model class reads them (GPT-2 drops `transformer.`). */
export function normalizeWeightNames(model: ModelConfig, weights: Map<string, HostTensor>): Map<string, HostTensor> {
  return model.family === 'gpt2' ? normalizeGpt2Names(weights) : weights;
}
