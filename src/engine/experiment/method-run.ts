import { tf } from '../tf';
import { buildModel } from '../models/families';
import type { BackboneModel } from '../models/model';
import { methodByName } from '../methods/registry';
import { methodStoredBytes, type AttachedMethod, type TaskShape, type TrainableCount } from '../methods/types';
import { createTaskHead, type TaskHead } from '../train/task-head';
import { Trainer, type EvalMetrics, type StepMetrics, type TrainerState } from '../train/trainer';
import type { Rng } from '../data/rng';
import type { Batch } from '../data/types';
import type { ExperimentSpec, MethodSpec } from './spec';
import type { BaseCheckpoint } from './base-model';
import type { RunSummary, StepMemory } from './events';
import type { MethodName } from '../methods/types';

/** One run's part of a training checkpoint. */
export interface MethodRunState {
  runId: string;
  method: MethodName;
  wallMs: number;
  trainer: TrainerState;
}

/** One method being trained: its own model copy, attached method, task head and trainer. */
export class MethodRun {
  readonly model: BackboneModel;
  readonly method: AttachedMethod;
  readonly head: TaskHead;
  readonly trainer: Trainer;
  readonly trainable: TrainableCount;
  /** Bytes its adapter stores for the method's own tensors (see MethodDefinition.storedBytes). */
  readonly storedBytes: number;
  private wallMs = 0;
  private lastLoss: number | null = null;
  private lastEval: EvalMetrics | null = null;
  private loggedSteps: StepMetrics[] = [];
  private stepExtraBytes: number | null = null;
  private stepMemory: StepMemory | null = null;
  /** The step that ran under tf.profile: its time includes the profiler's per-kernel work. */
  private profiledStep: StepMetrics | null = null;

  constructor(
    readonly runId: string,
    readonly methodSpec: MethodSpec,
    base: BaseCheckpoint,
    task: TaskShape,
    spec: ExperimentSpec,
    rng: Rng,
  ) {
    const definition = methodByName(methodSpec.name);
    this.trainable = definition.trainableParams(base.shape, task, methodSpec.options);
    this.storedBytes = methodStoredBytes(definition, base.shape, task, methodSpec.options);
    const unsupported = definition.unsupportedReason?.(base.shape, task, methodSpec.options);
    if (unsupported) throw new Error(`${definition.title}: ${unsupported}`);
    this.model = buildModel(base.model, base.weights);
    this.model.checkpointing.policy = spec.memory.checkpoint;
    try {
      this.method = definition.attach(this.model, task, methodSpec.options, rng.fork(`method:${runId}`));
      // One head initialisation per seed, not per run: every method starts from the same model, so
      // at step 0 a method that is the identity at init (LoRA's B = 0) evaluates exactly as full
      // fine-tuning and head-only do, and later differences are the methods' own.
      this.head = createTaskHead(this.model, task, { trainsLmHead: this.method.trainsLmHead ?? false, rng: rng.fork('head') });
      this.trainer = new Trainer({
        model: this.model,
        method: this.method,
        head: this.head,
        learningRates: spec.optimizer.lr,
        optimizer: spec.optimizer,
        schedule: spec.schedule,
        totalSteps: spec.steps,
        trainable: this.trainable,
        seed: spec.seed,
      });
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  get methodName(): MethodName {
    return this.methodSpec.name;
  }

  get prefixLength(): number {
    return this.method.hooks.prefixLength ?? 0;
  }

  /**
   * One training step. With `measureMemory` (the runner asks on the last step only: profiling
   * records every kernel) it also records how many bytes the step allocates at its high point
   * beyond what was held before it: activations kept for the backward pass, gradients and
   * optimizer temporaries — where a shorter sequence (DePT vs PT) saves memory.
   */
  async step(batch: Batch, sync: boolean, measureMemory = false): Promise<StepMetrics | null> {
    const started = performance.now();
    let metrics: StepMetrics | null;
    if (measureMemory) {
      const before = tf.memory().numBytes;
      let kept = 0;
      let result: StepMetrics | null = null;
      this.trainer.forwardProbe = () => {
        kept = tf.memory().numBytes - before;
      };
      try {
        const profile = await tf.profile(async () => {
          result = await this.trainer.trainStep(batch, sync);
          return [];
        });
        metrics = result;
        this.profiledStep = metrics;
        this.stepExtraBytes = Math.max(0, profile.peakBytes - before);
        const { weights, trainable, optimizer } = this.trainer.held;
        this.stepMemory = { weights, trainable, optimizer, gradients: trainable, activations: Math.max(0, this.stepExtraBytes - trainable), keptActivations: Math.max(0, kept) };
      } finally {
        this.trainer.forwardProbe = null;
      }
    } else {
      metrics = await this.trainer.trainStep(batch, sync);
    }
    this.wallMs += performance.now() - started;
    if (metrics) {
      this.lastLoss = metrics.loss;
      this.loggedSteps.push(metrics);
    }
    return metrics;
  }

  async evaluate(batches: Iterable<Batch>): Promise<EvalMetrics> {
    const started = performance.now();
    this.lastEval = await this.trainer.evaluate(batches);
    this.wallMs += performance.now() - started;
    return this.lastEval;
  }

  summary(totalParams: number): RunSummary {
    // The first logged step includes kernel compilation / warm-up and the memory-profiled one the
    // profiler's bookkeeping: leave both out of the time means while other steps remain.
    const unprofiled = this.loggedSteps.filter((s) => s !== this.profiledStep);
    const steady = [unprofiled.slice(1), unprofiled, this.loggedSteps].find((steps) => steps.length > 0) ?? [];
    const mean = (f: (s: StepMetrics) => number) => (steady.length ? steady.reduce((a, s) => a + f(s), 0) / steady.length : null);
    return {
      runId: this.runId,
      method: this.methodName,
      trainable: this.trainable,
      storedBytes: this.storedBytes,
      totalParams,
      steps: this.trainer.step,
      finalTrainLoss: this.lastLoss,
      finalEval: this.lastEval,
      meanTokensPerSec: mean((s) => s.tokensPerSec),
      meanStepMs: mean((s) => s.stepMs),
      peakGpuBytes: this.loggedSteps.reduce((m, s) => Math.max(m, s.peakGpuBytes), 0),
      runBytes: this.loggedSteps.at(-1)?.runBytes ?? null,
      stepExtraBytes: this.stepExtraBytes,
      stepMemory: this.stepMemory,
      wallMs: this.wallMs,
    };
  }

  /** This run's share of a checkpoint: the trainer's state and the time spent so far. */
  async exportState(): Promise<MethodRunState> {
    return { runId: this.runId, method: this.methodName, wallMs: this.wallMs, trainer: await this.trainer.exportState() };
  }

  restoreState(state: MethodRunState): void {
    const owner = `run ${this.runId}`;
    if (state.runId !== this.runId || state.method !== this.methodName) {
      throw new Error(`${owner}: the checkpoint holds run ${state.runId} (${state.method}) in its place`);
    }
    this.trainer.restoreState(state.trainer, owner);
    this.wallMs = state.wallMs;
  }

  dispose(): void {
    // Any of these may be missing if construction failed part-way.
    this.trainer?.dispose();
    this.head?.dispose();
    this.method?.dispose();
    this.model?.dispose();
  }
}
