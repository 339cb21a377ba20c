import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { useWasmBackend } from './node-backend';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { loadBaseCheckpoint, type BaseCheckpoint } from '../../src/engine/experiment/base-model';
import { buildModel } from '../../src/engine/models/families';
import { adapterToFiles, applyAdapterTensors, parseAdapterFiles } from '../../src/engine/methods/adapter-files';
import { readSafetensors } from '../../src/engine/io/safetensors';
import { methodInfo } from '../../src/engine/methods/catalog';
import { hashToSpec, specToHash } from '../../src/engine/experiment/link';
import { DEFAULT_SPEC } from '../../src/engine/experiment/spec';
import { setValues } from './tiny';
import { methodByName } from '../../src/engine/methods/registry';
import type { TaskShape } from '../../src/engine/methods/types';
import { createTaskHead } from '../../src/engine/train/task-head';
import { createRng } from '../../src/engine/data/rng';
import type { Gpt2Model } from '../../src/engine/models/gpt2';
import type { VitModel } from '../../src/engine/models/vit';
import type { T5Model } from '../../src/engine/models/t5';
import type { HostTensor } from '../../src/engine/io/safetensors';
import { expectAllClose } from './tiny';
import { prng } from './prng';
import {
  adapterFileBytes,
  mergeLoraByHand,
  peftLoraConfig,
  peftLoraTensors,
  peftPromptConfig,
  randomLoraPairs,
  type PeftLoraModule,
} from './peft-fixtures';

/**
 * Adapters that Hugging Face PEFT wrote (PEFT's names, shapes and config, no `peft_playground`
 * block) load from adapter_config.json alone, and give the logits of an independent computation:
 * the checkpoint with W + s·B·A merged in by hand (peft-fixtures.ts), run with no method at all.
 */

beforeAll(async () => {
  await useWasmBackend();
});

const bases = new Map<string, BaseCheckpoint>();
async function base(id: string): Promise<BaseCheckpoint> {
  if (!bases.has(id)) bases.set(id, await loadBaseCheckpoint(nodeRunnerEnv.modelSource(id)));
  return bases.get(id)!;
}

/** The model's linears whose module path matches, as PEFT modules of rank `rank`. */
function modulesOf(b: BaseCheckpoint, pattern: RegExp, rank: number): PeftLoraModule[] {
  return b.shape.linears.filter((l) => pattern.test(l.modulePath)).map((l) => ({ path: l.modulePath, inF: l.inFeatures, outF: l.outFeatures, rank }));
}

const gpt2WeightName = (path: string) => `${path.replace(/^transformer\./, '')}.weight`;
const plainWeightName = (path: string) => `${path}.weight`;

/** Loads the files through our reader and method, as the CLI and the app do, for `task`. */
function loadThroughOurs(b: BaseCheckpoint, files: { config: string; weights: Uint8Array }, task: Omit<TaskShape, 'numLabels'> & { numLabels?: number }) {
  const parsed = parseAdapterFiles(files.config, files.weights, b.shape);
  const model = buildModel(b.model, b.weights);
  const shape: TaskShape = { numLabels: parsed.description.task.numLabels, ...task };
  const method = methodByName(parsed.description.method).attach(model, shape, parsed.description.options, createRng(0));
  const head = createTaskHead(model, shape, { trainsLmHead: false, rng: createRng(0) });
  applyAdapterTensors(method, head, parsed.tensors);
  return {
    parsed,
    model,
    method,
    head,
    dispose() {
      head.dispose();
      method.dispose();
      model.dispose();
    },
  };
}

/** Next-token logits at the last position of `ids` on a GPT-2 run without any method. */
function gpt2LastLogits(model: Gpt2Model, ids: number[]): Float32Array {
  return tf.tidy(() => {
    const hidden = model.forward(tf.tensor2d([ids], undefined, 'int32'), tf.ones([1, ids.length], 'int32') as tf.Tensor2D);
    return tf.slice(model.lmLogits(hidden), [0, ids.length - 1, 0], [1, 1, -1]);
  }).dataSync() as Float32Array;
}

