import { z } from 'zod';
import type { MethodInfo, TaskShape } from './types';
import type { ModelShape } from '../models/hooks';
import { lmHeadParams, taskHeadParams } from './types';
import { emptyPlacement } from './param-placement-parts';

export type HeadConfig = Record<string, never>;

function headOnlyParams(model: ModelShape, task: TaskShape): number {
  return task.kind === 'lm' || task.kind === 'seq2seq' ? lmHeadParams(model) : taskHeadParams(model, task);
}

/**
 * Head only (linear probe): the base is frozen and only the task head trains — the
 * classifier for classification, an untied copy of the LM head for language modelling and
 * text-to-text (T5's targets are words of its vocabulary). Attached in head.ts.
 */
export const headInfo: MethodInfo<HeadConfig> = {
  name: 'head',
  title: 'Head only',
  summary: 'Only the task head trains (a linear probe on frozen features).',
  schema: z.object({}).strict() as unknown as z.ZodType<HeadConfig>,
  defaults: {},
  trainableParams: (model, task) => ({ method: 0, head: headOnlyParams(model, task) }),
  paramPlacement(model, task) {
    return { ...emptyPlacement(model), head: headOnlyParams(model, task) };
  },
};
