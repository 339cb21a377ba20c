import { useEffect, useState } from 'react';
import { loadModelShape } from '../engine/experiment/base-model';
import { loadTaskShape } from '../engine/experiment/task-data';
import { fixedInputLength, type ModelConfig } from '../engine/io/model-config';
import type { ModelShape } from '../engine/models/hooks';
import type { TaskShape } from '../engine/methods/types';
import { browserRunnerEnv, isCachedInBrowser, metadataSource } from '../worker/browser-env';
import { memorySource, type FileSource } from '../engine/io/file-source';
import { pageHubEndpoint } from './hub-endpoint';
import { pageDetailsHost, whenHostGranted } from './model-loading/host-consent';

/**
 * What the page needs to count parameters before training: the model's shape (config.json
 * only, no weights) and the task's kind and label count (the head's size). Each is fetched
 * once per id. The sequence length completes a TaskShape; it comes from the spec (text) or from
 * the model (ViT's patch grid).
 */

export const assetBase = () => new URL(import.meta.env.BASE_URL, document.baseURI).href;

export type Loaded<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: string };

type TaskShapeSansLength = Omit<TaskShape, 'seqLen'> & { fixedSeqLen: number | null };
const modelCache = new Map<string, Promise<{ model: ModelConfig; shape: ModelShape }>>();
const taskCache = new Map<string, Promise<TaskShapeSansLength>>();

/** config.json of dropped folders ("local:<name>"): the worker holds their weights, the page their shape. */
const localConfigs = new Map<string, Uint8Array>();

export function registerLocalModelConfig(model: string, config: Uint8Array): void {
  localConfigs.set(model, config);
  modelCache.delete(model);
}

/**
 * config.json bytes per model, read once per page: the shape (here) and the preview card both
 * need them, and for a hub model each read is a request to another host.
 */
const configReads = new Map<string, Promise<Uint8Array | null>>();

/**
 * The model's metadata source (network, or the model cache once downloaded), config.json read
 * once. A checkpoint URL on a host other than this origin and the hub is read only after the
 * reader agrees (host-consent.ts): until then this waits, and nothing is sent to that host.
 */
export async function pageMetadataSource(model: string): Promise<FileSource> {
  const host = pageDetailsHost(model);
  if (host && !(await isCachedInBrowser(model))) await whenHostGranted(host.origin);
  const inner = await metadataSource(model, assetBase(), pageHubEndpoint());
  const readConfig = (): Promise<Uint8Array | null> => {
    let read = configReads.get(model);
    if (!read) {
      read = inner.read('config.json');
      // A failed read (host down, typo) is asked again next time, not remembered.
      read.catch(() => configReads.delete(model));
      configReads.set(model, read);
    }
    return read;
  };
  return {
    description: inner.description,
    read: (path, onProgress) => (path === 'config.json' ? readConfig() : inner.read(path, onProgress)),
    ...(inner.exists ? { exists: (path: string) => inner.exists!(path) } : {}),
    ...(inner.size ? { size: (path: string) => inner.size!(path) } : {}),
  };
}

/** Reads the shape again next time (after a failed preview, say: the host may answer now). */
export function forgetModelShape(model: string): void {
  modelCache.delete(model);
  configReads.delete(model);
  for (const key of [...taskCache.keys()]) if ((JSON.parse(key) as string[])[0] === model) taskCache.delete(key);
}

function modelShapeFor(model: string) {
  let promise = modelCache.get(model);
  if (!promise) {
    const local = localConfigs.get(model);
    promise = (local ? Promise.resolve(memorySource({ 'config.json': local }, model)) : pageMetadataSource(model)).then(loadModelShape);
    modelCache.set(model, promise);
  }
  return promise;
}

/** Key of a task on a model: how the model poses it decides the kind (T5: text-to-text). */
const taskKey = (model: string, taskId: string) => JSON.stringify([model, taskId]);

/** The task's shape on a model, without the spec's input length (see useTaskShape). */
function taskShapeFor(key: string): Promise<TaskShapeSansLength> {
  let promise = taskCache.get(key);
  if (!promise) {
    const [model, taskId] = JSON.parse(key) as [string, string];
    // The label count is in the dataset file; the worker's own fetch of it then hits the cache.
    promise = modelShapeFor(model).then(async ({ model: config }) => {
      const { kind, numLabels } = await loadTaskShape(taskId, browserRunnerEnv(assetBase()).readDataFile, 0, config);
      return { kind, numLabels, fixedSeqLen: fixedInputLength(config) };
    });
    taskCache.set(key, promise);
  }
  return promise;
}

/** A promise per key (cached by `load`) as render state; a new key starts as loading. */
export function useLoaded<T>(key: string, load: (key: string) => Promise<T>): Loaded<T> {
  const [loaded, setLoaded] = useState<{ key: string; value: Loaded<T> }>({ key, value: { state: 'loading' } });
  useEffect(() => {
    let live = true;
    load(key).then(
      (value) => live && setLoaded({ key, value: { state: 'ready', value } }),
      (error: unknown) => live && setLoaded({ key, value: { state: 'error', error: error instanceof Error ? error.message : String(error) } }),
    );
    return () => {
      live = false;
    };
  }, [key, load]);
  return loaded.key === key ? loaded.value : { state: 'loading' };
}

export function useModelShape(model: string): Loaded<{ model: ModelConfig; shape: ModelShape }> {
  return useLoaded(model, modelShapeFor);
}

export function useTaskShape(model: string, taskId: string, seqLen: number): Loaded<TaskShape> {
  const loaded = useLoaded(taskKey(model, taskId), taskShapeFor);
  if (loaded.state !== 'ready') return loaded;
  const { kind, numLabels, fixedSeqLen } = loaded.value;
  return { state: 'ready', value: { kind, numLabels, seqLen: fixedSeqLen ?? seqLen } };
}
