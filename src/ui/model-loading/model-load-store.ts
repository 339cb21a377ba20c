import { create } from 'zustand';
import type { CachedModelInfo } from '../../engine/io/model-cache';
import type { ModelLoadOutcome, ModelLoadProgress } from '../../worker/protocol';

/**
 * Checkpoints beyond the built-in ones: the load in progress (or the last one's outcome), the
 * model the worker holds ready, and the browser's cached models. Separate from the app store:
 * loading a model is not part of an experiment's results.
 */
export interface ModelLoadState {
  load: { model: string; progress: ModelLoadProgress | null; outcome: ModelLoadOutcome | null } | null;
  /** The hub/URL/dropped checkpoint the worker holds, ready to run. */
  ready: string | null;
  /** Committed models in the browser's cache, newest first; null while unknown. */
  cached: CachedModelInfo[] | null;
  /** Why the cache cannot be listed or used (no Cache Storage on this origin). */
  cacheProblem: string | null;

  beginLoad(model: string): void;
  setProgress(model: string, progress: ModelLoadProgress): void;
  finishLoad(outcome: ModelLoadOutcome): void;
  setCached(cached: CachedModelInfo[] | null, problem: string | null): void;
}

export const useModelLoadStore = create<ModelLoadState>()((set, get) => ({
  load: null,
  ready: null,
  cached: null,
  cacheProblem: null,

  beginLoad: (model) => set({ load: { model, progress: null, outcome: null } }),
  setProgress(model, progress) {
    const { load } = get();
    if (load?.model === model && load.outcome === null) set({ load: { ...load, progress } });
  },
  finishLoad(outcome) {
    const { load, ready } = get();
    set({ load: { model: outcome.model, progress: load?.progress ?? null, outcome }, ready: outcome.ok ? outcome.model : ready });
  },
  setCached: (cached, cacheProblem) => set({ cached, cacheProblem }),
}));

/** True while a load runs (its outcome has not come back). */
export function isLoading(state: Pick<ModelLoadState, 'load'>): boolean {
  return state.load !== null && state.load.outcome === null;
}
