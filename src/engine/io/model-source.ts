/**
 * From a spec's `model` text to the FileSource a load reads, with caching wired in: a built-in
 * model comes from the app's own folder (the browser caches it), a hub repo or a URL comes
 * through downloadFile (resume, cancel, error kinds) behind the model cache. `loadThroughCache`
 * is the one place that decides when a cached model is committed or discarded.
 */
import type { FileSource } from './file-source';
import type { DownloadProgress } from './download';
import { downloadSource, hubSource } from './http-source';
import { cachedModelSource, type CachedModelInfo, type CachedModelSource, type ModelFileCache } from './model-cache';
import { DEFAULT_HUB_ENDPOINT, modelHost, modelRefText, parseModelRef, type ModelRef } from './model-ref';

export interface OpenModelSourceOptions {
  /** The folder holding built-in models (`<app base>/models`). */
  builtInBaseUrl: string;
  endpoint?: string;
  /** Where downloaded files are kept; null or absent: no caching. */
  cache?: ModelFileCache | null;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  maxRetries?: number;
  retryDelayMs?: number;
  onDownloadProgress?: (file: string, progress: DownloadProgress) => void;
}

export interface OpenedModelSource {
  ref: ModelRef;
  /** Canonical model text (what the cache lists). */
  model: string;
  /** The host downloaded from; null for built-ins (the app's own origin). */
  host: string | null;
  source: FileSource;
  /** The same source when it goes through the model cache (whether it served from it, why it could not keep it); else null. */
  cached: CachedModelSource | null;
  /** After a successful, validated load: marks the model cached (null: not cached, or no cache). */
  commit(): Promise<CachedModelInfo | null>;
  /** After a failed or cancelled load: removes what was cached of it. */
  discard(): Promise<void>;
}

export function openModelSource(text: string, opts: OpenModelSourceOptions): OpenedModelSource {
  const ref = parseModelRef(text);
  const model = modelRefText(ref);
  const endpoint = opts.endpoint ?? DEFAULT_HUB_ENDPOINT;
  const http = {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
    ...(opts.onDownloadProgress ? { onDownloadProgress: opts.onDownloadProgress } : {}),
  };
  const uncached = (source: FileSource): OpenedModelSource => ({
    ref,
    model,
    host: modelHost(ref, endpoint),
    source,
    cached: null,
    commit: async () => null,
    discard: async () => undefined,
  });
  if (ref.kind === 'built-in') return uncached(downloadSource(`${opts.builtInBaseUrl.replace(/\/+$/, '')}/${ref.id}`, http));
  const base = ref.kind === 'hub' ? hubSource(ref.repo, ref.revision, { ...http, endpoint }) : downloadSource(ref.url, http);
  if (!opts.cache) return uncached(base);
  const cached = cachedModelSource({ model, base, location: base.folderUrl, cache: opts.cache });
  return { ref, model, host: modelHost(ref, endpoint), source: cached, cached, commit: () => cached.commit(), discard: () => cached.discard() };
}

/**
 * Runs `load` on the opened source; commits the cache when it succeeds (the checkpoint is whole
 * and valid) and discards it when it throws (a bad checkpoint, a cut, a cancel).
 */
export async function loadThroughCache<T>(opened: OpenedModelSource, load: (source: FileSource) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await load(opened.source);
  } catch (err) {
    await opened.discard();
    throw err;
  }
  await opened.commit();
  return result;
}
