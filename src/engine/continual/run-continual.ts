import { createRng } from '../data/rng';
import { taskById } from '../data/tasks';
import { buildModel } from '../models/families';
import { methodByName } from '../methods/registry';
import type { BaseCheckpoint } from '../experiment/base-model';
import type { RunEvent } from '../experiment/events';
import type { RunControl, RunnerEnv } from '../experiment/runner';
import type { ExperimentSpec } from '../experiment/spec';
import { sequenceFitProblems } from '../experiment/fit';
import { DynamicLearner } from './dynamic-learner';
import type { ContinualSummary, TaskResult } from './events';
import { streamTaskShape, type Learner, type LearnerContext } from './learner';
import { continualTrainableParams, strategyMethodProblem } from './params';
import type { StrategyName } from './settings';
import { SingleModuleLearner } from './single-module-learner';
import { buildTaskStream, type TaskStream } from './streams';

/**
 * Runs a task stream: every strategy of `spec.continual` on its own copy of the model, task by
 * task (all strategies learn task k, are evaluated on tasks 0…k, then task k+1 begins), emitting
 * one row of each strategy's accuracy matrix as soon as it is known.
 */
export async function runContinual(spec: ExperimentSpec, env: RunnerEnv, base: BaseCheckpoint, emit: (event: RunEvent) => void, control: RunControl): Promise<ContinualSummary[]> {
  const info = taskById(spec.task);
  if (spec.methods.length !== 1) {
    throw new Error(`task "${spec.task}" is a task stream: each strategy trains one PET method, so spec.methods must list exactly one (it lists ${spec.methods.length})`);
  }
  const method = spec.methods[0];
  const settings = spec.continual;
  for (const strategy of settings.strategies) {
    const problem = strategyMethodProblem(strategy, method);
    if (problem) throw new Error(problem);
  }

  emit({ type: 'progress', stage: 'data', message: `preparing the ${info.id} stream`, fraction: null });
  const stream = buildTaskStream(info, await env.readDataFile(info.datasetFile), base, spec.seqLen, spec.seed);
  const fitProblems = sequenceFitProblems({ methods: spec.methods, seqLen: stream.inputLength }, base.shape.maxPositions);
  if (fitProblems.length > 0) throw new Error(fitProblems.join('; '));
  const taskShape = streamTaskShape(stream);
  const unsupported = methodByName(method.name).unsupportedReason?.(base.shape, taskShape, method.options);
  if (unsupported) throw new Error(`${methodByName(method.name).title}: ${unsupported}`);
  const classesPerTask = stream.tasks.map((t) => t.info.classes.length);
  const trainableAfter = (strategy: StrategyName, task: number) => continualTrainableParams(strategy, base.shape, taskShape, method, classesPerTask, task);

  const rng = createRng(spec.seed);
  const runs: { runId: string; learner: Learner; results: TaskResult[]; wallMs: number }[] = [];
  try {
    settings.strategies.forEach((strategy, i) => {
      emit({ type: 'progress', stage: 'setup', message: `setting up ${strategy}`, fraction: i / settings.strategies.length });
      const runId = `${i}:${strategy}`;
      runs.push({ runId, learner: createLearner(strategy, runId, spec, stream, base, rng, control, emit), results: [], wallMs: 0 });
    });
    emit({
      type: 'continual-start',
      stream: stream.info,
      runs: runs.map((r) => ({ runId: r.runId, strategy: r.learner.strategy, method: method.name, trainable: trainableAfter(r.learner.strategy, stream.tasks.length - 1) })),
    });

    for (let task = 0; task < stream.tasks.length; task++) {
      for (const run of runs) {
        await control.waitWhilePaused();
        if (control.stopped()) break;
        if (task === 0) emit({ type: 'progress', stage: 'warmup', message: `${run.runId}: first task (compiling kernels)`, fraction: null });
        const started = performance.now();
        const training = await run.learner.learnTask(task);
        const trainMs = performance.now() - started;
        const counted = run.learner.trainableElements();
        const declared = trainableAfter(run.learner.strategy, task);
        if (counted !== declared) throw new Error(`${run.runId}: the continual parameter formula says ${declared} after task ${task}, but ${counted} elements train`);
        const evalStarted = performance.now();
        const scores = await evaluateSeen(run.learner, stream, task, settings.evalExamplesPerTask);
        const evalMs = performance.now() - evalStarted;
        run.wallMs += trainMs + evalMs;
        const result: TaskResult = {
          task,
          ...scores,
          batches: training.batches,
          examples: training.examples,
          computedExamples: training.computedExamples,
          trainMs,
          evalMs,
          loss: training.loss,
          cache: run.learner.cache ? run.learner.cache.stats() : null,
          trainable: counted,
        };
        run.results.push(result);
        emit({ type: 'continual-task', runId: run.runId, result });
      }
      if (control.stopped()) break;
    }
    const summaries = runs.map((run) => summarize(run.runId, run.learner, method.name, run.results, trainableAfter(run.learner.strategy, stream.tasks.length - 1), run.wallMs));
    for (const summary of summaries) emit({ type: 'continual-end', runId: summary.runId, summary });
    return summaries;
  } finally {
    for (const run of runs) run.learner.dispose();
  }
}

