import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadModelShape } from '../engine/experiment/base-model';
import { MODEL_FAMILIES, type ModelConfig } from '../engine/models/families';
import { vitClassifierParams, vitParamCount, vitPatchGrid } from '../engine/models/vit-config';
import { methodByName, resolveMethodConfig } from '../engine/methods/registry';
import { isTaskId, taskById, taskFamilyProblem, TASKS, tasksForFamily, type TaskInfo } from '../engine/data/tasks';
import type { ExperimentSpec, MethodSpec } from '../engine/experiment/spec';
import type { ContinualSummary } from '../engine/continual/events';
import { continualTrainableParams, strategyMethodProblem } from '../engine/continual/params';
import { STRATEGY_NAMES } from '../engine/continual/settings';
import { streamTaskSizes } from '../engine/continual/streams';
import { builtInModel } from '../engine/experiment/built-in-models';
import { runExperiment } from '../engine/experiment/runner';
import { predictionEvents } from '../engine/experiment/prediction-events';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../engine/methods/adapter-files';
import { runAdapterFiles } from '../engine/experiment/run-adapter';
import type { TaskShape } from '../engine/methods/types';
import type { ModelShape } from '../engine/models/hooks';
import { deptPlan, type DeptConfig } from '../engine/methods/dept';
import { parseImageProcessorConfig } from '../engine/tokenize/image-processor';
import type { FileSource } from '../engine/io/file-source';
import { initNodeBackend, modelSource, nodeBackendOption, nodeRunnerEnv, readDataFile } from './node-env';
import { loadTaskShape } from '../engine/experiment/task-data';
import { UsageError, parseArgs, typedOptions } from './args';
import { readSpecArgument } from './spec-argument';
import { ContinualReporter } from './continual-report';

export { forwardCommand } from './forward';

type Print = (value: unknown) => void;

function requireModel(positionals: string[], usage: string): string {
  const model = positionals[0];
  if (!model) throw new UsageError(`missing <model>; usage: ${usage}`);
  return model;
}

/**
 * `info <model> [--backend wasm|webgpu|cpu]`: architecture, config and parameter count, from
 * config.json (and, for ViT, preprocessor_config.json). With `--backend` it also starts that
 * backend and reports it (for webgpu: the adapter and its buffer limits).
 */
export async function infoCommand(argv: string[], print: Print): Promise<void> {
  const { positionals, options } = parseArgs(argv);
  for (const key of options.keys()) if (key !== 'backend') throw new UsageError(`info has no option --${key}; its options: --backend`);
  const model = requireModel(positionals, 'info <model>');
  const backend = options.has('backend') ? await initNodeBackend(nodeBackendOption(options.get('backend'))) : undefined;
  const source = modelSource(model);
  const { model: config, shape } = await loadModelShape(source);
  const family = MODEL_FAMILIES[config.family];
  print({
    model,
    architecture: family.architectures[0],
    modelType: config.family,
    family: family.title,
    inputs: family.inputs,
    summary: await familySummary(config, source),
    tasks: tasksForFamily(config.family).map((t) => t.id),
    defaultTask: builtInModel(model)?.defaultTask ?? tasksForFamily(config.family)[0]?.id ?? null,
    config: config.config,
    shape: shapeSummary(shape),
    totalParams: shape.totalParams,
    ...(backend ? { backend } : {}),
  });
}

/** The numbers that describe a model of each family at a glance. */
async function familySummary(model: ModelConfig, source: FileSource): Promise<Record<string, unknown>> {
  switch (model.family) {
    case 'gpt2': {
      const c = model.config;
      return { layers: c.nLayer, hidden: c.nEmbd, heads: c.nHead, vocabSize: c.vocabSize, contextLength: c.nPositions };
    }
    case 'vit': {
      const c = model.config;
      const { side, patches } = vitPatchGrid(c);
      const bytes = await source.read('preprocessor_config.json');
      // Shown as parsed (defaults filled in); a bad file is reported here rather than at forward time.
      const preprocessor = bytes ? parseImageProcessorConfig(JSON.parse(new TextDecoder().decode(bytes))) : null;
      return {
        layers: c.layers,
        hidden: c.hidden,
        heads: c.heads,
        mlpHidden: c.intermediate,
        imageSize: c.imageSize,
        patchSize: c.patchSize,
        channels: c.channels,
        patchGrid: [side, side],
        // CLS + patches: what each image costs in tokens.
        tokensPerImage: patches + 1,
        numLabels: c.numLabels,
        labels: Array.from({ length: c.numLabels }, (_, i) => c.id2label[String(i)]),
        // totalParams counts the backbone (what methods train around); the checkpoint also holds
        // its own classifier, which `forward` without an adapter uses.
        classifierParams: vitClassifierParams(c),
        checkpointParams: vitParamCount(c),
        preprocessor,
      };
    }
    case 't5': {
      const c = model.config;
      return {
        encoderLayers: c.numLayers,
        decoderLayers: c.numDecoderLayers,
        dModel: c.dModel,
        dKv: c.dKv,
        dFf: c.dFf,
        heads: c.numHeads,
        vocabSize: c.vocabSize,
        feedForward: c.feedForwardProj,
        tiedEmbeddings: c.tieWordEmbeddings,
        relativeAttention: { buckets: c.relativeAttentionNumBuckets, maxDistance: c.relativeAttentionMaxDistance },
        tokens: { pad: c.padTokenId, eos: c.eosTokenId, decoderStart: c.decoderStartTokenId },
      };
    }
  }
}

