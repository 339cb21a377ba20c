import { z } from 'zod';
import type { ModelShape } from '../models/hooks';
import { taskHeadParams, type MethodInfo } from './types';
import { blocksPlacement } from './param-placement-parts';
import { decoderOptionProblem, promptBlocks, vocabInitProblem } from './model-parts';

/**
 * Deep prompt tuning (VPT-deep / P-tuning v2 style), the baseline APT is measured against:
 * p trainable rows per layer join that layer's self-attention as extra keys and values (every
 * query may attend to them; they make no queries and no output rows) and are dropped at its
 * output. Written against the model-independent attention hook: the rows are handed to the
 * model as `prefixHidden`, i.e. as already layer-normed hidden states that the model projects
 * with its own frozen K and V weights. They take no positions, so they do not count against
 * n_positions.
 */

export interface DeepPromptConfig {
  /** p: prompt rows per layer. */
  length: number;
  /**
   * "random": N(0, 0.02²), as APT initialises P' (an equal-footing comparison);
   * "vocab": copies of randomly sampled vocabulary embeddings (PT's default), per layer.
   */
  init: 'random' | 'vocab';
  /** Encoder–decoder models (T5): the decoder's self-attention gets prompts too, not only the encoder's. */
  decoder: boolean;
}

export const deepPromptSchema = z
  .object({
    length: z.number().int().min(1).max(512),
    init: z.enum(['random', 'vocab']),
    decoder: z.boolean(),
  })
  .strict();

/**
 * Forward FLOPs the deep prompts add to the frozen model (1 multiply-add = 2 FLOPs), for a
 * batch of `batch` sequences of `n` tokens: per layer, the K and V projections of the p rows
 * (4·p·d², once per batch: the rows are the same for every sequence), then per sequence the
 * extra scores Q·K_pᵀ (2·n·p·d), the softmax over p more columns (≈ 3 FLOPs per score and head:
 * exp, sum, divide) and the values they weigh (2·n·p·d). What the method needs: GPT-2's fused
 * c_attn also computes the prompts' unused queries here (2·p·d² more, once per batch).
 */
export function deepPromptExtraFlops(model: Pick<ModelShape, 'hidden' | 'layers' | 'heads'>, n: number, batch: number, p: number): number {
  const d = model.hidden;
  const perLayer = 4 * p * d * d + batch * (4 * n * p * d + 3 * model.heads * n * p);
  return model.layers * perLayer;
}

/**
 * The paper's baseline cost (VPT-deep as in Jia et al. 2022, what APT's 62–92% savings are
 * measured against): the p prompts are full tokens of every layer, per sequence — their Q/K/V
 * (6·p·d²), all n + p queries over n + p keys ((4·d + 3·heads)·((n + p)² − n²): scores, softmax,
 * weighted values), their output projection (2·p·d²) and MLP (4·p·d·mlpHidden); dropped after
 * the layer. Forward FLOPs over the frozen model for `batch` sequences of n tokens.
 */
export function fullTokenDeepPromptExtraFlops(model: Pick<ModelShape, 'hidden' | 'layers' | 'heads' | 'mlpHidden'>, n: number, batch: number, p: number): number {
  const d = model.hidden;
  const pairs = (n + p) ** 2 - n ** 2;
  const perSequence = 8 * p * d * d + 4 * p * d * model.mlpHidden + (4 * d + 3 * model.heads) * pairs;
  return model.layers * batch * perSequence;
}


/** Deep prompts' config and counts; attached in deep-prompt.ts. */
export const deepPromptInfo: MethodInfo<DeepPromptConfig> = {
  name: 'deep-prompt',
  title: 'Deep prompt',
  summary: 'p trainable rows per layer join that layer’s attention keys and values (L·p·d parameters); the model is frozen.',
  schema: deepPromptSchema,
  defaults: { length: 16, init: 'random', decoder: false },
  trainableParams: (model, task, config) => ({ method: promptBlocks(model, config.decoder).length * config.length * model.hidden, head: taskHeadParams(model, task) }),
  // Each block's p rows join that block's attention keys and values.
  paramPlacement: (model, task, config) => blocksPlacement(model, promptBlocks(model, config.decoder), { attention: config.length * model.hidden, mlp: 0 }, taskHeadParams(model, task)),
  unsupportedReason: (model, _task, config) => vocabInitProblem(model, config.init) ?? decoderOptionProblem(model, config.decoder),
};
