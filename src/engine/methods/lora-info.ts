import { z } from 'zod';
import type { LinearShape, ModelShape } from '../models/hooks';
import { taskHeadParams, type MethodInfo } from './types';
import { blockOfRole, emptyPlacement, placementRow } from './param-placement-parts';

/** Roles LoRA can target; q/k/v are the thirds of GPT-2's fused c_attn. */
export const LORA_TARGETS = ['q', 'k', 'v', 'attn_out', 'mlp_in', 'mlp_out'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraConfig {
  /** Rank r. */
  r: number;
  /** lora_alpha: the update is scaled by alpha / r. */
  alpha: number;
  /** lora_dropout on the adapter's input. */
  dropout: number;
  targets: LoraTarget[];
}

export const loraSchema = z
  .object({
    r: z.number().int().min(1).max(1024),
    alpha: z.number().positive().max(1e4),
    dropout: z.number().min(0).max(0.9),
    targets: z.array(z.enum(LORA_TARGETS)).min(1).refine((t) => new Set(t).size === t.length, 'targets must not repeat'),
  })
  .strict();

/**
 * (in, out) of every adapted matrix of the model, with its block. Targets match roles wherever
 * they occur, as PEFT's target_modules do: on T5 "q" adapts the encoder's and decoder's
 * self-attention and the decoder's cross-attention.
 */
export function loraTargetShapes(model: ModelShape, targets: readonly LoraTarget[]): Array<{ linear: LinearShape; role: LoraTarget; inF: number; outF: number }> {
  const out: Array<{ linear: LinearShape; role: LoraTarget; inF: number; outF: number }> = [];
  for (const linear of model.linears) {
    if (linear.fusedRoles) {
      const partSize = linear.outFeatures / linear.fusedRoles.length;
      for (const role of linear.fusedRoles) if ((targets as readonly string[]).includes(role)) out.push({ linear, role: role as LoraTarget, inF: linear.inFeatures, outF: partSize });
    } else if ((targets as readonly string[]).includes(linear.role)) {
      out.push({ linear, role: linear.role as LoraTarget, inF: linear.inFeatures, outF: linear.outFeatures });
    }
  }
  return out;
}

/**
 * LoRA (Hu et al. 2021) with Hugging Face PEFT's conventions: A Kaiming-uniform (a=√5, i.e.
 * U(±1/√in)), B zeros, update scaled by alpha/r, dropout on the adapter input only. Attached
 * in lora.ts.
 */
export const loraInfo: MethodInfo<LoraConfig> = {
  name: 'lora',
  title: 'LoRA',
  summary: 'A low-rank update (alpha/r)·B·A is added to each targeted weight; A, B train.',
  schema: loraSchema,
  defaults: { r: 8, alpha: 16, dropout: 0, targets: ['q', 'v'] },
  trainableParams(model, task, config) {
    const method = loraTargetShapes(model, config.targets).reduce((sum, t) => sum + config.r * (t.inF + t.outF), 0);
    return { method, head: taskHeadParams(model, task) };
  },
  paramPlacement(model, task, config) {
    const placement = { ...emptyPlacement(model), head: taskHeadParams(model, task) };
    for (const t of loraTargetShapes(model, config.targets)) placement.layers[placementRow(model, t.linear.stack, t.linear.layer)][blockOfRole(t.role)] += config.r * (t.inF + t.outF);
    return placement;
  },
};
