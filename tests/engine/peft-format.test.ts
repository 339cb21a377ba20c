import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { createRng } from '../../src/engine/data/rng';
import { Gpt2Model } from '../../src/engine/models/gpt2';
import { parseT5Config } from '../../src/engine/models/t5-config';
import { T5Model } from '../../src/engine/models/t5';
import { parseVitConfig } from '../../src/engine/models/vit-config';
import { VitModel } from '../../src/engine/models/vit';
import type { BackboneModel } from '../../src/engine/models/model';
import { adapterToFiles, applyAdapterTensors, parseAdapterFiles } from '../../src/engine/methods/adapter-files';
import { methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import type { AttachedMethod, MethodName, TaskShape } from '../../src/engine/methods/types';
import { readSafetensors } from '../../src/engine/io/safetensors';
import { batchToTensors, createTaskHead, disposeBatch, type AnyBatchTensors, type TaskHead } from '../../src/engine/train/task-head';
import type { Batch } from '../../src/engine/data/types';
import { maxAbsDiff, setValues, tinyConfig } from './tiny';
import { prng } from './prng';
import { parseExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import { runAdapterFiles } from '../../src/engine/experiment/run-adapter';
import { nodeRunnerEnv } from '../../src/cli/node-env';

/**
 * Our adapter files against Hugging Face PEFT's documented layout, with the expected names and
 * fields written here from PEFT's sources, not read from our own output:
 *
 * - huggingface/peft src/peft/utils/save_and_load.py, get_peft_model_state_dict: keys are the
 *   PeftModel's state-dict keys with the adapter name removed ("model.q_proj.lora_A.default.weight"
 *   → "model.q_proj.lora_A.weight"); a LoRA model's keys start "base_model.model." (LoraModel
 *   wraps the transformers model), a prompt-learning model's start "base_model." ("prefix =
 *   'base_model.' if ... is_prompt_learning else 'base_model.model.'"); prompt tuning saves one
 *   tensor "prompt_embeddings"; modules_to_save (ModulesToSaveWrapper.adapter_state_dict) are
 *   saved under the wrapped module's own path, e.g. "base_model.model.score.weight".
 * - src/peft/tuners/lora/config.py (LoraConfig) and src/peft/config.py (PeftConfig): the field
 *   names; "fan_in_fan_out: Set this to True if the layer to replace stores weight like (fan_in,
 *   fan_out). For example, gpt-2 uses Conv1D ..."; "target_modules: When passing a string, a regex
 *   match will be performed. When passing a list of strings, either an exact match will be
 *   performed or it is checked if the name of the module ends with any of the passed strings";
 *   scaling lora_alpha / r, per module from rank_pattern / alpha_pattern.
 * - src/peft/tuners/lora/layer.py: lora_A = nn.Linear(in_features, r) → weight [r, in];
 *   lora_B = nn.Linear(r, out_features) → weight [out, r].
 * - src/peft/tuners/prompt_tuning/config.py (PromptTuningConfig), src/peft/config.py
 *   (PromptLearningConfig) and prompt_tuning/model.py (PromptEmbedding: nn.Embedding(
 *   num_virtual_tokens * num_transformer_submodules, token_dim)).
 * - Unknown config keys (our `peft_playground` block) are dropped with a warning by
 *   PeftConfigMixin.from_peft_type (_check_and_remove_unused_kwargs).
 *
 * Module paths are those of transformers' GPT2ForSequenceClassification, ViTForImageClassification
 * and T5ForConditionalGeneration (modeling_gpt2.py, modeling_vit.py, modeling_t5.py).
 */

beforeAll(async () => {
  await useWasmBackend();
});

let tensorsBefore = 0;
beforeAll(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterAll(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

// PeftConfig + LoraConfig fields (src/peft/config.py, src/peft/tuners/lora/config.py).
const PEFT_CONFIG_FIELDS = ['base_model_name_or_path', 'revision', 'peft_type', 'task_type', 'inference_mode', 'auto_mapping'];
const LORA_CONFIG_FIELDS = [
  ...PEFT_CONFIG_FIELDS,
  'r',
  'target_modules',
  'exclude_modules',
  'lora_alpha',
  'lora_dropout',
  'fan_in_fan_out',
  'bias',
  'use_rslora',
  'modules_to_save',
  'init_lora_weights',
  'layers_to_transform',
  'layers_pattern',
  'rank_pattern',
  'alpha_pattern',
  'megatron_config',
  'megatron_core',
  'loftq_config',
  'use_dora',
  'layer_replication',
  'runtime_config',
];
// PromptLearningConfig + PromptTuningConfig fields.
const PROMPT_TUNING_CONFIG_FIELDS = [
  ...PEFT_CONFIG_FIELDS,
  'num_virtual_tokens',
  'token_dim',
  'num_transformer_submodules',
  'num_attention_heads',
  'num_layers',
  'prompt_tuning_init',
  'prompt_tuning_init_text',
  'tokenizer_name_or_path',
  'tokenizer_kwargs',
];
/** PEFT's TaskType values (src/peft/utils/peft_types.py). */
const TASK_TYPES = ['SEQ_CLS', 'SEQ_2_SEQ_LM', 'CAUSAL_LM', 'TOKEN_CLS', 'QUESTION_ANS', 'FEATURE_EXTRACTION'];
/** PromptTuningInit (SAMPLE_VOCAB since PEFT 0.14). */
const PROMPT_TUNING_INITS = ['TEXT', 'SAMPLE_VOCAB', 'RANDOM'];
/** Keys of ours in adapter_config.json, which PEFT drops with a warning. */
const OUR_FIELDS = ['peft_playground', 'peft_playground_targets'];

interface Family {
  name: string;
  build(): BackboneModel;
  task: TaskShape;
  batch(): Batch;
  /** Every Linear / Conv1D below the task model, as transformers names them (2 layers). */
  linearModules: string[];
  /** The task model's head module PEFT saves as modules_to_save, or null (LM heads stay frozen). */
  headModule: string | null;
  headParams: string[];
  /** LoRA roles → the modules PEFT would wrap. */
  loraTargets: { roles: string[]; modules: string[] };
  /** The HF weight layout of the adapted modules: Conv1D (fan_in, fan_out) on GPT-2. */
  fanInFanOut: boolean;
  taskType: string | null;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function randomFloats(size: number, scale: number, seed: number): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

const vitConfig = parseVitConfig({ model_type: 'vit', hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 16, image_size: 8, patch_size: 4, num_channels: 1, initializer_range: 0.5 });
const t5Config = parseT5Config({ model_type: 't5', vocab_size: 13, d_model: 8, d_kv: 4, d_ff: 12, num_layers: 2, num_heads: 2, relative_attention_num_buckets: 8, dropout_rate: 0, eos_token_id: 1, pad_token_id: 0 });

const GPT2: Family = {
  name: 'GPT-2 (GPT2ForSequenceClassification)',
  build: () => Gpt2Model.randomInit(tinyConfig(), createRng(3)),
  task: { kind: 'classify', numLabels: 3, seqLen: 6 },
  batch: () => ({
    kind: 'classify',
    batchSize: 2,
    seqLen: 6,
    inputIds: Int32Array.from([3, 17, 5, 0, 28, 9, 7, 7, 21, 4, 0, 0]),
    attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
    labels: Int32Array.from([2, 0]),
  }),
  linearModules: range(2).flatMap((i) => ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'].map((m) => `transformer.h.${i}.${m}`)),
  headModule: 'score',
  headParams: ['weight'],
  // q and v are two thirds of the fused c_attn, which PEFT adapts whole.
  loraTargets: { roles: ['q', 'v', 'mlp_out'], modules: range(2).flatMap((i) => [`transformer.h.${i}.attn.c_attn`, `transformer.h.${i}.mlp.c_proj`]) },
  fanInFanOut: true,
  taskType: 'SEQ_CLS',
};

const VIT: Family = {
  name: 'ViT (ViTForImageClassification)',
  build: () => VitModel.randomInit(vitConfig, createRng(4)),
  task: { kind: 'image-classify', numLabels: 3, seqLen: 4 },
  batch: () => {
    const next = createRng(9);
    return { kind: 'image', batchSize: 2, channels: 1, height: 8, width: 8, pixels: Float32Array.from({ length: 128 }, () => next.normal()), labels: Int32Array.from([1, 2]) };
  },
  linearModules: range(2).flatMap((i) =>
    ['attention.attention.query', 'attention.attention.key', 'attention.attention.value', 'attention.output.dense', 'intermediate.dense', 'output.dense'].map((m) => `vit.encoder.layer.${i}.${m}`),
  ),
  headModule: 'classifier',
  headParams: ['weight', 'bias'],
  // "output.dense" alone would also match "attention.output.dense": the export must say which.
  loraTargets: { roles: ['v', 'mlp_out'], modules: range(2).flatMap((i) => [`vit.encoder.layer.${i}.attention.attention.value`, `vit.encoder.layer.${i}.output.dense`]) },
  fanInFanOut: false,
  taskType: null,
};

const T5: Family = {
  name: 'T5 (T5ForConditionalGeneration)',
  build: () => T5Model.randomInit(t5Config, createRng(5)),
  task: { kind: 'seq2seq', numLabels: 2, seqLen: 5 },
  batch: () => ({
    kind: 'seq2seq',
    batchSize: 2,
    seqLen: 5,
    inputIds: Int32Array.from([5, 6, 7, 8, 1, 9, 4, 1, 0, 0]),
    attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
    targetLen: 3,
    labels: Int32Array.from([10, 11, 1, 12, 1, 0]),
    labelMask: Int32Array.from([1, 1, 1, 1, 1, 0]),
  }),
  linearModules: range(2).flatMap((i) => [
    ...['q', 'k', 'v', 'o'].map((m) => `encoder.block.${i}.layer.0.SelfAttention.${m}`),
    ...['wi', 'wo'].map((m) => `encoder.block.${i}.layer.1.DenseReluDense.${m}`),
    ...['q', 'k', 'v', 'o'].map((m) => `decoder.block.${i}.layer.0.SelfAttention.${m}`),
    ...['q', 'k', 'v', 'o'].map((m) => `decoder.block.${i}.layer.1.EncDecAttention.${m}`),
    ...['wi', 'wo'].map((m) => `decoder.block.${i}.layer.2.DenseReluDense.${m}`),
  ]),
  headModule: null,
  headParams: [],
  // As PEFT's target_modules ["q", "v"] on T5: every attention's q and v, cross-attention included.
  loraTargets: {
    roles: ['q', 'v'],
    modules: range(2).flatMap((i) => [
      `encoder.block.${i}.layer.0.SelfAttention.q`,
      `encoder.block.${i}.layer.0.SelfAttention.v`,
      `decoder.block.${i}.layer.0.SelfAttention.q`,
      `decoder.block.${i}.layer.0.SelfAttention.v`,
      `decoder.block.${i}.layer.1.EncDecAttention.q`,
      `decoder.block.${i}.layer.1.EncDecAttention.v`,
    ]),
  },
  fanInFanOut: false,
  taskType: 'SEQ_2_SEQ_LM',
};

const FAMILIES = [GPT2, VIT, T5];

/** PEFT's module matching for target_modules (as LoraConfig's docstring describes it). */
function peftTargets(targetModules: unknown, modules: string[]): string[] {
  if (typeof targetModules === 'string') return modules.filter((m) => new RegExp(`^(?:${targetModules})$`).test(m));
  const list = targetModules as string[];
  return modules.filter((m) => list.some((t) => m === t || m.endsWith(`.${t}`)));
}

/** A model with the method and a head attached, every trainable tensor set to random values (as if trained). */
function trainedRun(family: Family, methodName: MethodName, options: Record<string, unknown>, seed: number): { model: BackboneModel; method: AttachedMethod; head: TaskHead } {
  const model = family.build();
  const config = resolveMethodConfig(methodName, options);
  const method = methodByName(methodName).attach(model, family.task, config, createRng(seed));
  const head = createTaskHead(model, family.task, { trainsLmHead: method.trainsLmHead ?? false, rng: createRng(seed + 1) });
  let i = 0;
  for (const v of [...method.paramGroups.flatMap((g) => g.variables), ...head.variables]) setValues(v, randomFloats(v.size, 0.3, seed * 100 + i++));
  return { model, method, head };
}

function dispose(run: { model: BackboneModel; method: AttachedMethod; head: TaskHead }): void {
  run.head.dispose();
  run.method.dispose();
  run.model.dispose();
}

/** What a run computes on the family's batch: the head's logits (where it has them) and its loss. */
function outputsOf(run: { method: AttachedMethod; head: TaskHead }, batch: AnyBatchTensors): Float32Array {
  const out = tf.tidy(() => {
    const loss = run.head.loss(batch, run.method.hooks).reshape([1]);
    const logits = run.head.logits ? run.head.logits(batch, run.method.hooks).reshape([-1]) : null;
    return logits ? tf.concat([logits, loss]) : loss;
  });
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

async function exportRun(family: Family, methodName: MethodName, run: { method: AttachedMethod; head: TaskHead }, options: Record<string, unknown>) {
  const files = await adapterToFiles(run.method, run.head, {
    method: methodName,
    options,
    task: { id: 'test-task', kind: family.task.kind, numLabels: family.task.numLabels, seqLen: family.task.seqLen, labels: range(family.task.numLabels).map(String) },
    baseModel: 'tiny-test-model',
  });
  return { files, config: JSON.parse(files.config) as Record<string, unknown>, tensors: readSafetensors(files.weights).tensors };
}

describe.each(FAMILIES)('PEFT layout on $name', (family) => {
  it('the model’s linear modules are named as in transformers (what PEFT targets by name)', () => {
    const model = family.build();
    try {
      expect(model.linearSites().map((s) => s.modulePath).sort()).toEqual([...family.linearModules].sort());
    } finally {
      model.dispose();
    }
  });

  it('LoRA: PEFT’s tensor names and shapes, LoraConfig fields, and PEFT’s forward (W + alpha/r·B·A) equals ours', async () => {
    const options = { r: 2, alpha: 6, targets: family.loraTargets.roles };
    const source = trainedRun(family, 'lora', options, 11);
    const merged = family.build();
    const batch = batchToTensors(family.batch(), family.task.seqLen);
    try {
      const { config, tensors } = await exportRun(family, 'lora', source, options);
      // Names: base_model.model.<module>.lora_A.weight / lora_B.weight, no adapter name; the head as modules_to_save.
      const expectedNames = [
        ...family.loraTargets.modules.flatMap((m) => [`base_model.model.${m}.lora_A.weight`, `base_model.model.${m}.lora_B.weight`]),
        ...family.headParams.map((p) => `base_model.model.${family.headModule}.${p}`),
      ];
      expect([...tensors.keys()].sort()).toEqual(expectedNames.sort());
      expect([...tensors.keys()].some((k) => k.includes('.default.'))).toBe(false);

      // Config: only LoraConfig fields (and ours, which PEFT drops with a warning).
      for (const key of Object.keys(config)) expect([...LORA_CONFIG_FIELDS, ...OUR_FIELDS], `adapter_config.json field "${key}"`).toContain(key);
      expect(config).toMatchObject({ peft_type: 'LORA', r: 2, lora_alpha: 6, lora_dropout: 0, bias: 'none', fan_in_fan_out: family.fanInFanOut, base_model_name_or_path: 'tiny-test-model' });
      expect(config.task_type === null || TASK_TYPES.includes(config.task_type as string)).toBe(true);
      expect(config.task_type).toBe(family.taskType);
      expect(config.modules_to_save).toEqual(family.headModule ? [family.headModule] : null);
      // PEFT wraps exactly the adapted modules.
      expect(peftTargets(config.target_modules, family.linearModules).sort()).toEqual([...family.loraTargets.modules].sort());

      // Shapes [r, in] / [out, r] with r and alpha per module from rank_pattern / alpha_pattern
      // (PEFT matches a pattern key against the end of the module name).
      const rankPattern = config.rank_pattern as Record<string, number>;
      const alphaPattern = config.alpha_pattern as Record<string, number>;
      const patternFor = (pattern: Record<string, number>, module: string) => Object.entries(pattern).find(([key]) => new RegExp(`(.*\\.)?(${key})$`).test(module))?.[1];
      const sites = new Map(merged.linearSites().map((s) => [s.modulePath, s]));
      for (const module of family.loraTargets.modules) {
        const site = sites.get(module)!;
        const rank = patternFor(rankPattern, module) ?? (config.r as number);
        const alpha = patternFor(alphaPattern, module) ?? (config.lora_alpha as number);
        const a = tensors.get(`base_model.model.${module}.lora_A.weight`)!;
        const b = tensors.get(`base_model.model.${module}.lora_B.weight`)!;
        expect(a.shape).toEqual([rank, site.inFeatures]);
        expect(b.shape).toEqual([site.outFeatures, rank]);
        // PEFT's merge: ΔW[out, in] = (alpha / rank)·B·A; our weights are stored [in, out].
        const delta = new Float32Array(site.inFeatures * site.outFeatures);
        for (let i = 0; i < site.inFeatures; i++) {
          for (let o = 0; o < site.outFeatures; o++) {
            let sum = 0;
            for (let c = 0; c < rank; c++) sum += b.data[o * rank + c] * a.data[c * site.inFeatures + i];
            delta[i * site.outFeatures + o] = (alpha / rank) * sum;
          }
        }
        tf.tidy(() => site.weight.assign(tf.add(site.weight, tf.tensor(delta, site.weight.shape))));
      }
      // The merged base with the head loaded from the file computes what our LoRA hooks compute.
      const head = createTaskHead(merged, family.task, { trainsLmHead: false, rng: createRng(99) });
      try {
        head.load(new Map(family.headParams.map((p) => [`base_model.model.${family.headModule}.${p}`, tensors.get(`base_model.model.${family.headModule}.${p}`)!])));
        const noMethod = { hooks: {} } as AttachedMethod;
        expect(maxAbsDiff(outputsOf({ method: noMethod, head }, batch), outputsOf(source, batch))).toBeLessThan(2e-5);
      } finally {
        head.dispose();
      }
    } finally {
      disposeBatch(batch);
      dispose(source);
      merged.dispose();
    }
  });

  it('prompt tuning: "prompt_embeddings" [num_virtual_tokens·num_transformer_submodules, token_dim], PromptTuningConfig fields, the head under "base_model."', async () => {
    const options = { length: 3, init: 'random' };
    const source = trainedRun(family, 'prompt', options, 21);
    try {
      const { config, tensors } = await exportRun(family, 'prompt', source, options);
      // Prompt learning wraps the transformers model itself: modules_to_save under "base_model.<module>".
      expect([...tensors.keys()].sort()).toEqual(['prompt_embeddings', ...family.headParams.map((p) => `base_model.${family.headModule}.${p}`)].sort());
      for (const key of Object.keys(config)) expect([...PROMPT_TUNING_CONFIG_FIELDS, ...OUR_FIELDS], `adapter_config.json field "${key}"`).toContain(key);
      expect(config).toMatchObject({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3, task_type: family.taskType });
      expect(PROMPT_TUNING_INITS).toContain(config.prompt_tuning_init);
      const hidden = source.model.shape.hidden;
      expect(config.token_dim).toBe(hidden);
      // PEFT: 1 submodule = the prompt goes in front of the encoder input only (a T5 decoder gets none).
      expect(config.num_transformer_submodules).toBe(1);
      expect(tensors.get('prompt_embeddings')!.shape).toEqual([(config.num_virtual_tokens as number) * (config.num_transformer_submodules as number), config.token_dim]);
      // The head's file name maps back to the head, and the adapter reloads whole.
      const { files } = await exportRun(family, 'prompt', source, options);
      const parsed = parseAdapterFiles(files.config, files.weights);
      expect([...parsed.tensors.keys()].sort()).toEqual(['prompt_embeddings', ...source.head.tensorNames].sort());
    } finally {
      dispose(source);
    }
  });
});

/** Small options per method, valid on every family (ViT has no vocabulary to sample prompts from). */
const ROUND_TRIP_METHODS: Array<[MethodName, Record<string, unknown>]> = [
  ['full', {}],
  ['head', {}],
  ['prompt', { length: 3, init: 'random' }],
  ['lora', { r: 2, alpha: 4, targets: ['q', 'v', 'mlp_in'] }],
  ['dept', { length: 2, budget: null, r: 2, init: 'random' }],
  ['deep-prompt', { length: 2, init: 'random' }],
  ['apt', { length: 2, r: 2 }],
  ['nola', { k: 4, l: 4, r: 2, targets: ['q', 'v'] }],
];

describe.each(FAMILIES)('every method round-trips through the files on $name', (family) => {
  it.each(ROUND_TRIP_METHODS)('%s: export → import into a fresh model → identical outputs', async (methodName, options) => {
    const source = trainedRun(family, methodName, options, 31);
    const batch = batchToTensors(family.batch(), family.task.seqLen);
    // A fresh model and a fresh attach with other seeds: only the files can make them agree.
    const target = (() => {
      const model = family.build();
      const method = methodByName(methodName).attach(model, family.task, resolveMethodConfig(methodName, options), createRng(77));
      const head = createTaskHead(model, family.task, { trainsLmHead: method.trainsLmHead ?? false, rng: createRng(78) });
      return { model, method, head };
    })();
    try {
      const expected = outputsOf(source, batch);
      expect(maxAbsDiff(outputsOf(target, batch), expected)).toBeGreaterThan(1e-4);
      const { files } = await exportRun(family, methodName, source, options);
      const parsed = parseAdapterFiles(files.config, files.weights);
      expect(parsed.description.method).toBe(methodName);
      applyAdapterTensors(target.method, target.head, parsed.tensors);
      expect(maxAbsDiff(outputsOf(target, batch), expected)).toBe(0);
    } finally {
      disposeBatch(batch);
      dispose(source);
      dispose(target);
    }
  });
});

describe('the runner starts a run from an imported adapter (RunnerExtras.initialAdapters)', () => {
  const spec = parseExperimentSpec({ model: 'tiny-gpt2', task: 'spam', methods: [{ name: 'lora', options: { r: 2 } }], steps: 2, batchSize: 2, seqLen: 16, eval: { every: 2, maxBatches: 1 }, logEvery: 1 });

  it('with 0 steps it evaluates the adapter exactly as the trained run ended; an adapter that does not fit fails naming the tensor', async () => {
    let files: { config: string; weights: Uint8Array } | null = null;
    const trainedEvals: number[] = [];
    await runExperiment(spec, nodeRunnerEnv, (e) => e.type === 'eval' && trainedEvals.push(e.loss), undefined, {
      afterTraining: async (runs, data) => {
        files = await runAdapterFiles(runs[0], data, spec.model);
      },
    });
    expect(trainedEvals).toHaveLength(2);
    expect(trainedEvals[1]).not.toBe(trainedEvals[0]);
    const { tensors } = parseAdapterFiles(files!.config, files!.weights);

    const importedEvals: number[] = [];
    const summaries = await runExperiment({ ...spec, steps: 0 }, nodeRunnerEnv, (e) => e.type === 'eval' && importedEvals.push(e.loss), undefined, { initialAdapters: [tensors] });
    expect(summaries[0].steps).toBe(0);
    expect(importedEvals).toEqual([trainedEvals[1]]);

    // Rank 4 instead of 2: refused before the first evaluation, naming the tensor and both shapes.
    const wrongRank = parseExperimentSpec({ ...spec, steps: 0, methods: [{ name: 'lora', options: { r: 4 } }] });
    const events: string[] = [];
    await expect(runExperiment(wrongRank, nodeRunnerEnv, (e) => events.push(e.type), undefined, { initialAdapters: [tensors] })).rejects.toThrow(
      /the adapter for lora does not fit this model and task: adapter tensor "base_model\.model\.transformer\.h\.0\.attn\.c_attn\.lora_A\.weight" has shape \[4,\d+\], expected \[8,\d+\]/,
    );
    expect(events).not.toContain('eval');
  });
});
