import type { LinearShape, ModelFamily, ModelShape } from '../models/hooks';
import type { TaskKind } from './types';
import { AdapterError } from './types';
import { LORA_TARGET_OPTIONS, type LoraTargetOption } from './lora-info';
import { PEFT_DEFAULT_LORA_TARGETS, peftModuleMatches, peftPatternKey, type PeftTargetModules } from './peft-targets';

/**
 * An adapter that Hugging Face PEFT wrote (no `peft_playground` block), read from
 * adapter_config.json alone as PEFT reads it, into this playground's method and options.
 * Pure (no tensors): the page, the worker and the CLI share it. What does not map exactly is
 * refused with the field that says so; nothing is approximated.
 *
 * Maps: LORA (→ lora: one rank and one scale for every adapted module, a role adapted in
 * every layer or in none, GPT-2's c_attn whole), PROMPT_TUNING and P_TUNING (→ prompt: PEFT
 * saves a P-tuning prompt as its encoder's output `prompt_embeddings`, which is a plain prompt).
 */

export interface PeftAdapterDescription {
  method: 'lora' | 'prompt';
  options: Record<string, unknown>;
  task: { kind: TaskKind; numLabels: number; labels: string[] };
  peftType: string;
  taskType: string | null;
}

const CONFIG = 'adapter_config.json';
const fail = (field: string, why: string): never => {
  throw new AdapterError(`${CONFIG}: field "${field}" ${why}`);
};

/** Task types each family runs, and how; null = none given (PeftModel without a task class). */
const TASK_KINDS: Record<ModelFamily, Record<string, TaskKind>> = {
  gpt2: { CAUSAL_LM: 'lm', SEQ_CLS: 'classify', null: 'lm' },
  t5: { SEQ_2_SEQ_LM: 'seq2seq', null: 'seq2seq' },
  vit: { null: 'image-classify' },
};

/** The trained head of a classification adapter, as PEFT saves a modules_to_save copy. */
const HEAD_MODULE: Partial<Record<ModelFamily, string>> = { gpt2: 'score', vit: 'classifier' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields PEFT may write that change the computation in ways this playground does not model. */
function refuseLoraFields(config: Record<string, unknown>): void {
  if (config.use_dora === true) fail('use_dora', 'is true: DoRA (a learned magnitude per column) is not LoRA and does not run here');
  if (config.bias !== undefined && config.bias !== null && config.bias !== 'none') fail('bias', `is ${JSON.stringify(config.bias)}: trained biases are not loaded here; only "none" maps`);
  if (config.lora_bias === true) fail('lora_bias', 'is true: a bias on lora_B is not loaded here');
  const nonEmpty = (v: unknown) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(isRecord(v) && Object.keys(v).length === 0);
  if (nonEmpty(config.layers_to_transform)) fail('layers_to_transform', `is ${JSON.stringify(config.layers_to_transform)}: this playground's LoRA adapts a target in every layer`);
  if (nonEmpty(config.layer_replication)) fail('layer_replication', 'is set: layer replication changes the base model');
  if (nonEmpty(config.target_parameters)) fail('target_parameters', 'is set: LoRA on bare parameters is not supported; target modules');
  if (nonEmpty(config.trainable_token_indices)) fail('trainable_token_indices', 'is set: trainable token embeddings are not loaded here');
  if (nonEmpty(config.alora_invocation_tokens)) fail('alora_invocation_tokens', 'is set: activated LoRA is not supported');
  // These initialisations rewrite the base weights (PiSSA, OLoRA, CorDA keep a residual; LoftQ quantizes it).
  if (typeof config.init_lora_weights === 'string' && /^(pissa|olora|corda|loftq)/i.test(config.init_lora_weights)) {
    fail('init_lora_weights', `is "${config.init_lora_weights}": it changes the base model's weights, which this file does not hold`);
  }
}

/** LoRA's target of one linear: GPT-2's fused c_attn whole (PEFT adapts the module), else its role. */
function targetOf(linear: LinearShape): LoraTargetOption {
  return linear.fusedRoles ? 'c_attn' : (linear.role as LoraTargetOption);
}

function numberField(config: Record<string, unknown>, field: string, fallback?: number): number {
  const value = config[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `must be a number (got ${JSON.stringify(config[field])})`);
  return value as number;
}

function patternField(config: Record<string, unknown>, field: string): Record<string, number> {
  const value = config[field];
  if (value === undefined || value === null) return {};
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'number' || !Number.isFinite(v))) fail(field, 'must map module names to numbers');
  return value as Record<string, number>;
}

