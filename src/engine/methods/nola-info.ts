import { z } from 'zod';
import { nolaTargetId, type NolaRole } from '../kernels/nola-prng';
import type { LinearShape, ModelShape } from '../models/hooks';
import { taskHeadParams, type MethodInfo } from './types';
import { blockOfRole, emptyPlacement, placementRow } from './param-placement-parts';
import { LORA_TARGETS, type LoraTarget } from './lora-info';
import { decodeNolaAdapter, fromBase64Url, nolaEncodedBytes } from './nola-adapter-format';

/**
 * NOLA's config, its exact counts and the adapted matrices' shapes (the method itself is
 * described in nola.ts, which attaches it). Trainable per adapted matrix: k + l coefficients.
 */

export interface NolaConfig {
  /** Number of A bases. */
  k: number;
  /** Number of B bases. */
  l: number;
  /** Rank of A and B. */
  r: number;
  /** Scale c: ΔW = (c/r)·A·B (paper: 1 for GPT-2, 4 for LLaMA-2). */
  c: number;
  /** Seed of the bases (and A0): an adapter is this seed plus α, β. */
  seed: number;
  /** One basis set per role for all layers (paper Table 2) instead of one per layer. */
  shared: boolean;
  /** Quantization-aware training of α, β at this many bits; "none": float coefficients. */
  quantBits: 'none' | '8' | '4' | '3';
  targets: LoraTarget[];
  /**
   * Trained coefficients to start from, as the compact encoding (encodeNolaAdapter) in base64url;
   * "" = α = β = 0. This is how a share link carries a trained adapter: the link codec writes it
   * as the option `nola.adapter`, and attaching loads it, so the trained model is there at step 0.
   */
  adapter: string;
}

/** Longest `adapter` option (base64url characters): well inside a link's 4,096 characters. */
export const MAX_NOLA_ADAPTER_CHARS = 3500;

export const nolaSchema = z
  .object({
    k: z.number().int().min(1).max(65_535),
    l: z.number().int().min(1).max(65_535),
    r: z.number().int().min(1).max(256),
    c: z.number().positive().max(1e4),
    seed: z.number().int().min(0).max(0xffff_ffff),
    shared: z.boolean(),
    quantBits: z.enum(['none', '8', '4', '3']),
    targets: z.array(z.enum(LORA_TARGETS)).min(1).refine((t) => new Set(t).size === t.length, 'targets must not repeat'),
    // Checked whole here (characters, length, header, checksum); against the other options and
    // the model when attaching.
    adapter: z
      .string()
      .max(MAX_NOLA_ADAPTER_CHARS)
      .superRefine((text, ctx) => {
        if (text === '') return;
        try {
          decodeNolaAdapter(fromBase64Url(text));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        }
      }),
  })
  .strict();

/**
 * Defaults sized for the built-in tiny-gpt2 (d = 128, 4 layers): rank 8 as in the paper's GPT-2
 * runs, and k = l = 100 instead of the paper's 1000. The paper's point is NOLA below LoRA r=1:
 * on GPT-2 L (QV) 144K vs 184K = 0.78×. A LoRA r=1 matrix of tiny-gpt2 has 2·128 = 256 entries,
 * so k + l = 200 keeps that ratio exactly (1,600 vs 2,048 on q, v); 1000 bases would exceed
 * the 1024 entries of A itself.
 */
export const NOLA_DEFAULTS: NolaConfig = { k: 100, l: 100, r: 8, c: 1, seed: 0, shared: false, quantBits: 'none', targets: ['q', 'v'], adapter: '' };

/** Tensor names: PEFT's module path, the role (which third of c_attn), the coefficient. */
export function nolaTensorName(site: { modulePath: string }, role: string, which: 'alpha' | 'beta'): string {
  return `base_model.model.${site.modulePath}.${role}.nola_${which}`;
}

/** One adapted matrix as the model's shape implies it. */
export interface NolaTargetShape {
  linear: LinearShape;
  /** Placement row of its block (T5: encoder blocks first). */
  row: number;
  role: LoraTarget;
  inF: number;
  outF: number;
  /** PRNG target id of its bases (see nolaTargetIdOf). */
  targetId: number;
}

/**
 * The PRNG target id of an adapted matrix. The first linear of a role in a block gets
 * docs/nola-prng.md's `row·8 + role code` (GPT-2's ids, unchanged); a block's second linear of
 * the same role (T5's cross-attention q/k/v/o, the gated FFN's wi_1) sets bit 29, so every
 * matrix has its own bases. Shared bases are one set per role, as in the paper.
 */
function nolaTargetIdOf(role: LoraTarget, row: number, second: boolean, shared: boolean): number {
  const id = nolaTargetId(role as NolaRole, row, shared);
  return second && !shared ? (0x20000000 | id) >>> 0 : id;
}

/** The adapted matrices' shapes from the model shape alone, in the adapter's canonical order. */
export function nolaTargetShapes(model: ModelShape, targets: readonly LoraTarget[], shared = false): NolaTargetShape[] {
  const out: NolaTargetShape[] = [];
  const seen = new Set<string>();
  for (const linear of model.linears) {
    const roles = linear.fusedRoles ?? [linear.role];
    const outF = linear.outFeatures / roles.length;
    const row = placementRow(model, linear.stack, linear.layer);
    for (const role of roles) {
      if (!(targets as readonly string[]).includes(role)) continue;
      const key = `${row}:${role}`;
      const second = seen.has(key);
      seen.add(key);
      out.push({ linear, row, role: role as LoraTarget, inF: linear.inFeatures, outF, targetId: nolaTargetIdOf(role as LoraTarget, row, second, shared) });
    }
  }
  return out;
}

/** NOLA's config and counts; attached in nola.ts. */
export const nolaInfo: MethodInfo<NolaConfig> = {
  name: 'nola',
  title: 'NOLA',
  summary: "LoRA's A and B as mixtures of frozen random bases regenerated from a seed; only the k + l mixing coefficients per matrix train.",
  schema: nolaSchema,
  defaults: NOLA_DEFAULTS,
  trainableParams(model, task, config) {
    return { method: nolaTargetShapes(model, config.targets).length * (config.k + config.l), head: taskHeadParams(model, task) };
  },
  paramPlacement(model, task, config) {
    // Shared bases are regenerated from a seed, never trained: only each matrix's k + l coefficients count.
    const placement = { ...emptyPlacement(model), head: taskHeadParams(model, task) };
    for (const t of nolaTargetShapes(model, config.targets)) placement.layers[t.row][blockOfRole(t.role)] += config.k + config.l;
    return placement;
  },
  // What the adapter is shared as: the compact encoding (seed + quantized α, β; the bases are
  // regenerated) at the bits of QAT, else 4-bit PTQ — what nolaAdapterText puts in a link.
  storedBytes: (model, _task, config) => nolaEncodedBytes(model, config, config.quantBits === 'none' ? 4 : (Number(config.quantBits) as 8 | 4 | 3)),
};
