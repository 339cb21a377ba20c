import { useEffect, useState } from 'react';
import { loadModelShape } from '../engine/experiment/base-model';
import { loadTaskShape } from '../engine/experiment/task-data';
import type { Gpt2Config } from '../engine/models/gpt2-config';
import type { ModelShape } from '../engine/models/hooks';
import type { TaskShape } from '../engine/methods/types';
import { browserRunnerEnv } from '../worker/browser-env';

/**
 * What the page needs to count parameters before training: the model's shape (config.json
 * only, no weights) and the task's kind and label count (the head's size). Each is fetched
 * once per id. The sequence length completes a TaskShape; it comes from the spec.
 */

const assetBase = () => new URL(import.meta.env.BASE_URL, document.baseURI).href;

type Loaded<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: string };

const modelCache = new Map<string, Promise<{ config: Gpt2Config; shape: ModelShape }>>();
const taskCache = new Map<string, Promise<Omit<TaskShape, 'seqLen'>>>();

function modelShapeFor(model: string) {
  let promise = modelCache.get(model);
  if (!promise) {
    promise = loadModelShape(browserRunnerEnv(assetBase()).modelSource(model));
    modelCache.set(model, promise);
  }
  return promise;
}

/** The task's shape without the input length, which comes from the spec (see useTaskShape). */
function taskShapeFor(taskId: string): Promise<Omit<TaskShape, 'seqLen'>> {
  let promise = taskCache.get(taskId);
  if (!promise) {
    // The label count is in the dataset file; the worker's own fetch of it then hits the cache.
    promise = loadTaskShape(taskId, browserRunnerEnv(assetBase()).readDataFile, 0).then(({ kind, numLabels }) => ({ kind, numLabels }));
    taskCache.set(taskId, promise);
  }
  return promise;
}

function useLoaded<T>(key: string, load: (key: string) => Promise<T>): Loaded<T> {
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

export function useModelShape(model: string): Loaded<{ config: Gpt2Config; shape: ModelShape }> {
  return useLoaded(model, modelShapeFor);
}

export function useTaskShape(taskId: string, seqLen: number): Loaded<TaskShape> {
  const loaded = useLoaded(taskId, taskShapeFor);
  return loaded.state === 'ready' ? { state: 'ready', value: { ...loaded.value, seqLen } } : loaded;
}
