import { tf } from '../tf';
import type { BackboneModel } from '../models/model';
import type { AttachedMethod, TrainableCount } from '../methods/types';
import type { Batch } from '../data/types';
import type { TaskHead } from './task-head';
import { batchToTensors, disposeBatch, type AnyBatchTensors } from './batch-tensors';
import { GroupedAdam, lrFactorAt, type AdamState, type OptimizerSettings, type ScheduleSettings } from './optimizer';
import { backendBytes } from '../backend';

/**
 * What a run holds between steps, by part (float32 bytes): the frozen base weights of its own
 * model copy, its trainable tensors (method, head, or the whole model for full fine-tuning) and
 * Adam's m and v for them. A step adds gradients (one per trainable element) and activations.
 */
export interface HeldBytes {
  weights: number;
  trainable: number;
  optimizer: number;
}

function heldBytes(options: TrainerOptions, trainableElements: number): HeldBytes {
  const variables = new Set<tf.Variable>(options.model.namedVariables().map(([, v]) => v));
  for (const group of options.method.paramGroups) for (const v of group.variables) variables.add(v);
  for (const v of options.head.variables) variables.add(v);
  let elements = 0;
  for (const v of variables) elements += v.size;
  return { weights: 4 * (elements - trainableElements), trainable: 4 * trainableElements, optimizer: 8 * trainableElements };
}

/** One logged training step. */
export interface StepMetrics {
  step: number;
  loss: number;
  /** Mean over the steps since the last log. */
  stepMs: number;
  tokensPerSec: number;
  lrFactor: number;
  gradNorm: number;
  /** Bytes tfjs holds now, and the most seen so far in this run. */
  gpuBytes: number;
  peakGpuBytes: number;
  /**
   * Bytes of the tensors this run owns: its copy of the base weights, its trainable tensors and
   * their Adam state (2 per trainable element). Runs share one device, so `gpuBytes` cannot tell
   * them apart; this can, and it is where parameter-efficient methods save memory.
   */
  runBytes: number;
  trainableParams: number;
}

export interface EvalMetrics {
  step: number;
  loss: number;
  /** e^loss for language modelling. */
  perplexity: number | null;
  accuracy: number | null;
  /** Loss terms (tokens or examples) the numbers are over. */
  count: number;
  /**
   * Examples the accuracy is over (classification: `count`; text-to-text: examples, while `count`
   * is target tokens; language modelling: windows). Absent in runs exported before it existed.
   */
  examples?: number;
}

/** What a trainer needs to continue exactly: the optimizer's state and the step index (LR schedule, dropout seed). */
export interface TrainerState {
  stepIndex: number;
  peakBytes: number;
  optimizer: AdamState;
}

export interface TrainerOptions {
  model: BackboneModel;
  method: AttachedMethod;
  head: TaskHead;
  /** LR per group name; every group of the method (and "head") must have one. */
  learningRates: Record<string, number>;
  optimizer: OptimizerSettings;
  schedule: ScheduleSettings;
  totalSteps: number;
  trainable: TrainableCount;
  /** Seeds per-step dropout. */
  seed: number;
}

/**
 * Trains one attached method, one step at a time, so that several runs can alternate. The
 * step is `tf.variableGrads` on exactly the method's and head's variables (the base stays
 * frozen because it is not in the list), then the grouped Adam update; everything else is
 * disposed in the step, so the tensor count stays constant (tested).
 */
export class Trainer {
  readonly optimizer: GroupedAdam;
  private stepIndex = 0;
  private peakBytes = 0;
  private pendingMs = 0;
  private pendingTokens = 0;
  private pendingSteps = 0;
  private readonly runBytes: number;
  /** The run's held bytes by part (see HeldBytes). */
  readonly held: HeldBytes;
  /**
   * Benchmarks only (src/engine/bench/step-probe.ts): called inside tf.variableGrads right after
   * the loss is computed — the end of the forward pass, while what backward needs is alive.
   * Null in training: one property check per step, no sync.
   */
  forwardProbe: (() => void) | null = null;

  constructor(private readonly options: TrainerOptions) {
    const groups = [...options.method.paramGroups, { name: 'head', variables: options.head.variables }]
      .filter((g) => g.variables.length > 0)
      .map((g) => {
        const lr = options.learningRates[g.name];
        if (lr === undefined) throw new Error(`no learning rate for parameter group "${g.name}"`);
        return { name: g.name, variables: g.variables, lr };
      });
    // Checked before the optimizer allocates its moments, so a throw leaves nothing behind.
    const counted = groups.reduce((n, g) => n + g.variables.reduce((k, v) => k + v.size, 0), 0);
    const declared = options.trainable.method + options.trainable.head;
    if (counted !== declared) {
      throw new Error(`trainable parameter formula says ${declared}, but ${counted} elements train: the method's formula is wrong`);
    }
    this.optimizer = new GroupedAdam(groups, options.optimizer);
    this.held = heldBytes(options, counted);
    this.runBytes = this.held.weights + this.held.trainable + this.held.optimizer;
  }

