import { createRng } from '../data/rng';
import type { FileSource } from '../io/file-source';
import { loadBaseCheckpoint, type BaseCheckpoint } from './base-model';
import type { RunEvent, RunSummary } from './events';
import { MethodRun } from './method-run';
import { evalBatchCount, type ExperimentSpec } from './spec';
import { prepareTaskData, type TaskData } from './task-data';
import { sequenceFitProblems } from './fit';
import { taskById } from '../data/tasks';
import { runContinual } from '../continual/run-continual';
import { CheckpointKeeper, checkSnapshotFits, DEFAULT_CHECKPOINT_CADENCE, restoreSnapshot, type CheckpointCadence, type TrainingSnapshot } from './checkpoint-state';
import { classifyFault, faultMessage, TrainingFault } from './faults';
import { applyAdapterTensors } from '../methods/adapter-files';
import type { HostTensor } from '../io/safetensors';

/** What the runner needs from its host (page, worker or Node). */
export interface RunnerEnv {
  /** Resolves the spec's model (built-in id, folder or URL) to its files. */
  modelSource(model: string): FileSource;
  /** Reads and JSON-parses a dataset file (a name under public/data/). */
  readDataFile(file: string): Promise<unknown>;
}

/** Pause/stop from the UI; checked between steps. */
export interface RunControl {
  stopped(): boolean;
  /** Resolves when not paused. */
  waitWhilePaused(): Promise<void>;
  /** Whether a pause is requested (the runner checkpoints before it waits). */
  pauseRequested?(): boolean;
  /** A fault noticed outside the steps (the GPU device was lost): the runner stops stepping at once. */
  externalFault?(): TrainingFault | null;
  /**
   * Asked when a step throws an error that is not a recognised fault: whether the host sees a
   * fault behind it (a destroyed device fails the pending read before its `lost` promise settles).
   */
  diagnose?(error: unknown): Promise<TrainingFault | null>;
}

const NO_CONTROL: RunControl = { stopped: () => false, waitWhilePaused: async () => {} };

export interface RunnerExtras {
  /** An already loaded checkpoint (the CLI's `forward`, benchmarks) instead of `spec.model`. */
  preloaded?: BaseCheckpoint;
  /** Called with the trained runs before they are disposed (e.g. to save adapters). */
  afterTraining?: (runs: MethodRun[], taskData: TaskData, base: BaseCheckpoint) => Promise<void>;
  /**
   * Per method index: trained adapter tensors (as parseAdapterFiles returns them) loaded into that
   * run right after it is built, before the untrained evaluation: 0 steps evaluate an imported
   * adapter, more continue training from it. Checked whole before anything is assigned.
   */
  initialAdapters?: ReadonlyArray<Map<string, HostTensor> | null>;
  /**
   * Continue from a checkpoint of this same experiment (side-by-side runs only): its state is
   * restored, each batch stream skips the batches already trained on, training goes on at
   * `resume.step + 1`. Validated against the spec; a mismatch throws naming the run and tensor.
   */
  resume?: TrainingSnapshot;
  /** Receives checkpoints known to be good (see CheckpointKeeper), at `checkpointCadence`. */
  onCheckpoint?: (snapshot: TrainingSnapshot) => void;
  checkpointCadence?: Partial<CheckpointCadence>;
}

/**
 * Errors during training that are faults (out of memory, a lost device) become a TrainingFault
 * carrying the last good checkpoint's step; others pass through unchanged.
 */
function asTrainingFault(error: unknown, step: number, runId: string | null, checkpointStep: number | null): unknown {
  if (error instanceof TrainingFault) {
    // Faults noticed outside the steps (the device watch) do not know the step or run.
    const fault = new TrainingFault(error.kind, error.message, error.step || step, error.runId ?? runId);
    fault.checkpointStep = checkpointStep;
    return fault;
  }
  const kind = classifyFault(error);
  if (kind === null) return error;
  const fault = new TrainingFault(kind, faultMessage(kind, error instanceof Error ? error.message : String(error)), step, runId);
  fault.checkpointStep = checkpointStep;
  return fault;
}

/**
 * Runs an experiment: load the checkpoint and the task once, build one run per method, then
 * alternate single steps between the runs (run A step 1, run B step 1, …) so every curve
 * grows together and every run sees the same GPU state and the same batch sequence.
 */
