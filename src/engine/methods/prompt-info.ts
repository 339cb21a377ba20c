import { z } from 'zod';
import { taskHeadParams, type MethodInfo } from './types';
import { emptyPlacement } from './param-placement-parts';
import { vocabInitProblem } from './model-parts';

export interface PromptConfig {
  /** l: virtual tokens prepended to the input (PEFT's num_virtual_tokens). */
  length: number;
  /**
   * "vocab": rows copied from randomly sampled vocabulary embeddings (Lester et al.'s default,
   * PEFT's SAMPLE_VOCAB). "random": N(0, initializer_range²) — PEFT's RANDOM uses N(0, 1),
   * which on GPT-2's small embedding norms drowns the input; we use the model's init scale.
   */
  init: 'vocab' | 'random';
}

export const promptSchema = z
  .object({
    length: z.number().int().min(1).max(512),
    init: z.enum(['vocab', 'random']),
  })
  .strict();

/** Vanilla prompt tuning (Lester et al. 2021): input becomes [P; W_x], only P trains. Attached in prompt.ts. */
export const promptInfo: MethodInfo<PromptConfig> = {
  name: 'prompt',
  title: 'Prompt tuning',
  summary: 'l trainable vectors are prepended to the input embeddings; the model is frozen.',
  schema: promptSchema,
  defaults: { length: 20, init: 'vocab' },
  trainableParams: (model, task, config) => ({ method: config.length * model.hidden, head: taskHeadParams(model, task) }),
  prefixLength: (config) => config.length,
  paramPlacement: (model, task, config) => ({ ...emptyPlacement(model), embeddings: config.length * model.hidden, head: taskHeadParams(model, task) }),
  unsupportedReason: (model, _task, config) => vocabInitProblem(model, config.init),
};