function ourGpt2Logits(loaded: ReturnType<typeof loadThroughOurs>, ids: number[]): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d([ids], undefined, 'int32');
    const mask = tf.ones([1, ids.length], 'int32') as tf.Tensor2D;
    return loaded.head.logits!({ inputIds: input, attentionMask: mask, labels: null, realTokens: ids.length, lmTargets: ids.length - 1 }, loaded.method.hooks);
  }).dataSync() as Float32Array;
}

const IDS = [5, 77, 301, 12, 999, 40, 7];

describe('GPT-2 LoRA on c_attn, as PEFT makes it by default', () => {
  it('one pair on the whole fused q/k/v matrix (A [r, d], B [3d, r], dense B) gives the hand-merged model’s logits', async () => {
    const b = await base('tiny-gpt2');
    const r = 4;
    const alpha = 12;
    const pairs = randomLoraPairs(modulesOf(b, /\.attn\.c_attn$/, r), 11);
    expect(pairs[0].outF).toBe(3 * b.shape.hidden);
    const files = adapterFileBytes(peftLoraConfig({ r, lora_alpha: alpha, target_modules: ['c_attn'], fan_in_fan_out: true }), peftLoraTensors(pairs));

    const loaded = loadThroughOurs(b, files, { kind: 'lm', seqLen: IDS.length });
    expect(loaded.parsed.description).toMatchObject({ method: 'lora', options: { r, alpha, targets: ['c_attn'] }, task: { kind: 'lm', id: '' }, peft: { peftType: 'LORA', taskType: 'CAUSAL_LM' } });
    const ours = ourGpt2Logits(loaded, IDS);
    loaded.dispose();

    const merged = buildModel(b.model, mergeLoraByHand(b.weights, pairs, alpha / r, { conv1d: true, weightName: gpt2WeightName })) as Gpt2Model;
    const reference = gpt2LastLogits(merged, IDS);
    const plain = gpt2LastLogits(buildModel(b.model, b.weights) as Gpt2Model, IDS);
    merged.dispose();
    expectAllClose(ours, reference, 1e-4, 1e-4);
    // The update is not negligible: the adapter moves the logits well past the tolerance.
    expect(Math.max(...plain.map((v, i) => Math.abs(v - reference[i])))).toBeGreaterThan(0.05);
  });

  it('a regex target_modules (full match), rsLoRA (alpha/√r) and c_proj as a suffix (attention and MLP) for classification with score in modules_to_save', async () => {
    const b = await base('tiny-gpt2');
    const r = 4;
    const alpha = 6;
    const pairs = randomLoraPairs([...modulesOf(b, /\.attn\.c_attn$/, r), ...modulesOf(b, /\.c_proj$/, r)], 12);
    expect(pairs.filter((p) => p.path.includes('mlp.c_proj')).length).toBe(4);
    const next = prng(5);
    const score = Float32Array.from({ length: 3 * b.shape.hidden }, () => next() - 0.5);
    const files = adapterFileBytes(
      peftLoraConfig({ r, lora_alpha: alpha, use_rslora: true, target_modules: ['c_attn', 'c_proj'], task_type: 'SEQ_CLS', modules_to_save: ['classifier', 'score'] }),
      [...peftLoraTensors(pairs), { name: 'base_model.model.score.weight', dtype: 'F32', shape: [3, b.shape.hidden], data: score }],
    );
    const loaded = loadThroughOurs(b, files, { kind: 'classify', seqLen: IDS.length });
    expect(loaded.parsed.description).toMatchObject({ method: 'lora', options: { r, targets: ['attn_out', 'mlp_out', 'c_attn'] }, task: { kind: 'classify', numLabels: 3 } });
    const ours = ourGpt2Logits(loaded, IDS);
    loaded.dispose();

    const merged = buildModel(b.model, mergeLoraByHand(b.weights, pairs, alpha / Math.sqrt(r), { conv1d: true, weightName: gpt2WeightName })) as Gpt2Model;
    const lastHidden = tf.tidy(() => {
      const hidden = merged.forward(tf.tensor2d([IDS], undefined, 'int32'), tf.ones([1, IDS.length], 'int32') as tf.Tensor2D);
      return tf.slice(hidden, [0, IDS.length - 1, 0], [1, 1, -1]);
    }).dataSync() as Float32Array;
    merged.dispose();
    const d = b.shape.hidden;
    const reference = [0, 1, 2].map((label) => lastHidden.reduce((sum, h, i) => sum + h * score[label * d + i], 0));
    expectAllClose(ours, reference, 1e-4, 1e-4);

    // The same adapter with its targets as one regex PEFT full-matches.
    const regex = adapterFileBytes(
      peftLoraConfig({ r, lora_alpha: alpha, use_rslora: true, target_modules: '.*\\.h\\.\\d+\\.(attn\\.c_attn|attn\\.c_proj|mlp\\.c_proj)', task_type: 'SEQ_CLS', modules_to_save: ['score'] }),
      [...peftLoraTensors(pairs), { name: 'base_model.model.score.weight', dtype: 'F32', shape: [3, b.shape.hidden], data: score }],
    );
    const viaRegex = loadThroughOurs(b, regex, { kind: 'classify', seqLen: IDS.length });
    expect(viaRegex.parsed.description.options).toEqual(loaded.parsed.description.options);
    expectAllClose(ourGpt2Logits(viaRegex, IDS), reference, 1e-4, 1e-4);
    viaRegex.dispose();
  });
});

