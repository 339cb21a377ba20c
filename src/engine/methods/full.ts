import { z } from 'zod';
import type { MethodDefinition } from './types';
import { taskHeadParams } from './types';
import { toHost, expectTensor, rejectUnknown, assignAll } from './host';
import { blockOfRole, emptyPlacement } from './param-placement-parts';

export type FullConfig = Record<string, never>;

/** Full fine-tuning: every base weight trains (the tied LM head with the embeddings). */
export const fullMethod: MethodDefinition<FullConfig> = {
  name: 'full',
  title: 'Full fine-tuning',
  summary: 'Every weight of the model trains: the upper bound on quality and on cost.',
  schema: z.object({}).strict() as unknown as z.ZodType<FullConfig>,
  defaults: {},
  trainableParams: (model, task) => ({ method: model.totalParams, head: taskHeadParams(model, task) }),
  paramPlacement(model, task) {
    // Each block's linears (weights + biases) with its LayerNorm (2·d); the final LayerNorm and
    // anything else the checkpoint holds is what remains of the total.
    const d = model.hidden;
    const block = { attention: 2 * d, mlp: 2 * d };
    for (const linear of model.linears) block[blockOfRole(linear.role)] += linear.inFeatures * linear.outFeatures + linear.outFeatures;
    const embeddings = (model.vocabSize + model.maxPositions) * d;
    const placement = emptyPlacement(model);
    placement.embeddings = embeddings;
    placement.layers = placement.layers.map(() => ({ ...block }));
    placement.other = model.totalParams - embeddings - model.layers * (block.attention + block.mlp);
    placement.head = taskHeadParams(model, task);
    return placement;
  },
  attach(model) {
    const named = model.namedVariables();
    // Base weights are created frozen; tf.variableGrads only differentiates trainable ones.
    for (const [, v] of named) v.trainable = true;
    return {
      hooks: {},
      paramGroups: [{ name: 'model', variables: named.map(([, v]) => v) }],
      async saveAdapter() {
        const tensors = new Map(await Promise.all(named.map(async ([name, v]) => [name, await toHost(v)] as const)));
        return { config: { peft_type: 'FULL' }, tensors };
      },
      loadAdapter(files) {
        rejectUnknown(files.tensors, new Set(named.map(([n]) => n)));
        assignAll(named.map(([name, v]) => [v, expectTensor(files.tensors, name, v.shape)]));
      },
      dispose() {
        // The weights belong to the model; only hand back their frozen state.
        for (const [, v] of named) v.trainable = false;
      },
    };
  },
};
