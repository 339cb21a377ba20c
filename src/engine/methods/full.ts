import type { MethodDefinition } from './types';
import { toHost, expectTensor, rejectUnknown, assignAll } from './host';
import { fullInfo, type FullConfig } from './full-info';

export * from './full-info';

/** Full fine-tuning's tensor part: the model's own weights are made trainable. */
export const fullMethod: MethodDefinition<FullConfig> = {
  ...fullInfo,
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
