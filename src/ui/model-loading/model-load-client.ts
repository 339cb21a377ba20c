import * as Comlink from 'comlink';
import { deleteCachedModel as deleteFromCache, listCachedModels } from '../../engine/io/model-cache';
import { browserModelCache } from '../../worker/browser-env';
import type { ModelLoadOutcome, ModelLoadProgress } from '../../worker/protocol';
import { forgetModelShape, registerLocalModelConfig } from '../model-info';
import { switchModel, switchStashedOptions } from '../model-switch';
import { useAppStore } from '../store';
import { trainingWorker } from '../training-client';
import { useModelLoadStore } from './model-load-store';
import type { GivenFile } from './dropped-files';

/**
 * The page's side of loading checkpoints: asks the worker (which downloads, caches and keeps the
 * weights), mirrors progress into the model-load store, and keeps the cached-models list fresh.
 * Only a click calls these: opening a link never downloads by itself.
 */

/** After a load, the experiment uses the model; a task its family cannot pose is replaced. */
function adoptLoadedModel(outcome: ModelLoadOutcome): void {
  if (!outcome.ok) return;
  const { spec, setSpec } = useAppStore.getState();
  setSpec(switchModel(spec, outcome.model, outcome.family).spec);
  useAppStore.setState((s) => ({ stashedOptions: switchStashedOptions(s.stashedOptions, outcome.family) }));
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
export async function loadLocalFiles(files: readonly GivenFile[]): Promise<ModelLoadOutcome> {
  const first = files[0]?.path.split('/')[0] ?? 'files';
  const inFolder = files.length > 0 && files.every((f) => f.path.includes('/') && f.path.split('/')[0] === first);
  const name = inFolder ? first : 'files';
  const contents: Record<string, Uint8Array> = {};
  for (const { path, file } of files) contents[inFolder ? path.slice(first.length + 1) : path] = new Uint8Array(await file.arrayBuffer());
  const model = `local:${name}`;
  // A copy: the originals are transferred to the worker (detached here).
  if (contents['config.json']) registerLocalModelConfig(model, contents['config.json'].slice());
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
