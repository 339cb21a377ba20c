import { z } from 'zod';
import { tf } from '../tf';
import { matMul2d } from '../kernels/matmul';
import type { ModelShape } from '../models/hooks';
import type { HostTensor } from '../io/safetensors';
import { ownedVariable } from '../models/layers';
import type { Rng } from '../data/rng';
import { AdapterError, taskHeadParams, type AttachedMethod, type MethodDefinition, type ParamGroup } from './types';
import { assignAll, expectTensor, rejectUnknown, toHost } from './host';
import { emptyPlacement } from './param-placement-parts';
import { initialPromptRows, prependPrompt } from './prompt';
import { peftTaskType, vocabInitProblem } from './model-parts';

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

/**
 * Tensor names, as the authors' code saves them (their PEFT fork's `PROMPT_TUNING_LORA`,
 * peft/utils/save_and_load.py): `prompt_embeddings` [m, d], `prompt_encoder.lora_embedding_A`
 * [s, r], `prompt_encoder.lora_embedding_B` [r, d].
 */
export const DEPT_TENSORS = {
  prompt: 'prompt_embeddings',
  a: 'prompt_encoder.lora_embedding_A',
  b: 'prompt_encoder.lora_embedding_B',
} as const;

/**
 * A ~ N(0, σ²) with σ = 1/√(3r): the paper says "Gaussian, following Hu et al."; the authors'
 * code draws A by kaiming_uniform_(a=√5) on [s, r], i.e. U(±1/√r), whose std is 1/√(3r). We
 * keep the paper's Gaussian at the code's scale.
 */
function initialA(s: number, r: number, rng: Rng): tf.Tensor2D {
  const std = 1 / Math.sqrt(3 * r);
  return tf.tensor2d(Float32Array.from({ length: s * r }, () => rng.normal() * std), [s, r]);
}

interface DeptVariables {
  prompt: tf.Variable | null;
  a: tf.Variable | null;
  b: tf.Variable | null;
}

/** [B, T, d] token embeddings → [B, m + T, d]: A·B added to the first T positions, then P_s prepended. */
function applyDept(tokenEmbeds: tf.Tensor3D, vars: DeptVariables, s: number): tf.Tensor3D {
  const [, t, d] = tokenEmbeds.shape;
  if (t > s) throw new Error(`DePT's A has rows for s=${s} input positions; this input has ${t} tokens`);
  let x = tokenEmbeds;
  if (vars.a && vars.b) {
    const rows = t === s ? vars.a : tf.slice(vars.a, [0, 0], [t, -1]);
    const delta = matMul2d(rows as tf.Tensor2D, vars.b as tf.Tensor2D).reshape([1, t, d]);
    x = tf.add(x, delta);
  }
  if (vars.prompt) x = prependPrompt(vars.prompt as tf.Tensor2D, x);
  return x;
}

/**
 * Checks an adapter's A for the input length first: A·B is per position, so an adapter trained
 * at another s cannot be used, and the user should hear that rather than a shape mismatch.
 */
function checkInputLength(tensors: Map<string, HostTensor>, s: number): void {
  const a = tensors.get(DEPT_TENSORS.a);
  if (a && a.shape.length === 2 && a.shape[0] !== s) {
    throw new AdapterError(
      `DePT adapter was trained for inputs of s=${a.shape[0]} tokens; this run uses ${s} (A·B updates each input position, so set the sequence length to ${a.shape[0]})`,
    );
  }
}

export const deptMethod: MethodDefinition<DeptConfig> = {
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
  attach(model, task, config, rng): AttachedMethod {
    const d = model.shape.hidden;
    const s = task.seqLen;
    const { m, r } = deptPlan(model.shape, s, config);
    if (m + r === 0) throw new Error(`DePT with m=0 and r=0 (budget ${config.budget} at s=${s}, d=${d}) has nothing to train`);
    const vars: DeptVariables = {
      prompt: m > 0 ? ownedVariable(initialPromptRows(model, m, config.init, rng.fork('prompt-init')), true, 'dept/prompt_embeddings') : null,
      a: r > 0 ? ownedVariable(initialA(s, r, rng.fork('dept-lowrank-init')), true, 'dept/lora_embedding_A') : null,
      b: r > 0 ? ownedVariable(tf.zeros([r, d]), true, 'dept/lora_embedding_B') : null,
    };
    const groups: ParamGroup[] = [
      // "prompt" is PT's group: a PT-vs-DePT comparison uses the same prompt learning rate.
      { name: 'prompt', variables: vars.prompt ? [vars.prompt] : [] },
      { name: 'lowrank', variables: vars.a && vars.b ? [vars.a, vars.b] : [] },
    ];
    const hostOrEmpty = async (v: tf.Variable | null, shape: number[]): Promise<HostTensor> =>
      v ? toHost(v) : { dtype: 'F32', shape, data: new Float32Array(0) };
    return {
      hooks: { prefixLength: m, inputEmbeddings: (tokenEmbeds) => applyDept(tokenEmbeds, vars, s) },
      paramGroups: groups.filter((g) => g.variables.length > 0),
      async saveAdapter() {
        return {
          // The authors' PromptTuningLoRAConfig fields, so their code can read the file. Their
          // forward adds (lora_alpha/√r)·A·B; ours adds A·B, so lora_alpha = √r makes it 1.
          config: {
            peft_type: 'PROMPT_TUNING_LORA',
            task_type: peftTaskType(task.kind),
            num_virtual_tokens: m,
            token_dim: d,
            hidden_size: d,
            num_transformer_submodules: 1,
            num_attention_heads: model.shape.heads,
            num_layers: model.shape.stacks[model.shape.promptStack],
            r,
            lora_alpha: Math.sqrt(r),
            max_length: s,
            prompt_tuning_init: config.init === 'vocab' ? 'SAMPLE_VOCAB' : 'RANDOM',
            save_lora_embeddings: true,
            inference_mode: true,
          },
          // Empty tensors (m = 0 or r = 0) are still written: their loader expects all three names.
          tensors: new Map([
            [DEPT_TENSORS.prompt, await hostOrEmpty(vars.prompt, [0, d])],
            [DEPT_TENSORS.a, await hostOrEmpty(vars.a, [s, 0])],
            [DEPT_TENSORS.b, await hostOrEmpty(vars.b, [0, d])],
          ]),
        };
      },
      loadAdapter(files) {
        checkInputLength(files.tensors, s);
        rejectUnknown(files.tensors, new Set(Object.values(DEPT_TENSORS)));
        const prompt = expectTensor(files.tensors, DEPT_TENSORS.prompt, [m, d]);
        const a = expectTensor(files.tensors, DEPT_TENSORS.a, [s, r]);
        const b = expectTensor(files.tensors, DEPT_TENSORS.b, [r, d]);
        const assignments: Array<[tf.Variable, Float32Array]> = [];
        if (vars.prompt) assignments.push([vars.prompt, prompt]);
        if (vars.a && vars.b) assignments.push([vars.a, a], [vars.b, b]);
        assignAll(assignments);
      },
      dispose() {
        for (const v of [vars.prompt, vars.a, vars.b]) v?.dispose();
      },
    };
  },
};
