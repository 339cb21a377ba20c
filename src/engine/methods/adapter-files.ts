import { z } from 'zod';
import { readSafetensors, writeSafetensors, type HostTensor } from '../io/safetensors';
import type { TaskHead } from '../train/task-head';
import { AdapterError, type AttachedMethod, type MethodName, type TaskShape } from './types';
import { METHOD_NAMES, resolveMethodConfig } from './catalog';
import { expectTensor } from './host-tensors';
import { describePeftAdapter } from './peft-import';
import type { ModelShape } from '../models/hooks';

/**
 * An adapter on disk, as PEFT writes one: `adapter_config.json` + `adapter_model.safetensors`
 * holding only trained tensors (the method's and the task head's, PEFT names). Our block
 * `peft_playground` in the config says how to rebuild it here: method, options, task.
 */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

const playgroundBlockSchema = z.object({
  version: z.literal(1),
  method: z.enum(METHOD_NAMES as [MethodName, ...MethodName[]]),
  options: z.record(z.string(), z.unknown()),
  task: z
    .object({
      id: z.string(),
      kind: z.enum(['lm', 'classify', 'image-classify', 'seq2seq']),
      numLabels: z.number().int().min(0),
      seqLen: z.number().int().min(1).optional(),
      labels: z.array(z.string()),
    })
    .refine((t) => (t.kind === 'lm' ? t.numLabels === 0 : t.numLabels >= 2 && t.labels.length === t.numLabels), {
      message: 'must be a language-modelling task with numLabels 0, or a classification (image, text or text-to-text) task with numLabels ≥ 2 and that many labels',
    }),
});

export interface AdapterDescription {
  method: MethodName;
  options: Record<string, unknown>;
  /** seqLen: the input length it was trained at (DePT's updates are sized by it). */
  task: { id: string; kind: TaskShape['kind']; numLabels: number; seqLen?: number; labels: string[] };
  baseModel: string;
  /**
   * Set when Hugging Face PEFT wrote the file (no `peft_playground` block): read from its
   * config alone, so the task is only a kind (task.id is ""); a caller that needs a task picks one.
   */
  peft?: { peftType: string; taskType: string | null };
}

/**
 * Methods PEFT counts as prompt learning (its PromptTuningConfig; DePT's PromptTuningLoRAConfig;
 * our deep prompts and APT, nearest to its prefix tuning). PEFT wraps the transformers model
 * itself for them, not a tuner around it, so a trained head is saved as `base_model.score.weight`
 * rather than LoRA's `base_model.model.score.weight` (peft/utils/save_and_load.py,
 * get_peft_model_state_dict: "base_model." if prompt learning else "base_model.model.").
 */
const PROMPT_LEARNING_METHODS: ReadonlySet<MethodName> = new Set(['prompt', 'dept', 'deep-prompt', 'apt']);
const TUNER_PREFIX = 'base_model.model.';
const PROMPT_LEARNING_PREFIX = 'base_model.';

/** A head tensor's name in the file: the task head's own names are the tuner (LoRA) ones. */
function headNameInFile(method: MethodName, name: string): string {
  return PROMPT_LEARNING_METHODS.has(method) && name.startsWith(TUNER_PREFIX) ? PROMPT_LEARNING_PREFIX + name.slice(TUNER_PREFIX.length) : name;
}

/** The inverse of headNameInFile for every tensor of a file (method tensors have no "base_model." prefix there). */
function headNameFromFile(method: MethodName, name: string): string {
  return PROMPT_LEARNING_METHODS.has(method) && name.startsWith(PROMPT_LEARNING_PREFIX) && !name.startsWith(TUNER_PREFIX)
    ? TUNER_PREFIX + name.slice(PROMPT_LEARNING_PREFIX.length)
    : name;
}

