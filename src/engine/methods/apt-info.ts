import { z } from 'zod';
import type { ModelShape } from '../models/hooks';
import { taskHeadParams, type MethodInfo } from './types';
import { blocksPlacement } from './param-placement-parts';
import { decoderOptionProblem, promptBlocks } from './model-parts';

export type AptVariant = 'low-rank' | 'identity' | 'dense';

export interface AptConfig {
  /** p: prompt rows per layer (paper: 200 on ViLT/METER, 4 on CLIP's text encoder). */
  length: number;
  /** r: rank of W1·W2 (paper: 4; 2 on CLIP). Unused by "identity" and "dense". */
  r: number;
  /** The paper's Table 3 ablations: "identity" K = P', "dense" a full d×d W instead of W1·W2. */
  variant: AptVariant;
  /** Encoder–decoder models (T5): the decoder's self-attention gets APT too, not only the encoder's. */
  decoder: boolean;
}

export const aptSchema = z
  .object({
    length: z.number().int().min(1).max(1024),
    r: z.number().int().min(1).max(256),
    variant: z.enum(['low-rank', 'identity', 'dense']),
    decoder: z.boolean(),
  })
  .strict();

/** Trainable elements per layer: P' (p·d), the projection (2·d·r, 0 or d·d) and s (1). */
export function aptParamsPerLayer(d: number, config: AptConfig): number {
  const projection = config.variant === 'low-rank' ? 2 * d * config.r : config.variant === 'dense' ? d * d : 0;
  return config.length * d + projection + 1;
}

/**
 * Forward FLOPs APT adds to the frozen model (1 multiply-add = 2 FLOPs), for a batch of `batch`
 * sequences of `n` tokens. Per layer, once per batch: K (low-rank 4·p·d·r + p·d; dense
 * 2·p·d² + p·d; identity 0) and a (p·d comparisons). Per sequence: scores X·Kᵀ (2·n·p·d),
 * ReLU and the scale by a (2·n·p), the weighted sum of P' (2·n·p·d), SA + ΔX and e^s (2·n·d).
 */
export function aptExtraFlops(model: Pick<ModelShape, 'hidden' | 'layers'>, n: number, batch: number, config: Pick<AptConfig, 'length' | 'r' | 'variant'>): number {
  const d = model.hidden;
  const p = config.length;
  const keys = config.variant === 'low-rank' ? 4 * p * d * config.r + p * d : config.variant === 'dense' ? 2 * p * d * d + p * d : 0;
  const perLayer = keys + p * d + batch * (4 * n * p * d + 2 * n * p + 2 * n * d);
  return model.layers * perLayer;
}


/** APT's config and counts (the method is described in apt.ts, which attaches it). */
export const aptInfo: MethodInfo<AptConfig> = {
  name: 'apt',
  title: 'APT',
  summary: 'Approximated prompt tuning: per layer, p prompt rows added beside the attention through a ReLU-gated aggregation, no softmax over prompts.',
  schema: aptSchema,
  defaults: { length: 16, r: 4, variant: 'low-rank', decoder: false },
  trainableParams: (model, task, config) => ({ method: promptBlocks(model, config.decoder).length * aptParamsPerLayer(model.hidden, config), head: taskHeadParams(model, task) }),
  // Each layer's prompts, projection and scale sit beside that layer's attention.
  paramPlacement: (model, task, config) => blocksPlacement(model, promptBlocks(model, config.decoder), { attention: aptParamsPerLayer(model.hidden, config), mlp: 0 }, taskHeadParams(model, task)),
  unsupportedReason: (model, _task, config) => decoderOptionProblem(model, config.decoder),
};
