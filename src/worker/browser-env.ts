import type { FileSource } from '../engine/io/file-source';
import { cacheStorageFileCache, listCachedModels, type ModelFileCache } from '../engine/io/model-cache';
import { openModelSource } from '../engine/io/model-source';
import { DEFAULT_HUB_ENDPOINT, parseModelRef } from '../engine/io/model-ref';
import type { RunnerEnv } from '../engine/experiment/runner';

const DATA_FILE = /^[\w.-]+\.json$/;

/** The folder of the built-in checkpoints below the app's base URL. */
export const builtInBaseUrl = (assetBase: string): string => new URL('models/', assetBase).href;

/**
 * The browser's checkpoint cache (Cache Storage), or null where the browser offers none (an
 * insecure origin): then every load downloads again, and the UI says so.
 */
export function browserModelCache(): ModelFileCache | null {
  return typeof caches === 'undefined' ? null : cacheStorageFileCache();
}

/**
 * Where the page reads a checkpoint's config.json and file sizes before any download: from the
 * cache when the model is cached (offline), else from its host — never writing to the cache,
 * so looking at a model keeps nothing.
 */
export async function metadataSource(model: string, assetBase: string, hubEndpoint: string): Promise<FileSource> {
  const cached = await isCachedInBrowser(model);
  return openModelSource(model, { builtInBaseUrl: builtInBaseUrl(assetBase), endpoint: hubEndpoint, cache: cached ? browserModelCache() : null }).source;
}

/** Whether this browser's cache holds `model` whole (then reading it needs no request). */
export async function isCachedInBrowser(model: string): Promise<boolean> {
  const cache = parseModelRef(model).kind === 'built-in' ? null : browserModelCache();
  return cache !== null && (await listCachedModels(cache)).some((info) => info.model === model);
}

/**
 * The runner's view of the web: built-in checkpoints and datasets are files below the app's
 * base URL; a spec may also name a Hugging Face hub repo or an http(s) URL of a checkpoint
 * folder (read from the network here: the worker's loads go through the cache, see
 * model-loader.ts). Anything else (a local path, javascript:,
 * data:) is refused: a spec can come from an untrusted link.
 */
export function browserRunnerEnv(assetBase: string, hubEndpoint: string = DEFAULT_HUB_ENDPOINT): RunnerEnv {
  return {
    modelSource(model: string): FileSource {
      return openModelSource(model, { builtInBaseUrl: builtInBaseUrl(assetBase), endpoint: hubEndpoint }).source;
    },
    async readDataFile(file: string): Promise<unknown> {
      if (!DATA_FILE.test(file)) throw new Error(`bad dataset file name "${file}"`);
      const url = new URL(`data/${file}`, assetBase).href;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url} failed: HTTP ${response.status}`);
      return response.json();
    },
  };
}
