import { z } from 'zod';
import type { ModelShape } from '../models/hooks';
import { taskHeadParams, type MethodInfo } from './types';
import { emptyPlacement } from './param-placement-parts';
import { vocabInitProblem } from './model-parts';

/**
 * DePT, decomposed prompt tuning (Shi & Lipani 2023, arXiv 2309.05173): vanilla PT's P ∈ R^{l×d}
 * becomes a shorter prompt P_s ∈ R^{m×d} plus a low-rank pair A ∈ R^{s×r}, B ∈ R^{r×d} whose
 * product updates the frozen token embeddings position by position:
 *
 *   input = [P_s ; W_x + A·B]      (row i of A·B is added to the embedding of input token i)
 *
 * The sequence is m + s long instead of l + s, which is where the time and memory go. P_s and
 * (A, B) train with separate learning rates (parameter groups "prompt" and "lowrank").
 */

export interface DeptConfig {
  /** m: virtual tokens of the short prompt P_s (0 = no prompt, only the low-rank update). */
  length: number;
  /**
   * l: the vanilla PT length whose parameter count l·d to match; r is then derived as
   * (l − m)·d / (s + d), rounded to the nearest integer ≥ 0. null: use `r` as given.
   */
  budget: number | null;
  /** Rank of A·B when `budget` is null; ignored otherwise. */
  r: number;
  /** P_s initialisation, as PT's ("vocab": sampled vocabulary rows; "random": N(0, init²)). */
  init: 'vocab' | 'random';
}

export const deptSchema = z
  .object({
    length: z.number().int().min(0).max(512),
    budget: z.number().int().min(1).max(1024).nullable(),
    r: z.number().int().min(0).max(1024),
    init: z.enum(['vocab', 'random']),
  })
  .strict()
  .refine((c) => c.budget === null || c.budget >= c.length, {
    message: 'the PT budget l must be at least the prompt length m (r = (l − m)·d/(s + d) cannot be negative)',
    path: ['budget'],
  })
  .refine((c) => c.budget !== null || c.length + c.r > 0, { message: 'nothing would train: set the prompt length m or the rank r above 0', path: ['r'] });

/** What matching a PT budget gives: the rank, and how far the rounded count is from l·d. */
export interface DeptBudget {
  /** Rank used: the exact value rounded to the nearest integer ≥ 0. */
  r: number;
  /** (l − m)·d / (s + d) before rounding. */
  exactR: number;
  /** DePT's trainable count with that rank: m·d + (s + d)·r. */
  params: number;
  /** Vanilla PT's count l·d. */
  ptParams: number;
  /** params − ptParams: 0 exactly when exactR is an integer. */
  difference: number;
}

/** Budget matching, l·d = m·d + (s + d)·r, solved for r (paper §2.2). Pure: for the UI and the CLI. */
export function deptBudget(d: number, s: number, l: number, m: number): DeptBudget {
  const exactR = ((l - m) * d) / (s + d);
  const r = Math.max(0, Math.round(exactR));
  const params = m * d + (s + d) * r;
  const ptParams = l * d;
  return { r, exactR, params, ptParams, difference: params - ptParams };
}

/** Everything the UI shows for one DePT config on one model and input length. */
export interface DeptPlan {
  m: number;
  r: number;
  /** The input length s that A's rows cover (the task's seqLen). */
  s: number;
  /** Trainable elements of P_s, A and B. */
  params: number;
  /** Null when r was set directly (no budget). */
  budget: DeptBudget | null;
  /** Tokens the model runs on: m + s (PT at the budget would run on l + s). */
  sequenceLength: number;
}

export function deptPlan(model: Pick<ModelShape, 'hidden'>, seqLen: number, config: DeptConfig): DeptPlan {
  const d = model.hidden;
  const budget = config.budget === null ? null : deptBudget(d, seqLen, config.budget, config.length);
  const r = budget ? budget.r : config.r;
  return { m: config.length, r, s: seqLen, params: config.length * d + (seqLen + d) * r, budget, sequenceLength: config.length + seqLen };
}

/** The paper's sweep at a PT budget of l = 100 (§3.3, Fig. 3). */
export const DEPT_PAPER_LENGTHS: readonly number[] = [0, 20, 40, 60, 80];

/** One point of a budget-matched sweep; `fits`: m + s ≤ n_positions. */
export interface DeptSweepPoint extends DeptPlan {
  fits: boolean;
}

export interface DeptSweep {
  /** Vanilla PT at the budget: l·d params, l + s tokens. */
  pt: { l: number; params: number; sequenceLength: number; fits: boolean };
  points: DeptSweepPoint[];
}

/** PT at budget l and DePT at each m ≤ l, all sized for inputs of `seqLen` tokens (for the sweep UI). */
export function deptSweep(model: Pick<ModelShape, 'hidden' | 'maxPositions'>, seqLen: number, l: number, lengths: readonly number[] = DEPT_PAPER_LENGTHS): DeptSweep {
  const points = lengths
    .filter((m) => m <= l)
    .map((m) => {
      const plan = deptPlan(model, seqLen, { length: m, budget: l, r: 0, init: 'vocab' });
      return { ...plan, fits: model.maxPositions === null || plan.sequenceLength <= model.maxPositions };
    });
  return { pt: { l, params: l * model.hidden, sequenceLength: l + seqLen, fits: model.maxPositions === null || l + seqLen <= model.maxPositions }, points };
}

/** DePT's config, budget matching and counts; attached in dept.ts. */
export const deptInfo: MethodInfo<DeptConfig> = {
  name: 'dept',
  title: 'DePT',
  summary: 'A short prompt P_s plus a low-rank update A·B of the input embeddings, two learning rates; sized to match a PT budget.',
  schema: deptSchema,
  defaults: { length: 60, budget: 100, r: 30, init: 'vocab' },
  trainableParams: (model, task, config) => ({ method: deptPlan(model, task.seqLen, config).params, head: taskHeadParams(model, task) }),
  prefixLength: (config) => config.length,
  // Both parts act on the input embeddings: the short prompt and the update A·B of the tokens' rows.
  paramPlacement: (model, task, config) => ({ ...emptyPlacement(model), embeddings: deptPlan(model, task.seqLen, config).params, head: taskHeadParams(model, task) }),
  unsupportedReason: (model, _task, config) => (config.length > 0 ? vocabInitProblem(model, config.init) : null),
};
