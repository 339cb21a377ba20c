import { tf } from '../engine/tf';
import { loadBaseCheckpoint, requireTokenizer, type BaseCheckpoint } from '../engine/experiment/base-model';
import { buildModel } from '../engine/models/families';
import { Gpt2Model } from '../engine/models/gpt2';
import { VitModel } from '../engine/models/vit';
import { T5Model } from '../engine/models/t5';
import { vitPatchGrid } from '../engine/models/vit-config';
import type { ModelHooks } from '../engine/models/hooks';
import { createRng } from '../engine/data/rng';
import { isTaskId, taskById } from '../engine/data/tasks';
import { outputSize, preprocessImage } from '../engine/tokenize/image-processor';
import { createTaskHead, type TaskHead } from '../engine/train/task-head';
import type { AttachedMethod, TaskShape } from '../engine/methods/types';
import type { BackendInfo } from '../engine/backend';
import { UsageError, parseArgs } from './args';
import { attachAdapter, readAdapterDir, softmax, type LoadedAdapter } from './adapter-input';
import { readPixelsJson, readPngImage } from './image-input';
import { initNodeBackend, modelSource, nodeBackendOption } from './node-env';

type Print = (value: unknown) => void;
type Options = Map<string, string | true>;

export const FORWARD_USAGE =
  'forward <model> [--adapter <dir | adapter.zip>] GPT-2: (--text "…" | --ids 1,2,3) [--top k] · ViT: (--image file.png | --pixels file.json) [--top k] · T5: (--text "…" | --ids 1,2,3) [--max-new-tokens N] [--no-prefix] [--scores [--top k]]';

/** Options each family's forward reads; anything else is refused, naming the family's options. */
const OPTIONS_BY_FAMILY = {
  gpt2: ['adapter', 'text', 'ids', 'top', 'backend'],
  vit: ['adapter', 'image', 'pixels', 'top', 'backend'],
  t5: ['adapter', 'text', 'ids', 'max-new-tokens', 'no-prefix', 'scores', 'top', 'backend'],
} as const;

function positiveInt(options: Options, key: string, fallback: number): number {
  const raw = options.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isInteger(value) || value < 1) throw new UsageError(`--${key} must be a positive integer, got "${String(raw)}"`);
  return value;
}

function exactlyOne(options: Options, a: string, b: string, family: string): 'a' | 'b' {
  const hasA = typeof options.get(a) === 'string';
  const hasB = typeof options.get(b) === 'string';
  if (hasA === hasB) throw new UsageError(`forward on a ${family} model needs exactly one of --${a} or --${b}`);
  return hasA ? 'a' : 'b';
}

/**
 * `--ids 1,2,3` checked against the model's vocabulary (config.json vocab_size, which may be
 * larger than the tokenizer's: such ids run, and print with a null token), naming the bad element.
 */