function targetModulesField(config: Record<string, unknown>, field: string, fallback: PeftTargetModules | null): PeftTargetModules | null {
  const value = config[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return fail(field, 'must be a list of module names or a regular expression');
}

/** LoRA options from a LoraConfig, checked against the model's linears. */
function loraOptions(config: Record<string, unknown>, model: ModelShape): Record<string, unknown> {
  refuseLoraFields(config);
  const r = numberField(config, 'r', 8);
  if (!Number.isInteger(r) || r < 1) fail('r', `must be a positive integer (got ${r})`);
  const loraAlpha = numberField(config, 'lora_alpha', 8);
  const rslora = config.use_rslora === true;
  const ranks = patternField(config, 'rank_pattern');
  const alphas = patternField(config, 'alpha_pattern');
  const targets = targetModulesField(config, 'target_modules', PEFT_DEFAULT_LORA_TARGETS[model.family])!;
  const excluded = targetModulesField(config, 'exclude_modules', null);
  // fan_in_fan_out needs nothing: PEFT sets it per layer (true on GPT-2's Conv1D, false on
  // nn.Linear, with a warning if the file says otherwise); lora_A/B keep their shapes either way.
  const adapted = model.linears.filter((l) => peftModuleMatches(targets, l.modulePath) && !(excluded && peftModuleMatches(excluded, l.modulePath, 'exclude_modules')));
  if (adapted.length === 0) fail('target_modules', `(${JSON.stringify(targets)}) matches none of the model's linear layers (e.g. ${model.linears[0]?.modulePath})`);

  // One rank and one scale for all: scale alpha/r, or alpha/√r with rsLoRA (folded into our alpha).
  const perModule = adapted.map((l) => {
    const rankKey = peftPatternKey(Object.keys(ranks), l.modulePath, 'rank_pattern');
    const alphaKey = peftPatternKey(Object.keys(alphas), l.modulePath, 'alpha_pattern');
    const rank = rankKey === null ? r : ranks[rankKey];
    const alpha = alphaKey === null ? loraAlpha : alphas[alphaKey];
    return { linear: l, rank, scale: rslora ? alpha / Math.sqrt(rank) : alpha / rank };
  });
  const first = perModule[0];
  const otherRank = perModule.find((m) => m.rank !== first.rank);
  if (otherRank) fail('rank_pattern', `gives ${first.linear.modulePath} rank ${first.rank} and ${otherRank.linear.modulePath} rank ${otherRank.rank}; this playground's LoRA has one rank for all`);
  const otherScale = perModule.find((m) => Math.abs(m.scale - first.scale) > 1e-6 * Math.abs(first.scale));
  if (otherScale) fail('alpha_pattern', `gives ${first.linear.modulePath} scale ${first.scale} and ${otherScale.linear.modulePath} scale ${otherScale.scale}; this playground's LoRA has one scale for all`);

  // A target here is a role in every layer (T5's "q": every self- and cross-attention query).
  const chosen = new Set(adapted.map(targetOf));
  for (const target of chosen) {
    const all = model.linears.filter((l) => targetOf(l) === target);
    const missing = all.find((l) => !adapted.includes(l));
    if (missing) {
      fail(excluded && peftModuleMatches(excluded, missing.modulePath, 'exclude_modules') ? 'exclude_modules' : 'target_modules',
        `adapts ${all.length - all.filter((l) => !adapted.includes(l)).length} of the ${all.length} "${target}" modules (not ${missing.modulePath}); this playground adapts a target in every layer`);
    }
  }
  const dropout = numberField(config, 'lora_dropout', 0);
  return {
    r: first.rank,
    alpha: first.scale * first.rank,
    dropout,
    targets: LORA_TARGET_OPTIONS.filter((t) => chosen.has(t)),
  };
}

/** Prompt options from a PromptTuningConfig (or a P-tuning config, whose saved prompt is final). */
function promptOptions(config: Record<string, unknown>, model: ModelShape): Record<string, unknown> {
  const length = numberField(config, 'num_virtual_tokens');
  if (!Number.isInteger(length) || length < 1) fail('num_virtual_tokens', `must be a positive integer (got ${length})`);
  if (config.token_dim !== undefined && config.token_dim !== null && config.token_dim !== model.hidden) {
    fail('token_dim', `is ${JSON.stringify(config.token_dim)}, but the model's hidden size is ${model.hidden}`);
  }
  const submodules = config.num_transformer_submodules ?? 1;
  if (submodules !== 1) {
    fail('num_transformer_submodules', `is ${JSON.stringify(submodules)}: PEFT then prepends prompts to the decoder's input too; this playground's prompt joins ${model.family === 't5' ? "T5's encoder" : 'the input'} only (1)`);
  }
  // Only the initialisation differs between these; the trained rows are what the file holds.
  const init = model.family === 'vit' || config.prompt_tuning_init === 'RANDOM' ? 'random' : 'vocab';
  return { length, init };
}

/**
 * The method, options and task of a PEFT-made adapter. `fileShapes`: the tensors' names and
 * shapes as in the file (the classification head's shape gives the number of labels).
 */
export function describePeftAdapter(config: Record<string, unknown>, model: ModelShape, fileShapes: ReadonlyMap<string, readonly number[]>): PeftAdapterDescription {
  const peftType = config.peft_type;
  const method: 'lora' | 'prompt' | null = peftType === 'LORA' ? 'lora' : peftType === 'PROMPT_TUNING' || peftType === 'P_TUNING' ? 'prompt' : null;
  if (method === null) {
    const why =
      peftType === 'PREFIX_TUNING'
        ? "stores every layer's attention keys and values; this playground's deep prompts are hidden states that pass through each layer's K/V projections, so the file does not map"
        : 'is not one this playground reads from PEFT (LORA, PROMPT_TUNING, P_TUNING)';
    return fail('peft_type', `is ${JSON.stringify(peftType ?? null)}, which ${why}`);
  }
  const taskType = config.task_type === undefined || config.task_type === null ? null : String(config.task_type);
  const kind = TASK_KINDS[model.family][String(taskType)];
  if (!kind) {
    const known = Object.keys(TASK_KINDS[model.family]).filter((k) => k !== 'null');
    fail('task_type', `is ${JSON.stringify(taskType)}; a ${model.family} model here runs ${[...known, 'none'].join(', ')}`);
  }
  const options = method === 'lora' ? loraOptions(config, model) : promptOptions(config, model);

  // modules_to_save: the classification head, which PEFT saves under the head's module path.
  const headModule = HEAD_MODULE[model.family];
  const saved = config.modules_to_save ?? [];
  if (!Array.isArray(saved) || saved.some((m) => typeof m !== 'string')) fail('modules_to_save', 'must be a list of module names');
  // PEFT's SEQ_CLS adds both "classifier" and "score" whatever the model has; only the head maps.
  const other = (saved as string[]).find((m) => m !== 'score' && m !== 'classifier');
  if (other) fail('modules_to_save', `names "${other}": only the classification head (${headModule ?? 'none on this model'}) is loaded here`);
  let numLabels = 0;
  if (kind === 'classify' || kind === 'image-classify') {
    const prefix = method === 'prompt' ? 'base_model.' : 'base_model.model.';
    const name = `${prefix}${headModule}.weight`;
    const shape = fileShapes.get(name);
    if (!shape) fail('modules_to_save', `does not bring the trained head: adapter_model.safetensors holds no "${name}" (a ${kind} adapter needs ${headModule} in modules_to_save)`);
    numLabels = shape![0];
    if (shape!.length !== 2 || numLabels < 2) fail('modules_to_save', `head "${name}" has shape [${shape}]; a classifier of at least 2 labels is [labels, ${model.hidden}]`);
  }
  // transformers' default id2label: LABEL_0, LABEL_1, … (PEFT's file names no labels).
  const labels = Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`);
  return { method, options, task: { kind, numLabels, labels }, peftType: String(peftType), taskType };
}
