import { loadBaseCheckpoint, type BaseCheckpoint } from '../engine/experiment/base-model';
import { memorySource, type FileSource } from '../engine/io/file-source';
import { parseModelRef } from '../engine/io/model-ref';
import { loadThroughCache, openModelSource, type OpenedModelSource } from '../engine/io/model-source';
import { checkModelWeights } from '../engine/models/families';
import { browserModelCache, builtInBaseUrl } from './browser-env';
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
    try {
      const local = this.localFiles.get(model);
      const opened: OpenedModelSource | null = local
        ? null
        : openModelSource(model, {
            builtInBaseUrl: builtInBaseUrl(this.assetBase()),
            endpoint: this.hubEndpoint(),
            cache: parseModelRef(model).kind === 'built-in' ? null : browserModelCache(),
            signal: abort.signal,
            onDownloadProgress: (file, p) => onProgress({ file, ...p, fromCache: false }),
          });
      const source = opened?.source ?? memorySource(local!, `dropped folder ${model.slice('local:'.length)}`);
      const cached = opened?.cached ?? null;
      const validated = async (from: FileSource): Promise<BaseCheckpoint> => {
        // Files served from the cache (or the app) report through the checkpoint loader's progress.
        const checkpoint = await loadBaseCheckpoint(from, (p) => {
          if (cached === null || cached.servedFromCache) {
            onProgress({ file: p.file, loadedBytes: p.loadedBytes, totalBytes: p.totalBytes ?? null, bytesPerSec: null, etaSec: null, fromCache: cached !== null });
          }
        });
        // Names and shapes against the config, on the host: a checkpoint that cannot build a
        // model is neither held nor cached.
        checkModelWeights(checkpoint.model, checkpoint.weights);
        if (abort.signal.aborted) throw new DOMException('cancelled', 'AbortError');
        return checkpoint;
      };
      const checkpoint = opened ? await loadThroughCache(opened, validated) : await validated(source);
      this.current = { model, checkpoint };
      const noCache = opened && opened.ref.kind !== 'built-in' && cached === null ? 'this browser offers no Cache Storage on this page: the checkpoint will download again next time' : null;
      return {
        ok: true,
        model,
        family: checkpoint.model.family,
        totalParams: checkpoint.shape.totalParams,
        weightBytes: [...checkpoint.weights.values()].reduce((n, t) => n + t.data.byteLength, 0),
        fromCache: cached?.servedFromCache ?? false,
        cacheProblem: cached?.cacheFailure ?? noCache,
      };
    } catch (error) {
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
