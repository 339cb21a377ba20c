import type { HostTensor } from '../io/safetensors';
import type { ModelConfig } from '../io/model-config';
import { Gpt2Model } from './gpt2';
import { VitModel } from './vit';
import { T5Model } from './t5';
import type { BackboneModel } from './model';

/**
 * The model families the engine runs, chosen by config.json's `model_type`: one place that maps
 * a config to its parser, its shape and its model class, so the runner, the CLI and the app
 * never branch on the family themselves. The config side (no tensors, what the page reads) is
 * io/model-config.ts, re-exported here; this file adds the model classes.
 */
export { MODEL_FAMILIES, fixedInputLength, isModelFamily, modelShapeOf, normalizeWeightNames, parseModelConfig, type FamilyInfo, type ModelConfig } from '../io/model-config';

/** Throws a ModelLoadError naming the tensor when the weights do not fit the config; touches no device. */
export function checkModelWeights(model: ModelConfig, weights: Map<string, HostTensor>): void {
  switch (model.family) {
    case 'gpt2':
      Gpt2Model.checkWeights(model.config, weights);
      return;
    case 'vit':
      VitModel.checkWeights(model.config, weights);
      return;
    case 't5':
      T5Model.checkWeights(model.config, weights);
      return;
  }
}

/** A fresh model on the device from validated host weights (each run gets its own). */
export function buildModel(model: ModelConfig, weights: Map<string, HostTensor>): BackboneModel {
  switch (model.family) {
    case 'gpt2':
      return Gpt2Model.fromWeights(model.config, weights);
    case 'vit':
      return VitModel.fromWeights(model.config, weights);
    case 't5':
      return T5Model.fromWeights(model.config, weights);
  }
}
