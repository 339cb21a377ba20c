import * as Comlink from 'comlink';
import { deleteCachedModel as deleteFromCache, listCachedModels } from '../../engine/io/model-cache';
import { parseModelRef } from '../../engine/io/model-ref';
import type { ModelFamily } from '../../engine/models/hooks';
import { browserModelCache } from '../../worker/browser-env';
import type { ModelLoadOutcome, ModelLoadProgress } from '../../worker/protocol';
import { forgetModelShape, registerLocalModelConfig } from '../model-info';
import { switchModel } from '../model-switch';
import { useAppStore } from '../store';
import { trainingWorker } from '../training-client';
import { useModelLoadStore } from './model-load-store';

/**
 * The page's side of loading checkpoints: asks the worker (which downloads, caches and keeps the
 * weights), mirrors progress into the model-load store, and keeps the cached-models list fresh.
 * Only a click calls these: opening a link never downloads by itself.
 */

/** After a load, the experiment uses the model; a task its family cannot pose is replaced. */
function adoptLoadedModel(outcome: ModelLoadOutcome): void {
  if (!outcome.ok) return;
  const { spec, setSpec } = useAppStore.getState();
  setSpec(switchModel(spec, outcome.model, outcome.family as ModelFamily).spec);
}

async function runLoad(model: string, start: (onProgress: (p: ModelLoadProgress) => void) => Promise<ModelLoadOutcome>): Promise<ModelLoadOutcome> {
  const store = useModelLoadStore.getState();
  store.beginLoad(model);
  const onProgress = Comlink.proxy((p: ModelLoadProgress) => useModelLoadStore.getState().setProgress(model, p));
  let outcome: ModelLoadOutcome;
  try {
    outcome = await start(onProgress);
  } catch (error) {
    outcome = { ok: false, model, error: error instanceof Error ? error.message : String(error), cancelled: false };
  }
  useModelLoadStore.getState().finishLoad(outcome);
  adoptLoadedModel(outcome);
  if (!outcome.ok) forgetModelShape(model);
  await refreshCachedModels();
  return outcome;
}

/** Downloads (or reads from the cache) a hub repo or URL checkpoint into the worker. */
export function loadModel(model: string): Promise<ModelLoadOutcome> {
  return runLoad(model, (onProgress) => trainingWorker().loadModel(model, onProgress));
}

export function cancelModelLoad(): void {
  void trainingWorker().cancelModelLoad();
}

/**
 * Files the user chose or dropped: a folder (paths like "gpt2/config.json") or loose files.
 * Paths are taken relative to the folder; the worker validates everything.
 */
export async function loadLocalFiles(files: readonly File[]): Promise<ModelLoadOutcome> {
  const paths = files.map((f) => f.webkitRelativePath || f.name);
  const first = paths[0]?.split('/')[0] ?? 'files';
  const inFolder = paths.length > 0 && paths.every((p) => p.includes('/') && p.split('/')[0] === first);
  const name = inFolder ? first : 'files';
  const contents: Record<string, Uint8Array> = {};
  for (const [i, file] of files.entries()) {
    const path = inFolder ? paths[i].slice(first.length + 1) : paths[i];
    contents[path] = new Uint8Array(await file.arrayBuffer());
  }
  const model = `local:${name}`;
  if (contents['config.json']) registerLocalModelConfig(model, contents['config.json']);
  return runLoad(model, (onProgress) => trainingWorker().loadModelFiles(name, Comlink.transfer(contents, Object.values(contents).map((b) => b.buffer as ArrayBuffer)), onProgress));
}

export async function refreshCachedModels(): Promise<void> {
  const cache = browserModelCache();
  if (!cache) {
    useModelLoadStore.getState().setCached(null, 'this browser offers no Cache Storage on this page: downloaded checkpoints cannot be kept');
    return;
  }
  try {
    useModelLoadStore.getState().setCached(await listCachedModels(cache), null);
  } catch (error) {
    useModelLoadStore.getState().setCached(null, `the checkpoint cache cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function deleteCachedModel(model: string): Promise<void> {
  const cache = browserModelCache();
  if (cache) await deleteFromCache(cache, model);
  forgetModelShape(model);
  await refreshCachedModels();
}

/** Whether a model string names a checkpoint from another host (hub or URL) or a dropped folder. */
export function isExternalModel(model: string): boolean {
  if (model.startsWith('local:')) return true;
  try {
    return parseModelRef(model).kind !== 'built-in';
  } catch {
    return false;
  }
}

/**
 * Why Run must wait for the model, or null: a hub or URL checkpoint runs once the worker holds
 * it or the browser has it cached (a run never starts a download the user did not click).
 */
export function modelRunBlocker(model: string, ready: string | null, cachedModels: readonly string[]): string | null {
  if (!isExternalModel(model) || ready === model) return null;
  if (model.startsWith('local:')) return `the files of ${model.slice('local:'.length)} are not loaded in this page: choose them again (Model panel)`;
  if (cachedModels.includes(model)) return null;
  return `${model} is not downloaded yet: check its host and size in the Model panel, then download it`;
}