export async function adapterToFiles(
  method: AttachedMethod,
  head: TaskHead,
  description: AdapterDescription,
): Promise<{ config: string; weights: Uint8Array }> {
  const saved = await method.saveAdapter();
  const headTensors = await head.save();
  const tensors = [...saved.tensors, ...[...headTensors].map(([name, t]) => [headNameInFile(description.method, name), t] as const)].map(([name, t]) => ({
    name,
    dtype: 'F32' as const,
    shape: t.shape,
    data: t.data,
  }));
  const config = {
    ...saved.config,
    base_model_name_or_path: description.baseModel,
    peft_playground: { version: 1, method: description.method, options: description.options, task: description.task },
  };
  return { config: JSON.stringify(config, null, 2) + '\n', weights: writeSafetensors(tensors, { format: 'pt' }) };
}

/**
 * Parses and validates both files; nothing is applied yet. Head tensors come back under the task
 * head's own names. A file without our `peft_playground` block is read as PEFT reads it
 * (peft-import.ts), which needs the model it is for: `model`.
 */
export function parseAdapterFiles(configText: string, weights: Uint8Array, model?: ModelShape): { description: AdapterDescription; tensors: Map<string, HostTensor> } {
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (error) {
    throw new AdapterError(`${ADAPTER_CONFIG_FILE} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AdapterError(`${ADAPTER_CONFIG_FILE} must hold a JSON object`);
  const config = json as Record<string, unknown>;
  const baseModel = String(config.base_model_name_or_path ?? '');
  const readWeights = (): Map<string, HostTensor> => {
    try {
      return readSafetensors(weights).tensors;
    } catch (error) {
      throw new AdapterError(`${ADAPTER_WEIGHTS_FILE}: ${(error as Error).message}`);
    }
  };
  let description: AdapterDescription;
  let inFile: Map<string, HostTensor>;
  if (config.peft_playground === undefined && model) {
    inFile = readWeights();
    const peft = describePeftAdapter(config, model, new Map([...inFile].map(([name, t]) => [name, t.shape])));
    const options = resolvePeftOptions(peft.method, peft.options);
    description = { method: peft.method, options, task: { id: '', ...peft.task }, baseModel, peft: { peftType: peft.peftType, taskType: peft.taskType } };
  } else {
    const block = playgroundBlockSchema.safeParse(config.peft_playground);
    if (!block.success) {
      const issue = block.error.issues[0];
      const hint = config.peft_playground === undefined ? ' (a file PEFT wrote is read against the model it is for; none was given)' : '';
      throw new AdapterError(`${ADAPTER_CONFIG_FILE}: field "peft_playground.${issue.path.join('.')}" ${issue.message}${hint}`);
    }
    const options = resolveMethodConfig(block.data.method, block.data.options) as Record<string, unknown>;
    inFile = readWeights();
    description = { method: block.data.method, options, task: block.data.task, baseModel };
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of inFile) {
    const own = headNameFromFile(description.method, name);
    if (tensors.has(own) || (own !== name && inFile.has(own))) throw new AdapterError(`${ADAPTER_WEIGHTS_FILE}: tensor "${name}" is there twice (also as "${own}")`);
    tensors.set(own, t);
  }
  return { description, tensors };
}

/** A PEFT config's options through our schema; a value out of our range names PEFT's field. */
function resolvePeftOptions(method: MethodName, options: Record<string, unknown>): Record<string, unknown> {
  try {
    return resolveMethodConfig(method, options) as Record<string, unknown>;
  } catch (error) {
    throw new AdapterError(`${ADAPTER_CONFIG_FILE}: read as ${method} options ${JSON.stringify(options)}, which do not fit (${(error as Error).message})`);
  }
}

/** Loads head and method tensors; every check runs before anything is assigned. */
export function applyAdapterTensors(method: AttachedMethod, head: TaskHead, tensors: Map<string, HostTensor>): void {
  const headNames = new Set(head.tensorNames);
  const own = new Map([...tensors].filter(([name]) => !headNames.has(name)));
  const headTensors = new Map([...tensors].filter(([name]) => headNames.has(name)));
  // tensorNames[i] is variables[i]: check the head's shapes before the method assigns anything.
  head.tensorNames.forEach((name, i) => expectTensor(headTensors, name, head.variables[i].shape));
  method.loadAdapter({ config: {}, tensors: own });
  head.load(headTensors);
}
