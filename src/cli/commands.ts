import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../engine/tf';
import { loadBaseCheckpoint, loadModelShape } from '../engine/experiment/base-model';
import { methodByName, resolveMethodConfig } from '../engine/methods/registry';
import { taskById } from '../engine/data/tasks';
import { parseExperimentSpec } from '../engine/experiment/spec';
import { specFromLinkOrJson } from '../engine/experiment/link';
import { runExperiment } from '../engine/experiment/runner';
import { Gpt2Model } from '../engine/models/gpt2';
import { createRng } from '../engine/data/rng';
import { createTaskHead } from '../engine/train/task-head';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, adapterToFiles, applyAdapterTensors, parseAdapterFiles } from '../engine/methods/adapter-files';
import type { AttachedMethod, TaskShape } from '../engine/methods/types';
import type { ModelShape } from '../engine/models/hooks';
import { deptPlan, type DeptConfig } from '../engine/methods/dept';
import type { TaskHead } from '../engine/train/task-head';
import { initNodeBackend, modelSource, nodeRunnerEnv, readDataFile } from './node-env';
import { loadTaskShape } from '../engine/experiment/task-data';
import { UsageError, parseArgs, typedOptions } from './args';

type Print = (value: unknown) => void;

function requireModel(positionals: string[], usage: string): string {
  const model = positionals[0];
  if (!model) throw new UsageError(`missing <model>; usage: ${usage}`);
  return model;
}

/** `info <model>`: architecture, config and parameter count, from config.json alone. */
export async function infoCommand(argv: string[], print: Print): Promise<void> {
  const { positionals } = parseArgs(argv);
  const model = requireModel(positionals, 'info <model>');
  const { config, shape } = await loadModelShape(modelSource(model));
  print({ model, architecture: 'GPT2LMHeadModel', modelType: config.modelType, config, totalParams: shape.totalParams });
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
  const task: TaskShape = typeof taskId === 'string' ? await loadTaskShape(taskId, readDataFile, seqLen) : { kind: 'lm', numLabels: 0, seqLen };
  const { shape } = await loadModelShape(modelSource(model));
  const count = method.trainableParams(shape, task, config);
  print({
    model,
    method: methodName,
    options: config,
    task: typeof taskId === 'string' ? taskId : 'lm',
    seqLen,
    trainable: count.method,
    head: count.head,
    total: shape.totalParams,
    trainablePercent: (100 * count.method) / shape.totalParams,
    ...(methodName === 'dept' ? { dept: deptDetails(shape, seqLen, config as DeptConfig) } : {}),
  });
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
    fitsContext: plan.sequenceLength <= shape.maxPositions,
    ...(plan.budget
      ? { budget: config.budget, exactR: plan.budget.exactR, ptParams: plan.budget.ptParams, budgetDifference: plan.budget.difference, ptSequenceLength: (config.budget ?? 0) + seqLen }
      : {}),
  };
}