function parseIds(text: string, vocabSize: number): number[] {
  const parts = text.split(',');
  const ids = parts.map((s) => Number(s.trim()));
  const bad = ids.findIndex((id, i) => parts[i].trim() === '' || !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (bad >= 0) throw new UsageError(`--ids: element ${bad} ("${parts[bad]}") is not a token id in [0, ${vocabSize})`);
  return ids;
}

/**
 * `forward <model> …`: one input through a checkpoint (and optionally a trained adapter) on the
 * wasm backend. GPT-2: next-token logits or, with a classification adapter, label logits.
 * ViT: an image's label probabilities from the checkpoint's own classifier (config.json
 * id2label) or the adapter's head. T5: greedy decoding of a text (with a text-to-text adapter,
 * the task's prefix is put in front, as in training).
 */
export async function forwardCommand(argv: string[], print: Print): Promise<void> {
  const { positionals, options } = parseArgs(argv, ['no-prefix', 'scores']);
  const model = positionals[0];
  if (!model) throw new UsageError(`missing <model>; usage: ${FORWARD_USAGE}`);
  if (positionals.length > 1) throw new UsageError(`forward takes one <model>, got also "${positionals[1]}" (quote a --text with spaces)`);
  const backend = await initNodeBackend(nodeBackendOption(options.get('backend')));
  // No tokenizer.json is needed for --ids (as in transformers); --text asks for it by name.
  const base = await loadBaseCheckpoint(modelSource(model), undefined, { tokenizerOptional: true });
  const family = base.model.family;
  const allowed: readonly string[] = OPTIONS_BY_FAMILY[family];
  for (const key of options.keys()) {
    if (!allowed.includes(key)) throw new UsageError(`forward on a ${family} model has no option --${key}; its options: ${allowed.map((k) => `--${k}`).join(', ')}`);
  }
  const adapterDir = options.get('adapter');
  if (adapterDir === true) throw new UsageError('--adapter needs a folder or an adapter .zip');
  const adapter = typeof adapterDir === 'string' ? await readAdapterDir(adapterDir, base.shape) : null;
  const context = { model, backend, base, options, adapter, print };
  if (family === 'gpt2') return gpt2Forward(context);
  if (family === 'vit') return vitForward(context);
  return t5Forward(context);
}

interface ForwardContext {
  model: string;
  backend: BackendInfo;
  base: BaseCheckpoint;
  options: Options;
  adapter: LoadedAdapter | null;
  print: Print;
}

/** The adapter's task shape, with the input length it was trained at (or `inputLength`). */
function adapterTask(adapter: LoadedAdapter, inputLength: number): TaskShape {
  const t = adapter.description.task;
  return { kind: t.kind, numLabels: t.numLabels, seqLen: t.seqLen ?? inputLength };
}

/** Builds the model, runs `body`, and disposes model, method and head whatever happens. */
async function withModel<M>(base: BaseCheckpoint, body: (model: M, own: { method: AttachedMethod | null; head: TaskHead | null }) => Promise<void>): Promise<void> {
  const model = buildModel(base.model, base.weights);
  const own: { method: AttachedMethod | null; head: TaskHead | null } = { method: null, head: null };
  try {
    await body(model as M, own);
  } finally {
    own.head?.dispose();
    own.method?.dispose();
    model.dispose();
  }
}

async function gpt2Forward({ model, backend, base, options, adapter, print }: ForwardContext): Promise<void> {
  const which = exactlyOne(options, 'text', 'ids', 'GPT-2');
  const top = positiveInt(options, 'top', 5);
  // --ids needs no tokenizer (as a model runs without one in transformers): tokens are then null.
  const tokenizer = which === 'a' ? requireTokenizer(base) : base.tokenizer;
  const ids = which === 'b' ? parseIds(options.get('ids') as string, base.shape.vocabSize) : tokenizer!.encode(options.get('text') as string);
  if (ids.length === 0) throw new UsageError('the input has no tokens');
  await withModel<Gpt2Model>(base, async (gpt2, own) => {
    let task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: ids.length };
    if (adapter) {
      task = adapterTask(adapter, ids.length);
      Object.assign(own, attachAdapter(gpt2, adapter, task));
    } else {
      own.head = createTaskHead(gpt2, task, { trainsLmHead: false, rng: createRng(0) });
    }
    const hooks = own.method?.hooks ?? {};
    const prefix = hooks.prefixLength ?? 0;
    const positions = base.shape.maxPositions ?? Infinity;
    if (ids.length + prefix > positions) throw new UsageError(`input of ${ids.length} tokens (+${prefix} prompt) exceeds n_positions ${positions}`);
    const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32');
    const mask = tf.ones([1, ids.length], 'int32') as tf.Tensor2D;
    const logits = own.head!.logits!({ inputIds, attentionMask: mask, labels: null, realTokens: ids.length, lmTargets: ids.length - 1 }, hooks);
    const values = Array.from(await logits.data());
    tf.dispose([inputIds, mask, logits]);
    const labels = adapter?.description.task.labels ?? [];
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, top);
    print({
      model,
      backend: backend.backend,
      adapter: adapter?.dir ?? null,
      task: task.kind,
      ids,
      tokens: tokenizer ? tokenizer.idsToTokens(ids) : null,
      top: order.map(([logit, id]) => (task.kind === 'lm' ? { id, token: tokenizer ? tokenizer.idsToTokens([id])[0] : null, logit } : { label: labels[id] ?? String(id), index: id, logit })),
      lastLogits: values,
    });
  });
}

