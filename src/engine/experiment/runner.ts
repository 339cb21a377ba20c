import { createRng } from '../data/rng';
import type { FileSource } from '../io/file-source';
import { loadBaseCheckpoint, type BaseCheckpoint } from './base-model';
import type { RunEvent, RunSummary } from './events';
import { MethodRun } from './method-run';
import type { ExperimentSpec } from './spec';
import { prepareTaskData, type TaskData } from './task-data';
import { sequenceFitProblems } from './fit';
import { taskById } from '../data/tasks';
import { runContinual } from '../continual/run-continual';

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
}

const NO_CONTROL: RunControl = { stopped: () => false, waitWhilePaused: async () => {} };

export interface RunnerExtras {
  /** An already loaded checkpoint (the CLI's `forward`, benchmarks) instead of `spec.model`. */
  preloaded?: BaseCheckpoint;
  /** Called with the trained runs before they are disposed (e.g. to save adapters). */
  afterTraining?: (runs: MethodRun[], taskData: TaskData, base: BaseCheckpoint) => Promise<void>;
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
      emit({ type: 'run-start', runId, method: m.name, options: m.options, trainable: run.trainable, totalParams: base.shape.totalParams, seqLen: data.shape.seqLen + run.prefixLength });
    });
    // Same seed for every run's batch stream: the methods are compared on identical data.
    const batchers = runs.map(() => data.trainBatches(rng.fork('batches')));
    const validation = data.validationBatches(spec.eval.maxBatches);

    // The untrained starting point, so validation curves begin where training begins; with no
    // steps to train (a link carrying a trained adapter), this evaluation is the whole run.
    if (spec.eval.every > 0 || spec.steps === 0) {
      for (const run of runs) emit({ type: 'eval', runId: run.runId, ...(await run.evaluate(validation)) });
    }
    for (let step = 0; step < spec.steps; step++) {
      await control.waitWhilePaused();
      if (control.stopped()) break;
      if (step === 0) emit({ type: 'progress', stage: 'warmup', message: 'first step (compiling kernels)', fraction: null });
      const logged = (step + 1) % spec.logEvery === 0 || step === 0 || step === spec.steps - 1;
      for (let r = 0; r < runs.length; r++) {
        const metrics = await runs[r].step(batchers[r].next(), logged, step === spec.steps - 1);
        if (metrics) emit({ type: 'step', runId: runs[r].runId, ...metrics });
      }
      const isLast = step === spec.steps - 1;
      if ((spec.eval.every > 0 && (step + 1) % spec.eval.every === 0) || isLast) {
        for (const run of runs) emit({ type: 'eval', runId: run.runId, ...(await run.evaluate(validation)) });
      }
    }
    const summaries = runs.map((run) => run.summary(base.shape.totalParams));
    for (const summary of summaries) emit({ type: 'run-end', runId: summary.runId, summary });
    if (extras.afterTraining) await extras.afterTraining(runs, data, base);
    return summaries;
  } finally {
    for (const run of runs) run.dispose();
  }
}