describe('c_attn as a LoRA target of our own', () => {
  it('counts r·(d + 3d) per layer, sits in attention, travels in links, and is refused beside q/k/v or on a model without c_attn', async () => {
    const b = await base('tiny-gpt2');
    const info = methodInfo('lora');
    const config = { r: 4, alpha: 8, dropout: 0, targets: ['c_attn'] };
    const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 8 };
    expect(info.trainableParams(b.shape, task, config as never).method).toBe(4 * 4 * (128 + 384));
    const placement = info.paramPlacement!(b.shape, task, config as never);
    expect(placement.layers.every((l) => l.attention === 4 * (128 + 384) && l.mlp === 0)).toBe(true);
    const spec = { ...DEFAULT_SPEC, methods: [{ name: 'lora' as const, options: config }] };
    const hash = specToHash(spec);
    expect(hash).toContain('lora.targets=c_attn');
    expect(hashToSpec(hash).spec.methods[0].options).toEqual(config);
    expect(() => info.schema.parse({ ...config, targets: ['c_attn', 'q'] })).toThrow(/c_attn .*overlap/);
    expect(info.unsupportedReason!((await base('tiny-vit')).shape, task, config as never)).toMatch(/c_attn is GPT-2's fused q\/k\/v projection/);
  });

  it('trains one dense pair per c_attn, exports it as PEFT’s c_attn LoRA (no rank_pattern) and loads back, with or without our block, to the hand-merged logits', async () => {
    const b = await base('tiny-gpt2');
    const model = buildModel(b.model, b.weights);
    const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: IDS.length };
    const options = { r: 2, alpha: 5, dropout: 0, targets: ['c_attn'] };
    const method = methodByName('lora').attach(model, task, options, createRng(3));
    const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(0) });
    const next = prng(8);
    for (const v of method.paramGroups[0].variables) setValues(v, Array.from({ length: v.size }, () => (next() - 0.5) * 0.4));
    const files = await adapterToFiles(method, head, { method: 'lora', options, task: { id: 'lm-spam', kind: 'lm', numLabels: 0, labels: [] }, baseModel: 'tiny-gpt2' });
    head.dispose();
    method.dispose();
    model.dispose();
    const config = JSON.parse(files.config) as Record<string, unknown>;
    expect(config).toMatchObject({ r: 2, lora_alpha: 5, rank_pattern: {}, alpha_pattern: {}, target_modules: ['attn.c_attn'] });
    const tensors = readSafetensors(files.weights).tensors;
    expect(tensors.get('base_model.model.transformer.h.0.attn.c_attn.lora_B.weight')!.shape).toEqual([384, 2]);
    const pairs = [0, 1, 2, 3].map((layer) => {
      const path = `transformer.h.${layer}.attn.c_attn`;
      return { path, inF: 128, outF: 384, rank: 2, a: tensors.get(`base_model.model.${path}.lora_A.weight`)!.data as Float32Array, b: tensors.get(`base_model.model.${path}.lora_B.weight`)!.data as Float32Array };
    });
    const merged = buildModel(b.model, mergeLoraByHand(b.weights, pairs, 5 / 2, { conv1d: true, weightName: gpt2WeightName })) as Gpt2Model;
    const reference = gpt2LastLogits(merged, IDS);
    merged.dispose();
    const withBlock = loadThroughOurs(b, files, task);
    expectAllClose(ourGpt2Logits(withBlock, IDS), reference, 1e-4, 1e-4);
    withBlock.dispose();
    const { peft_playground: _ours, peft_playground_targets: _targets, ...peftOnly } = config;
    const asPeft = loadThroughOurs(b, { config: JSON.stringify(peftOnly), weights: files.weights }, task);
    expect(asPeft.parsed.description.options).toEqual(options);
    expectAllClose(ourGpt2Logits(asPeft, IDS), reference, 1e-4, 1e-4);
    asPeft.dispose();
  });

  it('our q,v export (one c_attn of rank 2r, block-diagonal B) read as PEFT reads it is an exact c_attn LoRA of rank 2r', async () => {
    const b = await base('tiny-gpt2');
    const model = buildModel(b.model, b.weights);
    const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: IDS.length };
    const method = methodByName('lora').attach(model, task, { r: 2, alpha: 4, dropout: 0, targets: ['q', 'v'] }, createRng(3));
    const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(0) });
    const next = prng(18);
    for (const v of method.paramGroups[0].variables) setValues(v, Array.from({ length: v.size }, () => (next() - 0.5) * 0.4));
    const ours = ourGpt2Logits({ head, method } as ReturnType<typeof loadThroughOurs>, IDS);
    const files = await adapterToFiles(method, head, { method: 'lora', options: { r: 2, alpha: 4, dropout: 0, targets: ['q', 'v'] }, task: { id: 'lm-spam', kind: 'lm', numLabels: 0, labels: [] }, baseModel: 'tiny-gpt2' });
    head.dispose();
    method.dispose();
    model.dispose();
    const { peft_playground: _ours, peft_playground_targets: _targets, ...peftOnly } = JSON.parse(files.config) as Record<string, unknown>;
    const asPeft = loadThroughOurs(b, { config: JSON.stringify(peftOnly), weights: files.weights }, task);
    expect(asPeft.parsed.description.options).toMatchObject({ r: 4, alpha: 8, targets: ['c_attn'] });
    expectAllClose(ourGpt2Logits(asPeft, IDS), ours, 1e-4, 1e-4);
    asPeft.dispose();
  });
});