/** The shape's headline numbers (its per-linear list is long). */
function shapeSummary(shape: ModelShape): Record<string, unknown> {
  const { linears, ...rest } = shape;
  return { ...rest, linearLayers: linears.length };
}

/** `params <model> --method <name> [--task <id>] [method options]`: exact counts, no weights loaded. */
export async function paramsCommand(argv: string[], print: Print): Promise<void> {
  const { positionals, options } = parseArgs(argv);
  const model = requireModel(positionals, 'params <model> --method <name> [--task <id>] [--<option> <value> …]');
  const methodName = options.get('method');
  if (typeof methodName !== 'string') throw new UsageError('params needs --method <name>');
  options.delete('method');
  const taskId = options.get('task');
  options.delete('task');
  const seqLenArg = options.get('seq-len') ?? '64';
  options.delete('seq-len');
  const seqLen = Number(seqLenArg);
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new UsageError(`--seq-len must be a positive integer, got "${seqLenArg}"`);
  const method = methodByName(methodName);
  const config = resolveMethodConfig(methodName, typedOptions(options, method.defaults as Record<string, unknown>, methodName));
  const { model: modelConfig, shape } = await loadModelShape(modelSource(model));
  // No --task: language modelling on GPT-2; ViT and T5 have no LM task, so their family's first one.
  const task: TaskShape = await paramsTask(typeof taskId === 'string' ? taskId : null, modelConfig, seqLen);
  const taskName = typeof taskId === 'string' ? taskId : modelConfig.family === 'gpt2' ? 'lm' : tasksForFamily(modelConfig.family)[0].id;
  const count = method.trainableParams(shape, task, config);
  print({
    model,
    method: methodName,
    options: config,
    task: taskName,
    taskKind: task.kind,
    seqLen: task.seqLen,
    trainable: count.method,
    head: count.head,
    total: shape.totalParams,
    trainablePercent: (100 * count.method) / shape.totalParams,
    unsupported: method.unsupportedReason?.(shape, task, config) ?? null,
    ...(methodName === 'dept' ? { dept: deptDetails(shape, task.seqLen, config as DeptConfig) } : {}),
    ...(typeof taskId === 'string' ? continualCounts(taskById(taskId), shape, task, { name: method.name, options: config as Record<string, unknown> }) : {}),
  });
}

/**
 * A task stream: each strategy's exact trainable count after the last task (modules, selector and
 * classifier rows), or why the strategy cannot use the method.
 */
function continualCounts(task: TaskInfo, shape: ModelShape, taskShape: TaskShape, method: MethodSpec): Record<string, unknown> {
  if (!task.stream) return {};
  const classesPerTask = streamTaskSizes(task.stream);
  const streamShape = { ...taskShape, numLabels: classesPerTask.reduce((a, b) => a + b, 0) };
  const strategies = Object.fromEntries(
    STRATEGY_NAMES.map((strategy) => [strategy, strategyMethodProblem(strategy, method) ?? continualTrainableParams(strategy, shape, streamShape, method, classesPerTask)]),
  );
  return { continual: { tasks: classesPerTask.length, classesPerTask, strategies } };
}

async function paramsTask(taskId: string | null, model: ModelConfig, seqLen: number): Promise<TaskShape> {
  if (taskId !== null) {
    // Unknown task or one the family does not run: the messages name the valid ones.
    if (!isTaskId(taskId)) throw new UsageError(`--task: unknown task "${taskId}"; valid tasks: ${TASKS.map((t) => t.id).join(', ')}`);
    const problem = taskFamilyProblem(taskById(taskId), model.family);
    if (problem) throw new UsageError(`--task: ${problem}`);
    return loadTaskShape(taskId, readDataFile, seqLen, model);
  }
  if (model.family === 'gpt2') return { kind: 'lm', numLabels: 0, seqLen };
  return loadTaskShape(tasksForFamily(model.family)[0].id, readDataFile, seqLen, model);
}

