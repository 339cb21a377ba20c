import { strToU8, unzipSync, zipSync } from 'fflate';
import type { ModelFamily } from '../models/hooks';
import type { TaskKind } from './types';
import { AdapterError } from './types';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, type AdapterDescription } from './adapter-files';

/**
 * An adapter as one download: a `.zip` holding exactly the two files `--save-adapter` writes
 * (adapter_config.json + adapter_model.safetensors), so unzipping it gives a folder that
 * `PeftModel.from_pretrained` and `forward --adapter` read. Reading accepts the zip or the two
 * files chosen together.
 */

/** Largest entry we inflate: a zip says its sizes before inflating, so a bomb is refused unread. */
export const MAX_ADAPTER_ENTRY_BYTES = 512 * 1024 * 1024;

/** The task kinds each family's heads serve (createTaskHead): what an adapter must have been trained on. */
export const ADAPTER_KINDS_BY_FAMILY: Record<ModelFamily, readonly TaskKind[]> = {
  gpt2: ['lm', 'classify'],
  vit: ['image-classify'],
  t5: ['seq2seq'],
};

/** Why an adapter's task cannot run on a model of `family`, or null. */
export function adapterFamilyProblem(description: AdapterDescription, family: ModelFamily): string | null {
  const kinds = ADAPTER_KINDS_BY_FAMILY[family];
  if (kinds.includes(description.task.kind)) return null;
  return `it was trained for a ${description.task.kind} task ("${description.task.id}", base ${description.baseModel || 'unknown'}); a ${family} model runs ${kinds.join(', ')} tasks`;
}

/** The two files in one zip (stored, not deflated: float32 weights barely compress). */
export function adapterZip(files: { config: string; weights: Uint8Array }): Uint8Array {
  return zipSync({ [ADAPTER_CONFIG_FILE]: [strToU8(files.config), { level: 0 }], [ADAPTER_WEIGHTS_FILE]: [files.weights, { level: 0 }] });
}

/** Is this a zip (local file header "PK\x03\x04", or an empty archive's end record "PK\x05\x06")? */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** The entry's file name without any folder (a zipped folder holds "my-adapter/adapter_config.json"). */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The two adapter files from a zip: at its root or in one folder, nothing else required. Names
 * what is missing (and what the zip holds instead), or what is too large, before inflating.
 */
export function readAdapterZip(bytes: Uint8Array, zipName = 'the zip'): { configText: string; weights: Uint8Array } {
  if (!looksLikeZip(bytes)) throw new AdapterError(`${zipName} is not a zip file (it does not start with a zip header)`);
  const wanted = new Set([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]);
  const seen: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (file) => {
        seen.push(file.name);
        if (!wanted.has(baseName(file.name))) return false;
        if (file.originalSize > MAX_ADAPTER_ENTRY_BYTES) {
          throw new AdapterError(`${zipName}: ${file.name} would inflate to ${file.originalSize} bytes, above the ${MAX_ADAPTER_ENTRY_BYTES}-byte limit`);
        }
        return true;
      },
    });
  } catch (error) {
    if (error instanceof AdapterError) throw error;
    throw new AdapterError(`${zipName} is not a readable zip (${(error as Error).message})`);
  }
  const find = (file: string): Uint8Array => {
    const matches = Object.keys(entries).filter((name) => baseName(name) === file);
    if (matches.length === 0) {
      throw new AdapterError(`${zipName} holds no ${file} (it holds: ${seen.length ? seen.join(', ') : 'nothing'}); an adapter zip holds ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}`);
    }
    if (matches.length > 1) throw new AdapterError(`${zipName} holds ${file} more than once (${matches.join(', ')}); which one is meant is unclear`);
    return entries[matches[0]];
  };
  const config = find(ADAPTER_CONFIG_FILE);
  const weights = find(ADAPTER_WEIGHTS_FILE);
  let configText: string;
  try {
    configText = new TextDecoder('utf-8', { fatal: true }).decode(config);
  } catch {
    throw new AdapterError(`${zipName}: ${ADAPTER_CONFIG_FILE} is not UTF-8 text`);
  }
  return { configText, weights };
}

/**
 * The adapter's two files from what a user chose: one `.zip`, or adapter_config.json and
 * adapter_model.safetensors together (names as chosen; a browser adds no folders).
 */
export function adapterFromChosenFiles(chosen: ReadonlyArray<{ name: string; bytes: Uint8Array }>): { configText: string; weights: Uint8Array } {
  if (chosen.length === 1 && (chosen[0].name.toLowerCase().endsWith('.zip') || looksLikeZip(chosen[0].bytes))) return readAdapterZip(chosen[0].bytes, chosen[0].name);
  const byName = new Map(chosen.map((f) => [baseName(f.name), f.bytes]));
  const missing = [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE].filter((name) => !byName.has(name));
  if (missing.length > 0 || chosen.length !== 2) {
    throw new AdapterError(
      `choose one adapter .zip, or the two files ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE} together (chosen: ${chosen.map((f) => f.name).join(', ') || 'nothing'}${missing.length ? `; missing ${missing.join(', ')}` : ''})`,
    );
  }
  let configText: string;
  try {
    configText = new TextDecoder('utf-8', { fatal: true }).decode(byName.get(ADAPTER_CONFIG_FILE)!);
  } catch {
    throw new AdapterError(`${ADAPTER_CONFIG_FILE} is not UTF-8 text`);
  }
  return { configText, weights: byName.get(ADAPTER_WEIGHTS_FILE)! };
}
