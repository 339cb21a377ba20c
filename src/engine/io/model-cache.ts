/**
 * A cache of downloaded checkpoint files, so a model fetched once loads offline afterwards.
 *
 * Files are stored under their resolved download URL (so models and revisions never collide),
 * each as soon as it is complete. A model counts as cached only once its manifest is written,
 * which happens after the whole checkpoint loaded and validated (commit); from then on every
 * read the load makes — files and "missing" answers alike — is served without the network.
 * A load that fails or is cancelled discards what it wrote: nothing half-loaded is kept.
 */
import type { FileSource } from './file-source';

/** Bytes by key (a URL). `cacheStorageFileCache` in browsers, `memoryFileCache` in Node. */
export interface ModelFileCache {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
}

export const MODEL_CACHE_NAME = 'peft-playground-models-v1';

export function memoryFileCache(): ModelFileCache {
  const entries = new Map<string, Uint8Array>();
  return {
    async get(key) {
      return entries.get(key) ?? null;
    },
    async put(key, bytes) {
      entries.set(key, bytes);
    },
    async delete(key) {
      return entries.delete(key);
    },
    async keys() {
      return [...entries.keys()];
    },
  };
}

/**
 * The browser's Cache Storage (available in pages and workers, sized by the origin's quota).
 * Bytes are stored as a Response carrying its Content-Length; an entry whose body does not
 * match it (a write cut short) reads as missing and is removed.
 */
export function cacheStorageFileCache(cacheName: string = MODEL_CACHE_NAME, storage?: CacheStorage): ModelFileCache {
  const open = (): Promise<Cache> => (storage ?? caches).open(cacheName);
  return {
    async get(key) {
      const cache = await open();
      const response = await cache.match(key);
      if (response === undefined) return null;
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.headers.get('content-length') !== String(bytes.length)) {
        await cache.delete(key);
        return null;
      }
      return bytes;
    },
    async put(key, bytes) {
      const cache = await open();
      // A view into a bigger buffer would store the whole buffer; copy only then.
      const body = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      await cache.put(key, new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } }));
    },
    async delete(key) {
      return (await open()).delete(key);
    },
    async keys() {
      return (await (await open()).keys()).map((request) => request.url);
    },
  };
}

/** What the manifest records of a cached model (and what listCachedModels returns). */
export interface CachedModelInfo {
  /** The spec's model text ("openai-community/gpt2", "org/name@v1", a URL). */
  model: string;
  /** The folder URL the files were downloaded from; file keys are this + "/" + name. */
  location: string;
  /** Files stored, by name → bytes. */
  files: Record<string, number>;
  /** Files the load asked for that do not exist (answered without network next time). */
  missing: string[];
  totalBytes: number;
  /** ISO time the model was committed. */
  savedAt: string;
}

const MANIFEST_SUFFIX = '?peft-playground-manifest=v1';

/** The manifest's key: the folder URL plus a query no file URL has (file names are %-encoded). */
function manifestKey(location: string): string {
  return `${location}/${MANIFEST_SUFFIX}`;
}