async function vitForward({ model, backend, base, options, adapter, print }: ForwardContext): Promise<void> {
  if (base.model.family !== 'vit') throw new Error('not a ViT checkpoint');
  const config = base.model.config;
  const which = exactlyOne(options, 'image', 'pixels', 'ViT');
  const top = positiveInt(options, 'top', 5);
  const shape = { channels: config.channels, height: config.imageSize, width: config.imageSize };
  let pixels: Float32Array;
  let input: Record<string, unknown>;
  if (which === 'a') {
    const file = options.get('image') as string;
    const processor = base.imageProcessor;
    if (!processor) throw new Error(`${base.source}: no preprocessor_config.json, so a PNG cannot be preprocessed for it; pass preprocessed values with --pixels`);
    const { image, info } = await readPngImage(file);
    const size = outputSize(image, processor);
    if (size.height !== config.imageSize || size.width !== config.imageSize) {
      throw new UsageError(
        `--image: "${file}" is ${image.width}×${image.height} and preprocessor_config.json does not resize (do_resize false), but the model takes ${config.imageSize}×${config.imageSize}`,
      );
    }
    pixels = preprocessImage(image, processor, config.channels);
    input = { image: file, ...info, resizedTo: processor.doResize && (image.width !== size.width || image.height !== size.height) ? [size.height, size.width] : null };
  } else {
    const file = options.get('pixels') as string;
    pixels = await readPixelsJson(file, shape);
    input = { pixels: file };
  }
  const { patches } = vitPatchGrid(config);
  await withModel<VitModel>(base, async (vit, own) => {
    const batch = tf.tensor4d(pixels, [1, shape.channels, shape.height, shape.width], 'float32');
    let logits: tf.Tensor2D;
    let labels: string[];
    try {
      if (adapter) {
        const task = adapterTask(adapter, patches);
        Object.assign(own, attachAdapter(vit, adapter, task));
        labels = adapter.description.task.labels;
        const dummyLabels = tf.zeros([1], 'int32') as tf.Tensor1D;
        try {
          logits = own.head!.logits!({ kind: 'image', pixels: batch, labels: dummyLabels, realTokens: patches }, own.method!.hooks);
        } finally {
          dummyLabels.dispose();
        }
      } else {
        if (vit.numLabels === 0) throw new UsageError(`${base.source} has no classifier (a ViTModel checkpoint): give --adapter with a trained image-classification head`);
        labels = Array.from({ length: vit.numLabels }, (_, i) => config.id2label[String(i)] ?? String(i));
        logits = tf.tidy(() => {
          const hidden = vit.forward(batch);
          return vit.classifierLogits(hidden);
        });
      }
    } finally {
      batch.dispose();
    }
    const values = Array.from(await logits.data());
    logits.dispose();
    const probabilities = softmax(values);
    const order = probabilities.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]).slice(0, top);
    print({
      model,
      backend: backend.backend,
      adapter: adapter?.dir ?? null,
      task: 'image-classify',
      classifier: adapter ? `adapter head (task ${adapter.description.task.id || 'not named: written by PEFT'})` : 'checkpoint (config.json id2label)',
      input,
      pixelShape: [shape.channels, shape.height, shape.width],
      labels,
      top: order.map(([probability, index]) => ({ label: labels[index], index, probability, logit: values[index] })),
      probabilities,
      logits: values,
    });
  });
}

