import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRng } from '../engine/data/rng';
import type { HostTensor } from '../engine/io/safetensors';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, applyAdapterTensors, parseAdapterFiles, type AdapterDescription } from '../engine/methods/adapter-files';
import { methodByName } from '../engine/methods/registry';
import type { AttachedMethod, TaskShape } from '../engine/methods/types';
import type { BackboneModel } from '../engine/models/model';
import type { ModelFamily } from '../engine/models/hooks';
import { MODEL_FAMILIES } from '../engine/models/families';
import { createTaskHead, type TaskHead } from '../engine/train/task-head';
import { UsageError } from './args';

/** The task kinds each family's heads serve (createTaskHead): what an adapter must have been trained on. */
const KINDS_BY_FAMILY: Record<ModelFamily, readonly TaskShape['kind'][]> = {
  gpt2: ['lm', 'classify'],
  vit: ['image-classify'],
  t5: ['seq2seq'],
};

export interface LoadedAdapter {
  dir: string;
  description: AdapterDescription;
  tensors: Map<string, HostTensor>;
}

/** Reads and validates an adapter folder (adapter_config.json + adapter_model.safetensors). */
export async function readAdapterDir(dir: string, family: ModelFamily): Promise<LoadedAdapter> {
  const read = async (file: string) => {
    const full = path.join(dir, file);
    try {
      return await readFile(full);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`--adapter: cannot read ${full}${code === 'ENOENT' ? ' (no such file; an adapter folder holds adapter_config.json and adapter_model.safetensors)' : ''}`);
    }
  };
  const configText = (await read(ADAPTER_CONFIG_FILE)).toString('utf8');
  const weights = new Uint8Array(await read(ADAPTER_WEIGHTS_FILE));
  let parsed;
  try {
    parsed = parseAdapterFiles(configText, weights);
  } catch (error) {
    throw new Error(`--adapter ${dir}: ${(error as Error).message}`);
  }
  const kind = parsed.description.task.kind;
  if (!KINDS_BY_FAMILY[family].includes(kind)) {
    throw new UsageError(
      `--adapter ${dir}: trained for a ${kind} task ("${parsed.description.task.id}", base ${parsed.description.baseModel || 'unknown'}); a ${MODEL_FAMILIES[family].title} model runs ${KINDS_BY_FAMILY[family].join(', ')} tasks`,
    );
  }
  return { dir, ...parsed };
}

/**
 * Attaches the adapter's method to `model` for the adapter's task and loads its tensors (method
 * and task head). Everything is disposed again if loading fails.
 */
export function attachAdapter(model: BackboneModel, adapter: LoadedAdapter, task: TaskShape): { method: AttachedMethod; head: TaskHead } {
  const method = methodByName(adapter.description.method).attach(model, task, adapter.description.options, createRng(0));
  let head: TaskHead | null = null;
  try {
    head = createTaskHead(model, task, { trainsLmHead: method.trainsLmHead ?? false, rng: createRng(0) });
    applyAdapterTensors(method, head, adapter.tensors);
    return { method, head };
  } catch (error) {
    head?.dispose();
    method.dispose();
    throw new Error(`--adapter ${adapter.dir}: ${(error as Error).message}`);
  }
}

/** Softmax of logits as plain numbers (float64, max-subtracted). */
export function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
