import { z } from 'zod';
import type { MethodDefinition } from './types';
import { taskHeadParams } from './types';
import { emptyPlacement } from './param-placement-parts';

export type HeadConfig = Record<string, never>;

/**
 * Head only (linear probe): the base is frozen and only the task head trains — the
 * classifier for classification, an untied copy of the LM head for language modelling.
 */
export const headMethod: MethodDefinition<HeadConfig> = {
  name: 'head',
  title: 'Head only',
  summary: 'Only the task head trains (a linear probe on frozen features).',
  schema: z.object({}).strict() as unknown as z.ZodType<HeadConfig>,
  defaults: {},
  trainableParams: (model, task) => ({
    method: 0,
    head: task.kind === 'lm' ? model.vocabSize * model.hidden : taskHeadParams(model, task),
  }),
  paramPlacement(model, task) {
    return { ...emptyPlacement(model), head: task.kind === 'lm' ? model.vocabSize * model.hidden : taskHeadParams(model, task) };
  },
  attach() {
    return {
      hooks: {},
      paramGroups: [],
      trainsLmHead: true,
      async saveAdapter() {
        return { config: { peft_type: 'HEAD' }, tensors: new Map() };
      },
      loadAdapter() {
        // The head's tensors are saved and loaded with the task head.
      },
      dispose() {},
    };
  },
};