function fileKey(location: string, path: string): string {
  return `${location}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export interface CachedModelSourceOptions {
  /** The spec's model text, recorded in the manifest. */
  model: string;
  /** Where the files come from on a miss (downloadSource / hubSource). */
  base: FileSource;
  /** The base's folder URL: the cache keys. */
  location: string;
  cache: ModelFileCache;
  /** Clock for savedAt (tests). */
  now?: () => Date;
}

export interface CachedModelSource extends FileSource {
  readonly model: string;
  readonly location: string;
  /** True once a read found a committed manifest (the load runs offline). */
  readonly servedFromCache: boolean;
  /** Why a file could not be cached (quota), if one could not; the load itself went on. */
  readonly cacheFailure: string | null;
  exists(path: string): Promise<boolean>;
  size(path: string): Promise<number | null>;
  /** Writes the manifest: call after the whole checkpoint loaded and validated. */
  commit(): Promise<CachedModelInfo | null>;
  /** Removes every file of this model from the cache (after a failed or cancelled load). */
  discard(): Promise<void>;
}

export function cachedModelSource(opts: CachedModelSourceOptions): CachedModelSource {
  const { model, base, cache } = opts;
  // Cache Storage normalizes its keys as URLs; normalize here so every cache sees the same keys.
  const location = new URL(opts.location).href.replace(/\/+$/, '');
  const now = opts.now ?? (() => new Date());
  const files = new Map<string, number>();
  const missing = new Set<string>();
  let manifest: CachedModelInfo | null | undefined;
  let servedFromCache = false;
  let cacheFailure: string | null = null;

  const loadManifest = async (): Promise<CachedModelInfo | null> => {
    if (manifest === undefined) manifest = await readManifest(cache, manifestKey(location));
    return manifest;
  };

  /** A manifest whose file is gone (storage cleared by hand) no longer vouches for the model. */
  const dropManifest = async (): Promise<void> => {
    manifest = null;
    servedFromCache = false;
    await cache.delete(manifestKey(location));
  };

  const store = async (path: string, bytes: Uint8Array): Promise<void> => {
    try {
      await cache.put(fileKey(location, path), bytes);
    } catch (err) {
      // Caching is an optimisation: a full quota must not fail the load, only its caching.
      cacheFailure ??= `could not cache ${path} (${bytes.length} bytes): ${err instanceof Error ? err.message : String(err)}`;
    }
  };

  const source: CachedModelSource = {
    description: base.description,
    model,
    location,
    get servedFromCache() {
      return servedFromCache;
    },
    get cacheFailure() {
      return cacheFailure;
    },
    async read(path, onProgress) {
      const known = await loadManifest();
      if (known !== null) {
        if (known.missing.includes(path)) {
          missing.add(path);
          servedFromCache = true;
          return null;
        }
        if (path in known.files) {
          const bytes = await cache.get(fileKey(location, path));
          if (bytes !== null && bytes.length === known.files[path]) {
            files.set(path, bytes.length);
            servedFromCache = true;
            onProgress?.(bytes.length, bytes.length);
            return bytes;
          }
          await dropManifest();
        }
      } else {
        // Complete files of an earlier, uncommitted load (the tab closed mid-way) are still good.
        const bytes = await cache.get(fileKey(location, path));
        if (bytes !== null) {
          files.set(path, bytes.length);
          onProgress?.(bytes.length, bytes.length);
          return bytes;
        }
      }
      const bytes = await base.read(path, onProgress);
      if (bytes === null) {
        missing.add(path);
        return null;
      }
      await store(path, bytes);
      files.set(path, bytes.length);
      return bytes;
    },
    async exists(path) {
      const known = await loadManifest();
      if (known !== null && known.missing.includes(path)) {
        missing.add(path);
        return false;
      }
      if (known !== null && path in known.files) return true;
      const found = base.exists ? await base.exists(path) : (await base.read(path)) !== null;
      if (!found) missing.add(path);
      return found;
    },
    async size(path) {
      const known = await loadManifest();
      if (known !== null && path in known.files) return known.files[path];
      if (known !== null && known.missing.includes(path)) return null;
      return base.size ? base.size(path) : null;
    },
    async commit() {
      if (cacheFailure !== null) {
        await source.discard();
        return null;
      }
      const info: CachedModelInfo = {
        model,
        location,
        files: Object.fromEntries([...files].sort(([a], [b]) => a.localeCompare(b))),
        missing: [...missing].sort(),
        totalBytes: [...files.values()].reduce((a, b) => a + b, 0),
        savedAt: now().toISOString(),
      };
      await cache.put(manifestKey(location), new TextEncoder().encode(JSON.stringify(info)));
      manifest = info;
      return info;
    },
    async discard() {
      manifest = null;
      servedFromCache = false;
      await deleteLocation(cache, location);
    },
  };
  return source;
}

async function readManifest(cache: ModelFileCache, key: string): Promise<CachedModelInfo | null> {
  const bytes = await cache.get(key);
  if (bytes === null) return null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as Partial<CachedModelInfo>;
    const valid =
      typeof parsed.model === 'string' &&
      typeof parsed.location === 'string' &&
      typeof parsed.files === 'object' &&
      parsed.files !== null &&
      Object.values(parsed.files).every((n) => Number.isSafeInteger(n) && n >= 0) &&
      Array.isArray(parsed.missing) &&
      parsed.missing.every((m) => typeof m === 'string') &&
      typeof parsed.totalBytes === 'number' &&
      typeof parsed.savedAt === 'string';
    return valid ? (parsed as CachedModelInfo) : null;
  } catch {
    return null;
  }
}

/** Every committed model, newest first. */
export async function listCachedModels(cache: ModelFileCache): Promise<CachedModelInfo[]> {
  const infos: CachedModelInfo[] = [];
  for (const key of await cache.keys()) {
    if (!key.endsWith(MANIFEST_SUFFIX)) continue;
    const info = await readManifest(cache, key);
    if (info !== null) infos.push(info);
  }
  return infos.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

/** Deletes a committed model (by its model text) and its files; false when it was not cached. */
export async function deleteCachedModel(cache: ModelFileCache, model: string): Promise<boolean> {
  const infos = (await listCachedModels(cache)).filter((info) => info.model === model);
  for (const info of infos) await deleteLocation(cache, info.location);
  return infos.length > 0;
}

/**
 * Deletes the manifest and every file key under `location/`, except files another model's
 * manifest owns (a URL model in a subfolder of this one): orphans of a crashed load go too.
 */
async function deleteLocation(cache: ModelFileCache, location: string): Promise<void> {
  const prefix = `${location}/`;
  const keys = await cache.keys();
  const ownedElsewhere = new Set<string>();
  for (const key of keys) {
    if (!key.endsWith(MANIFEST_SUFFIX) || key === manifestKey(location) || !key.startsWith(prefix)) continue;
    const other = await readManifest(cache, key);
    if (other !== null) for (const name of Object.keys(other.files)) ownedElsewhere.add(fileKey(other.location, name));
  }
  await cache.delete(manifestKey(location));
  for (const key of keys) {
    if (key.startsWith(prefix) && !ownedElsewhere.has(key) && key !== manifestKey(location)) {
      // Another model's manifest under this folder stays with its model.
      if (key.endsWith(MANIFEST_SUFFIX)) continue;
      await cache.delete(key);
    }
  }
}
