import { z } from 'zod';
import type { MethodDefinition } from './types';
import { taskHeadParams } from './types';
import { toHost, expectTensor, rejectUnknown, assignAll } from './host';

export type FullConfig = Record<string, never>;

/** Full fine-tuning: every base weight trains (the tied LM head with the embeddings). */
export const fullMethod: MethodDefinition<FullConfig> = {
  name: 'full',
  title: 'Full fine-tuning',
  summary: 'Every weight of the model trains: the upper bound on quality and on cost.',
  schema: z.object({}).strict() as unknown as z.ZodType<FullConfig>,
  defaults: {},
  trainableParams: (model, task) => ({ method: model.totalParams, head: taskHeadParams(model, task) }),
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