describe('ViT and T5 LoRA in PEFT’s layout', () => {
  it('ViT query/value with the classifier in modules_to_save (no task_type) matches the hand-merged model with that classifier', async () => {
    const b = await base('tiny-vit');
    const r = 2;
    const alpha = 4;
    const pairs = randomLoraPairs(modulesOf(b, /\.attention\.attention\.(query|value)$/, r), 13, 0.4);
    const d = b.shape.hidden;
    const next = prng(9);
    const weight = Float32Array.from({ length: 10 * d }, () => next() - 0.5);
    const bias = Float32Array.from({ length: 10 }, () => next() - 0.5);
    const files = adapterFileBytes(
      peftLoraConfig({ r, lora_alpha: alpha, target_modules: ['query', 'value'], task_type: null, modules_to_save: ['classifier'], base_model_name_or_path: 'public/models/tiny-vit' }),
      [
        ...peftLoraTensors(pairs),
        { name: 'base_model.model.classifier.weight', dtype: 'F32', shape: [10, d], data: weight },
        { name: 'base_model.model.classifier.bias', dtype: 'F32', shape: [10], data: bias },
      ],
    );
    if (b.model.family !== 'vit') throw new Error('not ViT');
    const size = b.model.config.imageSize;
    const pixelNext = prng(3);
    const pixels = Float32Array.from({ length: size * size }, () => pixelNext() * 2 - 1);
    const loaded = loadThroughOurs(b, files, { kind: 'image-classify', seqLen: 16 });
    expect(loaded.parsed.description).toMatchObject({ options: { r, alpha, targets: ['q', 'v'] }, task: { kind: 'image-classify', numLabels: 10 } });
    const ours = tf.tidy(() => {
      const batch = tf.tensor4d(pixels, [1, 1, size, size]);
      return loaded.head.logits!({ kind: 'image', pixels: batch, labels: tf.zeros([1], 'int32') as tf.Tensor1D, realTokens: 16 }, loaded.method.hooks);
    }).dataSync() as Float32Array;
    loaded.dispose();

    const mergedWeights = mergeLoraByHand(b.weights, pairs, alpha / r, { conv1d: false, weightName: plainWeightName });
    mergedWeights.set('classifier.weight', { dtype: 'F32', shape: [10, d], data: weight });
    mergedWeights.set('classifier.bias', { dtype: 'F32', shape: [10], data: bias });
    const config = { ...b.model, config: { ...b.model.config, numLabels: 10, id2label: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), String(i)])) } } as typeof b.model;
    const merged = buildModel(config, mergedWeights) as VitModel;
    const reference = tf.tidy(() => merged.classifierLogits(merged.forward(tf.tensor4d(pixels, [1, 1, size, size])))).dataSync() as Float32Array;
    merged.dispose();
    expectAllClose(ours, reference, 1e-4, 1e-4);
  });

  it('T5 q,v (encoder, decoder and cross attention) with a uniform rank_pattern/alpha_pattern: the same greedy ids and every step’s logits', async () => {
    const b = await base('tiny-t5');
    const r = 3;
    const pairs = randomLoraPairs(modulesOf(b, /\.(SelfAttention|EncDecAttention)\.(q|v)$/, r), 14, 0.3);
    expect(pairs.some((p) => p.path.includes('EncDecAttention'))).toBe(true);
    // PEFT's patterns: every q and v gets rank 3 and alpha 9 (scale 3), whatever r and lora_alpha say.
    const files = adapterFileBytes(
      peftLoraConfig({ r: 8, lora_alpha: 16, rank_pattern: { q: 3, v: 3 }, alpha_pattern: { q: 9, v: 9 }, target_modules: ['q', 'v'], task_type: 'SEQ_2_SEQ_LM', base_model_name_or_path: 'public/models/tiny-t5' }),
      peftLoraTensors(pairs),
    );
    const ids = [37, 5, 99, 14, 1];
    const generate = async (model: T5Model, hooks = {}) => {
      const steps: number[][] = [];
      const input = tf.tensor2d([ids], undefined, 'int32');
      const mask = tf.ones([1, ids.length], 'int32') as tf.Tensor2D;
      const out = await model.greedyGenerate(input, mask, 6, { hooks, onScores: (logits) => void steps.push(Array.from(logits)) });
      tf.dispose([input, mask]);
      return { generated: out[0], steps };
    };
    const loaded = loadThroughOurs(b, files, { kind: 'seq2seq', seqLen: ids.length });
    expect(loaded.parsed.description).toMatchObject({ options: { r: 3, alpha: 9, targets: ['q', 'v'] }, task: { kind: 'seq2seq' } });
    const ours = await generate(loaded.model as T5Model, loaded.method.hooks);
    loaded.dispose();
    const merged = buildModel(b.model, mergeLoraByHand(b.weights, pairs, 3, { conv1d: false, weightName: plainWeightName })) as T5Model;
    const reference = await generate(merged);
    merged.dispose();
    expect(ours.generated).toEqual(reference.generated);
    expectAllClose(ours.steps.flat(), reference.steps.flat(), 1e-4, 1e-4);
  });
});