function createLearner(
  strategy: StrategyName,
  runId: string,
  spec: ExperimentSpec,
  stream: TaskStream,
  base: BaseCheckpoint,
  rng: ReturnType<typeof createRng>,
  control: RunControl,
  emit: (event: RunEvent) => void,
): Learner {
  const model = buildModel(base.model, base.weights);
  const ctx: LearnerContext = {
    stream,
    settings: spec.continual,
    spec,
    method: spec.methods[0],
    base,
    model,
    // Each strategy draws from its own fork of the seed: adding a strategy changes no other's batches.
    rng: rng.fork(`strategy:${strategy}`),
    control,
    onLoss: (task, batch, batches, loss, phase) => emit({ type: 'continual-batch', runId, task, batch, batches, loss, phase }),
    onPhase: (message, fraction) => emit({ type: 'progress', stage: 'memory', message: `${runId}: ${message}`, fraction }),
  };
  try {
    const learner = strategy === 'dynamic' || strategy === 'limitless' ? new DynamicLearner(strategy, ctx) : new SingleModuleLearner(strategy, ctx);
    return withModel(learner, () => model.dispose());
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The learner, disposing its model copy after itself. */
function withModel(learner: Learner, disposeModel: () => void): Learner {
  const dispose = learner.dispose.bind(learner);
  learner.dispose = () => {
    dispose();
    disposeModel();
  };
  return learner;
}

/** Accuracy on each seen task (capped test sets), over every class seen; whole and average. */
export async function evaluateSeen(learner: Learner, stream: TaskStream, lastTask: number, cap: number): Promise<{ accuracies: number[]; wholeAccuracy: number; averageAccuracy: number }> {
  const sets = stream.tasks.slice(0, lastTask + 1).map((t) => (cap > 0 ? t.test.slice(0, cap) : t.test));
  const predicted = await learner.predict(sets.flat(), lastTask);
  let at = 0;
  let correctAll = 0;
  const accuracies = sets.map((set) => {
    let correct = 0;
    for (const example of set) if (predicted[at++] === example.label) correct++;
    correctAll += correct;
    return correct / set.length;
  });
  return {
    accuracies,
    wholeAccuracy: correctAll / sets.reduce((n, s) => n + s.length, 0),
    averageAccuracy: accuracies.reduce((a, b) => a + b, 0) / accuracies.length,
  };
}

function summarize(runId: string, learner: Learner, method: ContinualSummary['method'], results: TaskResult[], trainable: number, wallMs: number): ContinualSummary {
  const first = results[0];
  const last = results.at(-1);
  const cache = last?.cache ?? null;
  return {
    runId,
    strategy: learner.strategy,
    method,
    matrix: results.map((r) => r.accuracies),
    wholeAccuracy: results.map((r) => r.wholeAccuracy),
    averageAccuracy: results.map((r) => r.averageAccuracy),
    batchesPerTask: results.map((r) => r.batches),
    trainMsPerTask: results.map((r) => r.trainMs),
    lastOverFirstBatches: first && last ? last.batches / first.batches : NaN,
    lastOverFirstMs: first && last ? last.trainMs / first.trainMs : NaN,
    cacheHitRate: cache && cache.hits + cache.misses > 0 ? cache.hits / (cache.hits + cache.misses) : cache ? 0 : null,
    cache,
    trainable,
    wallMs,
  };
}
