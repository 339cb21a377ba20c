import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createRng } from '../engine/data/rng';
import type { HostTensor } from '../engine/io/safetensors';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, applyAdapterTensors, parseAdapterFiles, type AdapterDescription } from '../engine/methods/adapter-files';
import { ADAPTER_KINDS_BY_FAMILY, readAdapterZip } from '../engine/methods/adapter-package';
import { methodByName } from '../engine/methods/registry';
import type { AttachedMethod, TaskShape } from '../engine/methods/types';
import type { BackboneModel } from '../engine/models/model';
import type { ModelShape } from '../engine/models/hooks';
import { MODEL_FAMILIES } from '../engine/models/families';
import { createTaskHead, type TaskHead } from '../engine/train/task-head';
import { UsageError } from './args';

export interface LoadedAdapter {
  dir: string;
  description: AdapterDescription;
  tensors: Map<string, HostTensor>;
}

/**
 * Reads and validates an adapter for `model`: a folder (adapter_config.json +
 * adapter_model.safetensors) or the `.zip` of both that the app downloads. Our own files say
 * their method and task; a folder PEFT wrote is read from its config alone (peft-import.ts).
 */
export async function readAdapterDir(dir: string, model: ModelShape): Promise<LoadedAdapter> {
  const family = model.family;
  const read = async (file: string) => {
    const full = path.join(dir, file);
    try {
      return await readFile(full);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const hint = code === 'ENOENT' ? ' (no such file; an adapter folder holds adapter_config.json and adapter_model.safetensors)' : code === 'ENOTDIR' ? ' (not a folder, nor a .zip)' : '';
      throw new UsageError(`--adapter: cannot read ${full}${hint}`);
    }
  };
  let files: { configText: string; weights: Uint8Array };
  if ((await stat(dir).catch(() => null))?.isFile()) {
    try {
      files = readAdapterZip(new Uint8Array(await readFile(dir)), dir);
    } catch (error) {
      throw new Error(`--adapter ${dir}: ${(error as Error).message}`);
    }
  } else {
    files = { configText: (await read(ADAPTER_CONFIG_FILE)).toString('utf8'), weights: new Uint8Array(await read(ADAPTER_WEIGHTS_FILE)) };
  }
  let parsed;
  try {
    parsed = parseAdapterFiles(files.configText, files.weights, model);
  } catch (error) {
    throw new Error(`--adapter ${dir}: ${(error as Error).message}`);
  }
  const kind = parsed.description.task.kind;
  if (!ADAPTER_KINDS_BY_FAMILY[family].includes(kind)) {
    throw new UsageError(
      `--adapter ${dir}: trained for a ${kind} task ("${parsed.description.task.id}", base ${parsed.description.baseModel || 'unknown'}); a ${MODEL_FAMILIES[family].title} model runs ${ADAPTER_KINDS_BY_FAMILY[family].join(', ')} tasks`,
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