describe('GPT-2 prompt tuning in PEFT’s layout', () => {
  for (const peftType of ['PROMPT_TUNING', 'P_TUNING']) {
    it(`${peftType}: prompt_embeddings [l, d] prepended to the token embeddings, positions over the whole sequence`, async () => {
      const b = await base('tiny-gpt2');
      const l = 5;
      const d = b.shape.hidden;
      const next = prng(21);
      const prompt = Float32Array.from({ length: l * d }, () => (next() - 0.5) * 0.5);
      const config = peftPromptConfig({ peft_type: peftType, num_virtual_tokens: l, token_dim: d, ...(peftType === 'P_TUNING' ? { encoder_reparameterization_type: 'MLP', encoder_hidden_size: 32 } : {}) });
      const files = adapterFileBytes(config, [{ name: 'prompt_embeddings', dtype: 'F32', shape: [l, d], data: prompt }]);
      const loaded = loadThroughOurs(b, files, { kind: 'lm', seqLen: IDS.length });
      expect(loaded.parsed.description).toMatchObject({ method: 'prompt', options: { length: l }, peft: { peftType } });
      const ours = ourGpt2Logits(loaded, IDS);
      loaded.dispose();
      // The reference: the base model, its token embeddings with P in front (PeftModelForCausalLM.forward).
      const model = buildModel(b.model, b.weights) as Gpt2Model;
      const reference = tf.tidy(() => {
        const hooks = { prefixLength: l, inputEmbeddings: (e: tf.Tensor3D) => tf.concat([tf.tensor3d(prompt, [1, l, d]), e], 1) as tf.Tensor3D };
        const hidden = model.forward(tf.tensor2d([IDS], undefined, 'int32'), tf.ones([1, IDS.length], 'int32') as tf.Tensor2D, { hooks });
        return tf.slice(model.lmLogits(hidden), [0, l + IDS.length - 1, 0], [1, 1, -1]);
      }).dataSync() as Float32Array;
      model.dispose();
      expectAllClose(ours, reference, 1e-4, 1e-4);
    });
  }
});

