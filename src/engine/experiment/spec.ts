import { z } from 'zod';
import { METHOD_NAMES, resolveMethodConfig } from '../methods/catalog';
import type { MethodName } from '../methods/types';
import { continualSettingsSchema, DEFAULT_CONTINUAL } from '../continual/settings';

/**
 * An experiment: everything needed to replay a run, seed included. Versioned so that old
 * links keep meaning what they meant. Several methods in one spec are trained side by side on
 * the same data order, alternating step by step.
 */
export const SPEC_VERSION = 1;

export interface MethodSpec {
  name: MethodName;
  /** Method options; validated and completed by the method's own schema. */
  options: Record<string, unknown>;
}

const methodSpecSchema = z
  .object({
    name: z.enum(METHOD_NAMES as [MethodName, ...MethodName[]]),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** Learning rate per parameter group; groups a method does not have are ignored. */
const lrSchema = z
  .object({
    model: z.number().positive().max(10),
    head: z.number().positive().max(10),
    prompt: z.number().positive().max(10),
    lora: z.number().positive().max(10),
    /** DePT's A and B (its short prompt uses "prompt"). */
    lowrank: z.number().positive().max(10),
    /** NOLA's coefficients α, β. */
    nola: z.number().positive().max(10),
    /** APT's P', W1, W2, s (deep prompts use "prompt"). */
    apt: z.number().positive().max(10),
  })
  .strict();

export const experimentSpecSchema = z
  .object({
    version: z.literal(SPEC_VERSION),
    /** A built-in model id (e.g. "tiny-gpt2"), a folder or a URL in the HF layout. */
    model: z.string().min(1).max(500),
    task: z.string().min(1).max(64),
    methods: z.array(methodSpecSchema).min(1).max(8),
    optimizer: z
      .object({
        kind: z.enum(['adam', 'adamw']),
        lr: lrSchema,
        beta1: z.number().min(0).lt(1),
        beta2: z.number().min(0).lt(1),
        epsilon: z.number().positive().max(1),
        weightDecay: z.number().min(0).max(1),
        clipNorm: z.number().positive().nullable(),
      })
      .strict(),
    schedule: z
      .object({
        kind: z.enum(['constant', 'linear', 'cosine']),
        warmupSteps: z.number().int().min(0).max(100_000),
      })
      .strict(),
    /** Training steps; 0 = evaluate only (e.g. a link that carries a trained adapter). */
    steps: z.number().int().min(0).max(1_000_000),
    batchSize: z.number().int().min(1).max(512),
    seqLen: z.number().int().min(2).max(4096),
    seed: z.number().int().min(0).max(0xffffffff),
    eval: z
      .object({
        /** Evaluate every N steps (and at the end); 0 = only at the end. */
        every: z.number().int().min(0),
        /**
         * Cap on validation batches (of `batchSize` examples, or language-modelling windows) per
         * evaluation; "auto" (the default): enough batches for DEFAULT_EVAL_EXAMPLES, see evalBatchCount.
         */
        maxBatches: z.union([z.number().int().min(1).max(10_000), z.literal('auto')]),
      })
      .strict(),
    /** Report a step line every N steps. */
    logEvery: z.number().int().min(1),
    /** Task streams only (e.g. split-mnist): the strategies and ConPET's knobs; other tasks ignore it. */
    continual: continualSettingsSchema,
    memory: z
      .object({
        /**
         * Activation checkpointing: "blocks" keeps only each transformer block's input for the
         * backward and recomputes the block there (the same gradients, one more forward).
         */
        checkpoint: z.enum(['none', 'blocks']),
      })
      .strict(),
  })
  .strict();

export type ExperimentSpec = z.infer<typeof experimentSpecSchema>;

export const DEFAULT_SPEC: ExperimentSpec = {
  version: SPEC_VERSION,
  model: 'tiny-gpt2',
  task: 'spam',
  methods: [
    { name: 'full', options: {} },
    { name: 'prompt', options: {} },
    { name: 'lora', options: {} },
  ],
  optimizer: {
    kind: 'adamw',
    // Per group: frozen-base methods tolerate (and need) larger steps than full fine-tuning.
    // lowrank (DePT's A, B): the paper trains P_s at ≈3e-1 and A, B at 1e-4…5e-3 (50–3000×
    // smaller). Relative to our prompt 3e-2 that ratio would give ≤ 6e-4, which barely moves
    // A·B in a few-dozen-step run; 1e-3 (30× smaller) keeps the two rates clearly apart.
    // apt: 1e-2 (the paper raises the base LR 5×): tiny-gpt2 lm-spam, p=16, 30 steps: eval 6.31 → 5.46 (2e-3: → 6.21).
    // nola: the paper's GPT-2 rate 0.1 (tiny-gpt2 lm-spam, 30 steps: eval 6.31 → 5.64, LoRA r=1 → 5.84;
    // at 2e-2 only → 6.07): the coefficients scale whole random bases, so they move slowly.
    lr: { model: 3e-4, head: 2e-3, prompt: 3e-2, lora: 2e-3, lowrank: 1e-3, nola: 1e-1, apt: 1e-2 },
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: 0,
    clipNorm: 1,
  },
  schedule: { kind: 'linear', warmupSteps: 5 },
  steps: 60,
  batchSize: 8,
  seqLen: 64,
  seed: 42,
  eval: { every: 20, maxBatches: 'auto' },
  logEvery: 1,
  continual: DEFAULT_CONTINUAL,
  memory: { checkpoint: 'none' },
};

/**
 * Examples (classification) or windows (language modelling) a default evaluation covers, the whole
 * split when it is smaller: accuracies from a handful of examples (0% or 100% from 4) mislead.
 */
export const DEFAULT_EVAL_EXAMPLES = 64;

/** Validation batches an evaluation takes: the explicit cap, or enough for DEFAULT_EVAL_EXAMPLES. */
export function evalBatchCount(spec: Pick<ExperimentSpec, 'eval' | 'batchSize'>): number {
  const cap = spec.eval.maxBatches;
  return cap === 'auto' ? Math.ceil(DEFAULT_EVAL_EXAMPLES / spec.batchSize) : cap;
}

export class SpecError extends Error {
  override name = 'SpecError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merges a partial spec over the defaults (objects merge, arrays and scalars replace). */
function withDefaults(base: unknown, partial: unknown): unknown {
  if (!isRecord(base) || !isRecord(partial)) return partial === undefined ? base : partial;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(partial)) out[key] = withDefaults(base[key], value);
  return out;
}

/**
 * Validates a (possibly partial) spec, fills defaults, and validates each method's options
 * with its own schema. Errors name the field, e.g. `spec field "optimizer.lr.lora": …`.
 */
export function parseExperimentSpec(json: unknown): ExperimentSpec {
  if (!isRecord(json)) throw new SpecError('spec must be a JSON object');
  if (json.version !== undefined && json.version !== SPEC_VERSION) {
    throw new SpecError(`spec field "version": ${JSON.stringify(json.version)} is not supported (this build reads version ${SPEC_VERSION})`);
  }
  const parsed = experimentSpecSchema.safeParse(withDefaults(DEFAULT_SPEC, json));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SpecError(`spec field "${issue.path.join('.')}": ${issue.message}`);
  }
  const spec = parsed.data;
  spec.methods = spec.methods.map((m, i) => {
    try {
      return { name: m.name, options: resolveMethodConfig(m.name, m.options) as Record<string, unknown> };
    } catch (error) {
      throw new SpecError(`spec field "methods.${i}.options": ${(error as Error).message}`);
    }
  });
  return spec;
}
