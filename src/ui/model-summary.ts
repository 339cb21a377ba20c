import { MODEL_FAMILIES, type ModelConfig } from '../engine/io/model-config';
import type { ModelShape } from '../engine/models/hooks';
import { vitPatchGrid } from '../engine/models/vit-config';
import { formatCount } from './format';

/** One line describing a checkpoint, in the terms that matter for its family. */
export function describeModel(model: ModelConfig, shape: ModelShape): string {
  const params = `${formatCount(shape.totalParams)} parameters`;
  switch (model.family) {
    case 'gpt2':
      return `GPT-2 · ${shape.layers} layers · d=${shape.hidden} · ${shape.heads} heads · vocab ${formatCount(shape.vocabSize)} · context ${shape.maxPositions} · ${params}`;
    case 'vit': {
      const { side, patches } = vitPatchGrid(model.config);
      const c = model.config;
      return (
        `ViT · ${c.imageSize}×${c.imageSize} images · ${c.patchSize}×${c.patchSize} patches (${side}×${side} = ${patches}) · ` +
        `${shape.layers} layers · d=${shape.hidden} · ${shape.heads} heads · ${params}`
      );
    }
    case 't5':
      return (
        `T5 · encoder ${shape.stacks.encoder} + decoder ${shape.stacks.decoder} layers · d=${shape.hidden} · ${shape.heads} heads · ` +
        `vocab ${formatCount(shape.vocabSize)} · relative positions · ${params}`
      );
  }
}

/** "tiny-vit (ViT, built in)". */
export function builtInLabel(id: string, family: keyof typeof MODEL_FAMILIES): string {
  return `${id} (${MODEL_FAMILIES[family].title}, built in)`;
}
