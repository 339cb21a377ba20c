import { loadBaseCheckpoint, type BaseCheckpoint } from '../engine/experiment/base-model';
import { memorySource, urlSource, type FileSource } from '../engine/io/file-source';
import { parseModelRef } from '../engine/io/model-ref';
import { checkModelWeights } from '../engine/models/families';
import type { CachedModelSource } from '../engine/io/model-cache';
import { browserModelCache, externalModelSource } from './browser-env';
import type { ModelLoadOutcome, ModelLoadProgress } from './protocol';

/**
 * The worker's checkpoint: one held at a time (GPT-2 small is 500 MB on the host), reused by
 * every run of that model. Hub and URL checkpoints come through the browser's cache; a load
 * that fails or is cancelled leaves nothing behind, neither here nor in the cache.
 */
export class WorkerModels {
  private current: { model: string; checkpoint: BaseCheckpoint } | null = null;
  private loading: AbortController | null = null;
  /** Dropped folders, by their model name ("local:<folder>"): their bytes live here only. */
  private readonly localFiles = new Map<string, Record<string, Uint8Array>>();

  constructor(
    private readonly assetBase: () => string,
    private readonly hubEndpoint: () => string,
  ) {}

  /** The checkpoint of `model`, loading it unless it is the one held. */
  async checkpoint(model: string, onProgress: (p: ModelLoadProgress) => void): Promise<BaseCheckpoint> {
    if (this.current?.model === model) return this.current.checkpoint;
    const outcome = await this.load(model, onProgress);
    if (!outcome.ok) throw new Error(outcome.error);
    return this.current!.checkpoint;
  }

  /** Loads (downloads, caches, validates) `model`; never throws, the outcome says what happened. */
  async load(model: string, onProgress: (p: ModelLoadProgress) => void): Promise<ModelLoadOutcome> {
    if (this.loading) return { ok: false, model, error: 'another model is loading; cancel it first', cancelled: false };
    const abort = new AbortController();
    this.loading = abort;
    let cached: CachedModelSource | null = null;
    try {
      let source: FileSource;
      const local = this.localFiles.get(model);
      if (local) source = memorySource(local, `dropped folder ${model.slice('local:'.length)}`);
      else {
        const ref = parseModelRef(model);
        const cache = ref.kind === 'built-in' ? null : browserModelCache();
        if (ref.kind === 'built-in') source = urlSource(new URL(`models/${ref.id}/`, this.assetBase()).href);
        else if (cache === null) throw new Error('this browser offers no Cache Storage here (an insecure origin?): checkpoints cannot be kept');
        else {
          cached = externalModelSource(model, this.hubEndpoint(), cache, {
            signal: abort.signal,
            onDownloadProgress: (file, p) => onProgress({ file, ...p, fromCache: false }),
          });
          source = cached;
        }
      }
      // Files served from the cache (or the app) report through the checkpoint loader's progress.
      const checkpoint = await loadBaseCheckpoint(source, (p) => {
        if (cached === null || cached.servedFromCache) {
          onProgress({ file: p.file, loadedBytes: p.loadedBytes, totalBytes: p.totalBytes ?? null, bytesPerSec: null, etaSec: null, fromCache: cached !== null });
        }
      });
      // Tensor names and shapes against the config, on the host: a checkpoint that cannot build
      // a model is neither held nor cached.
      checkModelWeights(checkpoint.model, checkpoint.weights);
      if (abort.signal.aborted) throw new DOMException('cancelled', 'AbortError');
      const fromCache = cached?.servedFromCache ?? false;
      const info = cached && !fromCache ? await cached.commit() : null;
      this.current = { model, checkpoint };
      const bytes = [...checkpoint.weights.values()].reduce((n, t) => n + t.data.byteLength, 0);
      return {
        ok: true,
        model,
        family: checkpoint.model.family,
        totalParams: checkpoint.shape.totalParams,
        weightBytes: bytes,
        fromCache,
        cachedBytes: info?.totalBytes ?? null,
        cacheProblem: cached?.cacheFailure ?? null,
      };
    } catch (error) {
      await cached?.discard().catch(() => undefined);
      const cancelled = abort.signal.aborted;
      return { ok: false, model, error: cancelled ? 'cancelled: nothing was kept' : error instanceof Error ? error.message : String(error), cancelled };
    } finally {
      this.loading = null;
    }
  }

  /** Files of a dropped folder, loaded as model "local:<name>" (kept for this page's lifetime). */
  async loadFiles(name: string, files: Record<string, Uint8Array>, onProgress: (p: ModelLoadProgress) => void): Promise<ModelLoadOutcome> {
    const model = `local:${name}`;
    this.localFiles.clear();
    this.localFiles.set(model, files);
    const outcome = await this.load(model, onProgress);
    if (!outcome.ok) this.localFiles.delete(model);
    return outcome;
  }

  cancel(): void {
    this.loading?.abort();
  }
}
