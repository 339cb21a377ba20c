import { z } from 'zod';

/**
 * How a continual (class-incremental) experiment learns its task stream: the strategies run
 * side by side on the same stream, and the knobs of ConPET (papers/conpet-2309.14763) and its
 * baselines. Lives in `ExperimentSpec.continual`; only tasks that are streams read it.
 */

export const STRATEGY_NAMES = ['sequential', 'emr', 'static', 'dynamic', 'limitless'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export const STRATEGY_TITLES: Record<StrategyName, string> = {
  sequential: 'Sequential fine-tuning',
  emr: 'EMR (episodic memory replay)',
  static: 'Static ConPET',
  dynamic: 'Dynamic ConPET',
  limitless: 'Limitless (upper bound)',
};

export const STRATEGY_SUMMARIES: Record<StrategyName, string> = {
  sequential: 'One PET module trained on each new task alone: the lower bound, it forgets.',
  emr: 'One PET module; a fixed memory of examples per class (chosen by k-means on features) is replayed.',
  static: 'One PET module; all past data kept, replayed hierarchically at a fixed old:new ratio, with a batch limit per task.',
  dynamic: 'One PET module per task and a module selector; top-t modules active; frozen modules served from a logit cache.',
  limitless: 'Dynamic ConPET without the batch limit: every task trains over all data seen so far (cost grows).',
};

export const continualSettingsSchema = z
  .object({
    /** The strategies trained side by side (each its own copy of the model). */
    strategies: z
      .array(z.enum(STRATEGY_NAMES))
      .min(1)
      .max(STRATEGY_NAMES.length)
      .refine((list) => new Set(list).size === list.length, 'a strategy is listed twice'),
    /** The batch number limit per task (Dynamic ConPET's iter2: batches of the task module). */
    batchesPerTask: z.number().int().min(1).max(100_000),
    /** Dynamic ConPET's iter1: batches of the module selector per task. */
    selectorBatches: z.number().int().min(0).max(100_000),
    /** Modules active per example (the paper's t). */
    topT: z.number().int().min(1).max(16),
    /** Old examples per new example in a replay batch (the paper's 1:1 is 1). */
    oldPerNew: z.number().min(0).max(16),
    /** EMR: examples kept per class. */
    memoryPerClass: z.number().int().min(1).max(10_000),
    /** Limitless: passes over all data seen so far, per task. */
    limitlessEpochs: z.number().positive().max(100),
    /** The constant logit of inactive modules' classes (the paper's α). */
    lowLogit: z.number().min(-1e6).max(0),
    /** Serve frozen modules' logits from the cache keyed by (example id, module id). */
    cache: z.boolean(),
    /** Test examples per task evaluated after every task (0 = all). */
    evalExamplesPerTask: z.number().int().min(0).max(100_000),
  })
  .strict();

export type ContinualSettings = z.infer<typeof continualSettingsSchema>;

/** The paper's settings where they fit a tiny model in a browser (t = 1, 1:1, batch limit). */
export const DEFAULT_CONTINUAL: ContinualSettings = {
  strategies: ['sequential', 'emr', 'static', 'dynamic'],
  batchesPerTask: 40,
  selectorBatches: 20,
  topT: 1,
  oldPerNew: 1,
  memoryPerClass: 5,
  limitlessEpochs: 2,
  lowLogit: -1e4,
  cache: true,
  evalExamplesPerTask: 0,
};