/** `forward <model> [--adapter <dir>] (--text "…" | --ids 1,2,3) [--top k]`. */
export async function forwardCommand(argv: string[], print: Print): Promise<void> {
  const { positionals, options } = parseArgs(argv);
  const model = requireModel(positionals, 'forward <model> [--adapter <dir>] (--text "…" | --ids 1,2,3)');
  const text = options.get('text');
  const idsArg = options.get('ids');
  if ((typeof text === 'string') === (typeof idsArg === 'string')) throw new UsageError('forward needs exactly one of --text or --ids');
  const top = Number(options.get('top') ?? 5);
  if (!Number.isInteger(top) || top < 1) throw new UsageError('--top must be a positive integer');

  const backend = await initNodeBackend();
  const base = await loadBaseCheckpoint(modelSource(model));
  let ids: number[];
  if (typeof idsArg === 'string') {
    ids = idsArg.split(',').map((s) => Number(s.trim()));
    const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= base.config.vocabSize);
    if (bad >= 0) throw new UsageError(`--ids: element ${bad} ("${idsArg.split(',')[bad]}") is not a token id in [0, ${base.config.vocabSize})`);
  } else {
    ids = base.tokenizer.encode(text as string);
  }
  if (ids.length === 0) throw new UsageError('the input has no tokens');

  const gpt2 = Gpt2Model.fromWeights(base.config, base.weights);
  let method: AttachedMethod | null = null;
  let head: TaskHead | null = null;
  let labels: string[] = [];
  try {
    let task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: ids.length };
    const adapterDir = options.get('adapter');
    if (typeof adapterDir === 'string') {
      const configText = await readFile(path.join(adapterDir, ADAPTER_CONFIG_FILE), 'utf8');
      const weights = new Uint8Array(await readFile(path.join(adapterDir, ADAPTER_WEIGHTS_FILE)));
      const adapter = parseAdapterFiles(configText, weights);
      task = { kind: adapter.description.task.kind, numLabels: adapter.description.task.numLabels, seqLen: adapter.description.task.seqLen ?? ids.length };
      labels = adapter.description.task.labels;
      method = methodByName(adapter.description.method).attach(gpt2, task, adapter.description.options, createRng(0));
      head = createTaskHead(gpt2, task, { trainsLmHead: method.trainsLmHead ?? false, rng: createRng(0) });
      applyAdapterTensors(method, head, adapter.tensors);
    } else {
      head = createTaskHead(gpt2, task, { trainsLmHead: false, rng: createRng(0) });
    }
    const prefix = method?.hooks.prefixLength ?? 0;
    if (ids.length + prefix > base.config.nPositions) {
      throw new UsageError(`input of ${ids.length} tokens (+${prefix} prompt) exceeds n_positions ${base.config.nPositions}`);
    }
    const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32');
    const mask = tf.ones([1, ids.length], 'int32') as tf.Tensor2D;
    const logits = tf.tidy(() => {
      const hidden = gpt2.forward(inputIds, mask, { hooks: method?.hooks ?? {} });
      return head!.lastLogits(hidden, { inputIds, attentionMask: mask, labels: null, realTokens: ids.length, lmTargets: ids.length - 1 }, prefix);
    });
    const values = Array.from(await logits.data());
    tf.dispose([inputIds, mask, logits]);
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, top);
    print({
      model,
      backend: backend.backend,
      adapter: typeof adapterDir === 'string' ? adapterDir : null,
      task: task.kind,
      ids,
      tokens: base.tokenizer.idsToTokens(ids),
      top: order.map(([logit, id]) => (task.kind === 'lm' ? { id, token: base.tokenizer.idsToTokens([id])[0], logit } : { label: labels[id] ?? String(id), index: id, logit })),
      lastLogits: values,
    });
  } finally {
    head?.dispose();
    method?.dispose();
    gpt2.dispose();
  }
}

/** `train <spec.json | link> [--save-adapter <dir>] [--verbose]`: one JSON line per event. */
export async function trainCommand(argv: string[], print: Print): Promise<void> {
  const { positionals, options } = parseArgs(argv, ['verbose']);
  const input = positionals[0];
  if (!input) throw new UsageError('usage: train <spec.json | experiment link> [--save-adapter <dir>]');
  let spec;
  if (/^[^#]*\.json$/i.test(input)) {
    let text: string;
    try {
      text = await readFile(input, 'utf8');
    } catch {
      throw new UsageError(`cannot read spec file "${input}"`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${input} is not valid JSON (${(error as Error).message})`);
    }
    spec = parseExperimentSpec(json);
  } else {
    const parsed = specFromLinkOrJson(input);
    for (const notice of parsed.notices) print({ type: 'notice', message: notice });
    spec = parsed.spec;
  }
  const saveDir = options.get('save-adapter');
  const verbose = options.get('verbose') === true;
  const backend = await initNodeBackend();
  print({ type: 'backend', info: backend });
  print({ type: 'spec', spec });
  const summaries = await runExperiment(
    spec,
    nodeRunnerEnv,
    (event) => {
      if (event.type === 'progress' && !verbose) return;
      print(event);
    },
    undefined,
    {
      afterTraining: typeof saveDir === 'string'
        ? async (runs, data, base) => {
            for (const run of runs) {
              const dir = runs.length === 1 ? saveDir : path.join(saveDir, run.methodName);
              const files = await adapterToFiles(run.method, run.head, {
                method: run.methodName,
                options: run.methodSpec.options,
                task: { id: data.info.id, kind: data.shape.kind, numLabels: data.shape.numLabels, seqLen: data.shape.seqLen, labels: data.labels },
                baseModel: spec.model,
              });
              await mkdir(dir, { recursive: true });
              await writeFile(path.join(dir, ADAPTER_CONFIG_FILE), files.config);
              await writeFile(path.join(dir, ADAPTER_WEIGHTS_FILE), files.weights);
              print({ type: 'adapter-saved', runId: run.runId, dir, bytes: files.weights.length, base: base.source });
            }
          }
        : undefined,
    },
  );
  print({ type: 'summary', runs: summaries });
}
