import { z } from 'zod';
import type { LinearShape, ModelShape } from '../models/hooks';
import { taskHeadParams, type MethodInfo } from './types';
import { blockOfRole, emptyPlacement, placementRow } from './param-placement-parts';

/** Roles LoRA (and NOLA) can target; q/k/v are the thirds of GPT-2's fused c_attn. */
export const LORA_TARGETS = ['q', 'k', 'v', 'attn_out', 'mlp_in', 'mlp_out'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/**
 * LoRA's targets: the roles, plus GPT-2's whole fused `c_attn` (PEFT's default GPT-2 target: one
 * pair A [r, d], B [3d, r] on the q/k/v matrix, not one per third). NOLA keeps to the roles.
 */
export const LORA_TARGET_OPTIONS = [...LORA_TARGETS, 'c_attn'] as const;
export type LoraTargetOption = (typeof LORA_TARGET_OPTIONS)[number];

export interface LoraConfig {
  /** Rank r. */
  r: number;
  /** lora_alpha: the update is scaled by alpha / r. */
  alpha: number;
  /** lora_dropout on the adapter's input. */
  dropout: number;
  targets: LoraTargetOption[];
}

export const loraSchema = z
  .object({
    r: z.number().int().min(1).max(1024),
    alpha: z.number().positive().max(1e4),
    dropout: z.number().min(0).max(0.9),
    targets: z
      .array(z.enum(LORA_TARGET_OPTIONS))
      .min(1)
      .refine((t) => new Set(t).size === t.length, 'targets must not repeat')
      // c_attn is q, k and v at once on GPT-2: a second pair on the same columns is ambiguous.
      .refine((t) => !t.includes('c_attn') || !t.some((x) => x === 'q' || x === 'k' || x === 'v'), 'targets c_attn (all of q, k, v) and q, k or v overlap; choose c_attn or the thirds'),
  })
  .strict();

/**
 * (in, out) of every adapted matrix of the model, with its block. Targets match roles wherever
 * they occur, as PEFT's target_modules do: on T5 "q" adapts the encoder's and decoder's
 * self-attention and the decoder's cross-attention.
 */
export function loraTargetShapes(model: ModelShape, targets: readonly LoraTargetOption[]): Array<{ linear: LinearShape; role: LoraTargetOption; inF: number; outF: number }> {
  const out: Array<{ linear: LinearShape; role: LoraTargetOption; inF: number; outF: number }> = [];
  for (const linear of model.linears) {
    if (linear.fusedRoles && targets.includes('c_attn')) {
      out.push({ linear, role: 'c_attn', inF: linear.inFeatures, outF: linear.outFeatures });
    } else if (linear.fusedRoles) {
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
    for (const t of loraTargetShapes(model, config.targets)) placement.layers[placementRow(model, t.linear.stack, t.linear.layer)][blockOfRole(t.role === 'c_attn' ? 'qkv' : t.role)] += config.r * (t.inF + t.outF);
    return placement;
  },
  unsupportedReason: (model, _task, config) => cAttnProblem(model, config.targets),
};

/** Why target c_attn does not apply (only GPT-2 fuses q, k, v into one c_attn), or null. */
export function cAttnProblem(model: Pick<ModelShape, 'linears' | 'family'>, targets: readonly LoraTargetOption[]): string | null {
  if (!targets.includes('c_attn') || model.linears.some((l) => l.fusedRoles)) return null;
  return `target c_attn is GPT-2's fused q/k/v projection; a ${model.family === 'vit' ? 'ViT' : model.family === 't5' ? 'T5' : model.family} model has separate q, k, v: use those targets`;
}