async function t5Forward({ model, backend, base, options, adapter, print }: ForwardContext): Promise<void> {
  const which = exactlyOne(options, 'text', 'ids', 'T5');
  if (base.model.family !== 't5') throw new Error('not a T5 checkpoint');
  const config = base.model.config;
  const maxNewTokens = positiveInt(options, 'max-new-tokens', 16);
  const scores = options.get('scores') === true;
  if (options.has('top') && !scores) throw new UsageError('--top on a T5 model picks the top-k of each step of --scores; give --scores too');
  const top = options.has('top') ? positiveInt(options, 'top', 5) : null;
  // --ids needs no tokenizer (as a model runs without one in transformers): tokens and text are then null.
  const tokenizer = which === 'a' ? requireTokenizer(base) : base.tokenizer;
  // A text-to-text adapter learned "prefix: text </s>"; the same input format here.
  const taskId = adapter?.description.task.id;
  const prefix = adapter && options.get('no-prefix') !== true && taskId && isTaskId(taskId) ? (taskById(taskId).textToTextPrefix ?? '') : '';
  const text = which === 'a' ? prefix + (options.get('text') as string) : null;
  let ids = which === 'b' ? parseIds(options.get('ids') as string, base.shape.vocabSize) : tokenizer!.encode(text as string);
  if (ids.length === 0) throw new UsageError('the input has no tokens');
  let truncated = false;
  const trainedLength = adapter?.description.task.seqLen;
  if (which === 'a') {
    // As the data code does: eos closes the input; an adapter's length (DePT sizes A by it) caps it.
    if (trainedLength !== undefined && ids.length > trainedLength - 1) {
      ids = ids.slice(0, trainedLength - 1);
      truncated = true;
    }
    ids = [...ids, tokenizer!.eosTokenId];
  } else if (trainedLength !== undefined && ids.length > trainedLength) {
    throw new UsageError(`--ids: ${ids.length} ids, the adapter was trained on inputs of at most ${trainedLength} tokens`);
  }
  await withModel<T5Model>(base, async (t5, own) => {
    if (adapter) Object.assign(own, attachAdapter(t5, adapter, adapterTask(adapter, ids.length)));
    const hooks = own.method?.hooks ?? {};
    // A head-only adapter's trained LM head is the head's one variable.
    const untiedHead = own.head && own.head.variables.length > 0 ? (own.head.variables[0] as tf.Tensor2D) : null;
    let generated: number[];
    const steps: number[][] = [];
    const onScores = scores ? (logits: Float32Array) => void steps.push(Array.from(logits)) : undefined;
    const inputIds = tf.tensor2d([ids], [1, ids.length], 'int32');
    const mask = tf.ones([1, ids.length], 'int32') as tf.Tensor2D;
    try {
      generated = (await t5.greedyGenerate(inputIds, mask, maxNewTokens, { hooks, ...(untiedHead ? { lmHead: untiedHead } : {}), ...(onScores ? { onScores } : {}) }))[0];
    } finally {
      tf.dispose([inputIds, mask]);
    }
    const eos = tokenizer?.eosTokenId ?? config.eosTokenId;
    const special = new Set([eos, tokenizer?.padTokenId ?? config.padTokenId]);
    const tokensOf = (list: number[]) => (tokenizer ? tokenizer.idsToTokens(list) : null);
    // --scores: each step's logits over the whole vocabulary, or with --top only its k best.
    const stepScores = !scores
      ? {}
      : {
          scores:
            top === null
              ? steps
              : steps.map((logits) =>
                  logits
                    .map((logit, id) => [logit, id] as const)
                    .sort((a, b) => b[0] - a[0])
                    .slice(0, top)
                    .map(([logit, id]) => ({ id, token: tokensOf([id])?.[0] ?? null, logit })),
                ),
        };
    print({
      model,
      backend: backend.backend,
      adapter: adapter?.dir ?? null,
      task: adapter ? 'seq2seq' : 'generate',
      ...(adapter ? { method: adapter.description.method, taskId: adapter.description.task.id, labels: adapter.description.task.labels } : {}),
      prefix: prefix || null,
      input: text,
      truncated,
      inputIds: ids,
      inputTokens: tokensOf(ids),
      generatedIds: generated,
      generatedTokens: tokensOf(generated),
      finished: generated.at(-1) === eos,
      // Ids the tokenizer does not have (a padded vocabulary) are skipped, as HF's decode does.
      text: tokenizer ? tokenizer.decode(generated.filter((id) => !special.has(id))).trim() : null,
      ...stepScores,
    });
  });
}