describe('target_modules as PEFT resolves it', () => {
  const files = adapterFileBytes;
  it('"all-linear", null (PEFT’s per-model default) and exclude_modules', async () => {
    const b = await base('tiny-gpt2');
    const options = (config: Record<string, unknown>) => {
      const f = files(config, [{ name: 'prompt_embeddings', dtype: 'F32', shape: [1, 1], data: new Float32Array(1) }]);
      return parseAdapterFiles(f.config, f.weights, b.shape).description.options;
    };
    expect(options(peftLoraConfig({ r: 2, target_modules: 'all-linear' }))).toMatchObject({ targets: ['attn_out', 'mlp_in', 'mlp_out', 'c_attn'] });
    expect(options(peftLoraConfig({ r: 2, target_modules: null }))).toMatchObject({ targets: ['c_attn'] });
    expect(options(peftLoraConfig({ r: 2, target_modules: ['c_attn', 'c_proj'], exclude_modules: ['mlp.c_proj'] }))).toMatchObject({ targets: ['attn_out', 'c_attn'] });
    expect(() => options(peftLoraConfig({ r: 2, target_modules: ['c_proj'], exclude_modules: 'transformer\\.h\\.1\\.mlp\\.c_proj' }))).toThrow(/field "exclude_modules" adapts 3 of the 4 "mlp_out" modules/);
  });
});

