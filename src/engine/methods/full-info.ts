import { z } from 'zod';
import type { ModelShape, Stack } from '../models/hooks';
import { taskHeadParams, type MethodInfo } from './types';
import { blockOfRole, emptyPlacement, placementRow } from './param-placement-parts';

export type FullConfig = Record<string, never>;

/**
 * Normalisation parameters inside one block, split as the placement view shows them: GPT-2 and
 * ViT have a LayerNorm (weight + bias) before attention and before the MLP; T5 an RMS norm
 * (weight only) before each sub-layer, the decoder's cross-attention included.
 */
function blockNormParams(model: ModelShape, stack: Stack): { attention: number; mlp: number } {
  const d = model.hidden;
  if (model.family !== 't5') return { attention: 2 * d, mlp: 2 * d };
  return { attention: stack === 'decoder' ? 2 * d : d, mlp: d };
}

/** Full fine-tuning: every base weight trains (the tied LM head with the embeddings). Attached in full.ts. */
export const fullInfo: MethodInfo<FullConfig> = {
  name: 'full',
  title: 'Full fine-tuning',
  summary: 'Every weight of the model trains: the upper bound on quality and on cost.',
  schema: z.object({}).strict() as unknown as z.ZodType<FullConfig>,
  defaults: {},
  trainableParams: (model, task) => ({ method: model.totalParams, head: taskHeadParams(model, task) }),
  paramPlacement(model, task) {
    // Each block's linears (weights + biases) with its norms; the final norms and anything else
    // the checkpoint holds (T5's relative position biases, an untied LM head) is what remains.
    const placement = emptyPlacement(model);
    for (const stack of ['encoder', 'decoder'] as const) {
      for (let layer = 0; layer < model.stacks[stack]; layer++) placement.layers[placementRow(model, stack, layer)] = blockNormParams(model, stack);
    }
    for (const linear of model.linears) {
      const row = placement.layers[placementRow(model, linear.stack, linear.layer)];
      row[blockOfRole(linear.role)] += linear.inFeatures * linear.outFeatures + (linear.hasBias ? linear.outFeatures : 0);
    }
    placement.embeddings = model.embeddingParams;
    const inBlocks = placement.layers.reduce((sum, row) => sum + row.attention + row.mlp, 0);
    placement.other = model.totalParams - model.embeddingParams - inBlocks;
    placement.head = taskHeadParams(model, task);
    return placement;
  },
};