  get step(): number {
    return this.stepIndex;
  }

  get done(): boolean {
    return this.stepIndex >= this.options.totalSteps;
  }

  private lossOf(batch: AnyBatchTensors, dropoutSeed: number | null): tf.Scalar {
    return this.options.head.loss(batch, this.options.method.hooks, dropoutSeed);
  }

  /** Images count as their patch tokens, so tokens/s compares across models. */
  private upload(batch: Batch): AnyBatchTensors {
    return batchToTensors(batch, this.options.head.task.seqLen);
  }

  /**
   * One optimisation step. With `sync`, waits for the GPU and returns metrics (the mean time of
   * the steps since the last synced one); without, queues the work and returns null.
   */
  async trainStep(batch: Batch, sync: boolean): Promise<StepMetrics | null> {
    const started = performance.now();
    const tensors = this.upload(batch);
    const lrFactor = lrFactorAt(this.stepIndex, this.options.totalSteps, this.options.schedule);
    const dropoutSeed = (this.options.seed * 7919 + this.stepIndex) % 2147483647;
    const vars = this.optimizer.variables;
    let value: tf.Scalar;
    let gradNorm: tf.Scalar;
    try {
      const result = tf.variableGrads(() => {
        const loss = this.lossOf(tensors, dropoutSeed);
        this.forwardProbe?.();
        return loss;
      }, vars);
      value = result.value;
      try {
        gradNorm = this.optimizer.apply(result.grads, lrFactor);
      } finally {
        tf.dispose(result.grads);
      }
    } finally {
      disposeBatch(tensors);
    }
    this.stepIndex++;
    this.pendingSteps++;
    this.pendingTokens += tensors.realTokens;
    if (!sync) {
      value.dispose();
      gradNorm.dispose();
      this.pendingMs += performance.now() - started;
      return null;
    }
    const [loss, norm] = await Promise.all([value.data(), gradNorm.data()]);
    value.dispose();
    gradNorm.dispose();
    this.pendingMs += performance.now() - started;
    const bytes = backendBytes();
    this.peakBytes = Math.max(this.peakBytes, bytes);
    const metrics: StepMetrics = {
      step: this.stepIndex,
      loss: loss[0],
      stepMs: this.pendingMs / this.pendingSteps,
      tokensPerSec: (this.pendingTokens / this.pendingMs) * 1000,
      lrFactor,
      gradNorm: norm[0],
      gpuBytes: bytes,
      peakGpuBytes: this.peakBytes,
      runBytes: this.runBytes,
      trainableParams: this.options.trainable.method + this.options.trainable.head,
    };
    this.pendingMs = 0;
    this.pendingTokens = 0;
    this.pendingSteps = 0;
    return metrics;
  }

  async exportState(): Promise<TrainerState> {
    return { stepIndex: this.stepIndex, peakBytes: this.peakBytes, optimizer: await this.optimizer.exportState() };
  }

  /** Restores a state from `exportState` (validated by the optimizer first); `owner` names the run in errors. */
  restoreState(state: TrainerState, owner: string): void {
    if (!Number.isInteger(state.stepIndex) || state.stepIndex < 0 || state.stepIndex > this.options.totalSteps) {
      throw new Error(`${owner}: checkpoint step ${state.stepIndex} is outside 0…${this.options.totalSteps}`);
    }
    this.optimizer.restoreState(state.optimizer, owner);
    this.stepIndex = state.stepIndex;
    this.peakBytes = state.peakBytes;
    this.pendingMs = 0;
    this.pendingTokens = 0;
    this.pendingSteps = 0;
  }

  /** Loss (and accuracy or perplexity) over the given batches, no dropout, no gradients. */
  async evaluate(batches: Iterable<Batch>): Promise<EvalMetrics> {
    const { method, head } = this.options;
    let lossSum = 0;
    let count = 0;
    let examples = 0;
    let correct = 0;
    let hasAccuracy = false;
    for (const batch of batches) {
      const tensors = this.upload(batch);
      let result: ReturnType<TaskHead['evaluate']>;
      try {
        result = head.evaluate(tensors, method.hooks);
      } finally {
        disposeBatch(tensors);
      }
      lossSum += (await result.lossSum.data())[0];
      result.lossSum.dispose();
      count += result.count;
      examples += result.examples ?? result.count;
      if (result.correct) {
        hasAccuracy = true;
        correct += (await result.correct.data())[0];
        result.correct.dispose();
      }
    }
    const loss = count > 0 ? lossSum / count : NaN;
    return {
      step: this.stepIndex,
      loss,
      perplexity: head.task.kind === 'lm' ? Math.exp(loss) : null,
      accuracy: hasAccuracy ? correct / examples : null,
      count,
      examples,
    };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