describe('what does not map is refused, naming the field', () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['DoRA', 'tiny-gpt2', peftLoraConfig({ r: 2, use_dora: true }), /field "use_dora"/],
    ['bias training', 'tiny-gpt2', peftLoraConfig({ r: 2, bias: 'lora_only' }), /field "bias" is "lora_only"/],
    ['layers_to_transform', 'tiny-gpt2', peftLoraConfig({ r: 2, layers_to_transform: [0, 1] }), /field "layers_to_transform"/],
    ['an unknown peft_type', 'tiny-gpt2', { peft_type: 'IA3', target_modules: ['c_attn'] }, /field "peft_type" is "IA3"/],
    ['prefix tuning', 'tiny-gpt2', { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 4 }, /field "peft_type" is "PREFIX_TUNING".*keys and values/],
    ['a regex that adapts one layer only', 'tiny-gpt2', peftLoraConfig({ r: 2, target_modules: 'transformer\\.h\\.0\\.attn\\.c_attn' }), /field "target_modules" adapts 1 of the 4 "c_attn" modules/],
    ['ranks that differ per module', 'tiny-gpt2', peftLoraConfig({ r: 2, target_modules: ['c_attn', 'c_fc'], rank_pattern: { c_fc: 4 } }), /field "rank_pattern"/],
    ['scales that differ per module', 'tiny-gpt2', peftLoraConfig({ r: 2, target_modules: ['c_attn', 'c_fc'], alpha_pattern: { c_fc: 4 } }), /field "alpha_pattern"/],
    ['targets the model lacks', 'tiny-gpt2', peftLoraConfig({ r: 2, target_modules: ['q_proj', 'v_proj'] }), /field "target_modules" \(\["q_proj","v_proj"\]\) matches none/],
    ['a task GPT-2 does not run here', 'tiny-gpt2', peftLoraConfig({ r: 2, task_type: 'TOKEN_CLS' }), /field "task_type" is "TOKEN_CLS"/],
    ['another module to save', 'tiny-gpt2', peftLoraConfig({ r: 2, modules_to_save: ['wte'] }), /field "modules_to_save" names "wte"/],
    ['a classifier without its head', 'tiny-gpt2', peftLoraConfig({ r: 2, task_type: 'SEQ_CLS', modules_to_save: ['classifier', 'score'] }), /field "modules_to_save" does not bring the trained head.*base_model\.model\.score\.weight/],
    ['decoder prompts on T5', 'tiny-t5', peftPromptConfig({ task_type: 'SEQ_2_SEQ_LM', num_transformer_submodules: 2 }), /field "num_transformer_submodules" is 2/],
    ['a prompt of another width', 'tiny-gpt2', peftPromptConfig({ token_dim: 768 }), /field "token_dim" is 768/],
  ];
  for (const [what, model, config, error] of cases) {
    it(what, async () => {
      const b = await base(model);
      const files = adapterFileBytes(config, [{ name: 'prompt_embeddings', dtype: 'F32', shape: [1, 1], data: new Float32Array(1) }]);
      expect(() => parseAdapterFiles(files.config, files.weights, b.shape)).toThrow(error);
    });
  }

  it('a tensor the config does not explain is named when the adapter is applied, before anything is assigned', async () => {
    const b = await base('tiny-gpt2');
    const pairs = randomLoraPairs(modulesOf(b, /\.attn\.c_attn$/, 2), 1);
    const extra: HostTensor = { dtype: 'F32', shape: [2, 128], data: new Float32Array(256) };
    const files = adapterFileBytes(peftLoraConfig({ r: 2 }), [
      ...peftLoraTensors(pairs),
      { name: 'base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight', dtype: 'F32', shape: extra.shape, data: extra.data as Float32Array },
    ]);
    expect(() => loadThroughOurs(b, files, { kind: 'lm', seqLen: 4 })).toThrow(/mlp\.c_fc\.lora_A\.weight/);
  });
});