/** DePT's derived sizes: the rank, and how far the rounded count lands from the PT budget l·d. */
function deptDetails(shape: ModelShape, seqLen: number, config: DeptConfig): Record<string, unknown> {
  const plan = deptPlan(shape, seqLen, config);
  return {
    m: plan.m,
    r: plan.r,
    s: plan.s,
    d: shape.hidden,
    sequenceLength: plan.sequenceLength,
    fitsContext: shape.maxPositions === null || plan.sequenceLength <= shape.maxPositions,
    ...(plan.budget
      ? { budget: config.budget, exactR: plan.budget.exactR, ptParams: plan.budget.ptParams, budgetDifference: plan.budget.difference, ptSequenceLength: (config.budget ?? 0) + seqLen }
      : {}),
  };
}

/** `--checkpoint none|blocks` over the spec's `memory.checkpoint`. */
function withCheckpointOption(spec: ExperimentSpec, value: string | true | undefined): ExperimentSpec {
  if (value === undefined) return spec;
  if (value !== 'none' && value !== 'blocks') throw new UsageError(`--checkpoint: expected none or blocks, got ${value === true ? 'nothing' : JSON.stringify(value)}`);
  return { ...spec, memory: { checkpoint: value } };
}

/**
 * `train <spec.json | link> [--save-adapter <dir>] [--checkpoint none|blocks] [--verbose]`: one
 * JSON line per event; `--checkpoint` overrides the spec's `memory.checkpoint`. On a
 * task stream it also writes readable lines to `note` (stderr): each strategy's result after each
 * task as it comes, then the accuracy matrices and a summary table.
 */
export async function trainCommand(argv: string[], print: Print, note: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  const { positionals, options } = parseArgs(argv, ['verbose']);
  const input = positionals[0];
  if (!input) throw new UsageError('usage: train <spec.json | experiment link> [--save-adapter <dir>] [--checkpoint none|blocks]');
  const spec = withCheckpointOption(await readSpecArgument(input, print), options.get('checkpoint'));
  const saveDir = options.get('save-adapter');
  const verbose = options.get('verbose') === true;
  // config.json alone: a task the model's family does not run fails before anything is loaded.
  const { model: modelConfig } = await loadModelShape(modelSource(spec.model));
  if (isTaskId(spec.task)) {
    const problem = taskFamilyProblem(taskById(spec.task), modelConfig.family);
    if (problem) throw new UsageError(`spec field "task": ${problem}`);
  }
  const backend = await initNodeBackend(nodeBackendOption(options.get('backend')));
  print({ type: 'backend', info: backend });
  print({ type: 'spec', spec });
  const stream = isTaskId(spec.task) && taskById(spec.task).stream !== undefined;
  if (stream && typeof saveDir === 'string') throw new UsageError(`--save-adapter: task "${spec.task}" is a task stream; its strategies' modules are not saved as adapters`);
  const continual: ContinualSummary[] = [];
  const reporter = stream ? new ContinualReporter() : null;
  const summaries = await runExperiment(
    spec,
    nodeRunnerEnv,
    (event) => {
      if (reporter) for (const line of reporter.onEvent(event)) note(line);
      if (event.type === 'progress' && !verbose) return;
      if (event.type === 'continual-end') continual.push(event.summary);
      print(event);
    },
    undefined,
    {
      afterTraining: async (runs, data, base) => {
        // Image and text-to-text tasks: each run's answers on the first validation examples.
        for (const event of await predictionEvents(runs, data, base)) print(event);
        if (typeof saveDir !== 'string') return;
        for (const run of runs) {
          const dir = runs.length === 1 ? saveDir : path.join(saveDir, run.methodName);
          const files = await runAdapterFiles(run, data, spec.model);
          await mkdir(dir, { recursive: true });
          await writeFile(path.join(dir, ADAPTER_CONFIG_FILE), files.config);
          await writeFile(path.join(dir, ADAPTER_WEIGHTS_FILE), files.weights);
          print({ type: 'adapter-saved', runId: run.runId, dir, bytes: files.weights.length, base: base.source });
        }
      },
    },
  );
  if (reporter) for (const line of reporter.finish()) note(line);
  print(stream ? { type: 'summary', continual } : { type: 'summary', runs: summaries });
}