export async function runExperiment(
  spec: ExperimentSpec,
  env: RunnerEnv,
  emit: (event: RunEvent) => void,
  control: RunControl = NO_CONTROL,
  extras: RunnerExtras = {},
): Promise<RunSummary[]> {
  const preloaded = extras.preloaded;
  emit({ type: 'progress', stage: 'model', message: `loading ${spec.model}`, fraction: 0 });
  const base =
    preloaded ??
    (await loadBaseCheckpoint(env.modelSource(spec.model), (p) =>
      emit({ type: 'progress', stage: 'model', message: `${p.file}: ${p.loadedBytes} bytes`, fraction: p.totalBytes ? p.loadedBytes / p.totalBytes : null }),
    ));
  // A task stream runs continual strategies instead of side-by-side methods (its own events).
  if (taskById(spec.task).stream) {
    if (extras.resume) throw new Error('task streams cannot be resumed from a checkpoint (only side-by-side runs)');
    await runContinual(spec, env, base, emit, control);
    return [];
  }
  emit({ type: 'progress', stage: 'data', message: `preparing ${spec.task}`, fraction: null });
  const data = await prepareTaskData(spec.task, env.readDataFile, base, spec.batchSize, spec.seqLen, spec.seed);
  const rng = createRng(spec.seed);

  const fitProblems = sequenceFitProblems({ ...spec, seqLen: data.shape.seqLen }, base.shape.maxPositions);
  if (fitProblems.length > 0) throw new Error(fitProblems.join('; '));

  const runs: MethodRun[] = [];
  try {
    spec.methods.forEach((m, i) => {
      emit({ type: 'progress', stage: 'setup', message: `attaching ${m.name}`, fraction: i / spec.methods.length });
      const runId = `${i}:${m.name}`;
      const run = new MethodRun(runId, m, base, data.shape, spec, rng);
      runs.push(run);
      const adapter = extras.initialAdapters?.[i];
      if (adapter) {
        try {
          applyAdapterTensors(run.method, run.head, adapter);
        } catch (error) {
          throw new Error(`the adapter for ${m.name} does not fit this model and task: ${(error as Error).message}`);
        }
      }
      emit({ type: 'run-start', runId, method: m.name, options: m.options, trainable: run.trainable, totalParams: base.shape.totalParams, seqLen: data.shape.seqLen + run.prefixLength });
    });
    // Same seed for every run's batch stream: the methods are compared on identical data.
    const batchers = runs.map(() => data.trainBatches(rng.fork('batches')));
    const validation = data.validationBatches(evalBatchCount(spec));
    const startStep = extras.resume?.step ?? 0;
    if (extras.resume) {
      checkSnapshotFits(extras.resume, spec);
      restoreSnapshot(runs, extras.resume);
      // The streams are seeded: replaying the batches already trained on (host-side) puts each at step k+1.
      for (const batcher of batchers) for (let k = 0; k < startStep; k++) batcher.next();
    }
    const keeper = new CheckpointKeeper(runs, extras.onCheckpoint, { ...DEFAULT_CHECKPOINT_CADENCE, ...extras.checkpointCadence }, startStep);

    // The untrained starting point, so validation curves begin where training begins; with no
    // steps to train (a link carrying a trained adapter), this evaluation is the whole run.
    if (!extras.resume && (spec.eval.every > 0 || spec.steps === 0)) {
      for (const run of runs) emit({ type: 'eval', runId: run.runId, ...(await run.evaluate(validation)) });
    }
    await keeper.takeInitial();
    let trained = startStep;
    for (let step = startStep; step < spec.steps; step++) {
      if (control.pauseRequested?.()) await keeper.takeNow(step);
      await control.waitWhilePaused();
      if (control.stopped()) break;
      if (step === startStep) emit({ type: 'progress', stage: 'warmup', message: 'first step (compiling kernels)', fraction: null });
      const logged = (step + 1) % spec.logEvery === 0 || step === startStep || step === spec.steps - 1 || keeper.wantsSync;
      let activeRun: string | null = null;
      try {
        for (let r = 0; r < runs.length; r++) {
          activeRun = runs[r].runId;
          const metrics = await runs[r].step(batchers[r].next(), logged, step === spec.steps - 1);
          const lost = control.externalFault?.();
          if (lost) throw lost;
          if (metrics && !Number.isFinite(metrics.loss)) {
            throw new TrainingFault('nan', faultMessage('nan', String(metrics.loss)), step + 1, runs[r].runId);
          }
          if (metrics) emit({ type: 'step', runId: runs[r].runId, ...metrics });
        }
        activeRun = null;
        trained = step + 1;
        if (logged) keeper.confirm(trained);
        const isLast = step === spec.steps - 1;
        if ((spec.eval.every > 0 && (step + 1) % spec.eval.every === 0) || isLast) {
          for (const run of runs) emit({ type: 'eval', runId: run.runId, ...(await run.evaluate(validation)) });
        }
        if (!isLast) await keeper.maybeTake(trained);
      } catch (error) {
        const seen = control.externalFault?.() ?? (error instanceof TrainingFault || classifyFault(error) ? null : await control.diagnose?.(error));
        throw asTrainingFault(seen ?? error, step + 1, activeRun, keeper.confirmedStep);
      }
    }
    // The state the run ends (or is stopped) in: what a resume or an adapter export starts from.
    await keeper.takeNow(trained);
    const summaries = runs.map((run) => run.summary(base.shape.totalParams));
    for (const summary of summaries) emit({ type: 'run-end', runId: summary.runId, summary });
    if (extras.afterTraining) await extras.afterTraining(runs, data, base);
    return summaries;
  } finally {
    for (const run of runs) run.dispose();
  }
}
