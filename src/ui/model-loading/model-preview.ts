import { checkpointPreview, type CheckpointPreview } from '../../engine/io/checkpoint-preview';
import { DownloadError } from '../../engine/io/download';
import { modelHost, parseModelRef } from '../../engine/io/model-ref';
import { pageHubEndpoint } from '../hub-endpoint';
import { pageMetadataSource, useLoaded, type Loaded } from '../model-info';
import { isExternalModel } from './model-readiness';

/** A hub or URL checkpoint before download: what it is, where from, how big. */
export interface ModelPreview extends CheckpointPreview {
  /** The host the weights come from, shown before any download. */
  host: string;
}

const previews = new Map<string, Promise<ModelPreview>>();

/**
 * What to say when a host gave no answer: offline, the host cannot be reached at all (nothing
 * to download, nothing to advise but reconnecting); online, the engine's own text (the host is
 * down, or refused CORS: a browser cannot tell these apart).
 */
export function unreachableText(host: string, isHub: boolean, online: boolean, detail: string): string {
  const what = isHub ? `the Hugging Face hub (${host})` : host;
  if (!online) return `${what} cannot be reached: this browser is offline. Connect to the internet and show the model again (a model cached in this browser still loads offline: see the list below).`;
  return detail;
}

function previewFor(model: string): Promise<ModelPreview> {
  let promise = previews.get(model);
  if (!promise) {
    promise = (async () => {
      const endpoint = pageHubEndpoint();
      const ref = parseModelRef(model);
      const host = modelHost(ref, endpoint)!;
      try {
        const preview = await checkpointPreview(await pageMetadataSource(model));
        return { ...preview, host };
      } catch (error) {
        if (error instanceof DownloadError && error.kind === 'network') {
          throw new Error(unreachableText(host, ref.kind === 'hub', typeof navigator === 'undefined' || navigator.onLine !== false, error.message), { cause: error });
        }
        throw error;
      }
    })();
    // A failed preview (host down, typo) is asked again next time, not remembered.
    promise.catch(() => previews.delete(model));
    previews.set(model, promise);
  }
  return promise;
}

/** The preview of a model typed in the loader, read before it is chosen (a failed one never is). */
export function fetchModelPreview(model: string): Promise<ModelPreview> {
  return previewFor(model);
}

/** config.json and the weights' size of a hub/URL model (metadata only: no weights are fetched). */
export function useModelPreview(model: string): Loaded<ModelPreview> {
  return useLoaded(model, previewFor);
}

const noPreview = (model: string): Promise<ModelPreview | null> => (isExternalModel(model) && !model.startsWith('local:') ? previewFor(model) : Promise.resolve(null));

/** Why an external model cannot be used (its preview failed), or null (built in, loading, fine). */
export function useModelPreviewProblem(model: string): string | null {
  const loaded = useLoaded(model, noPreview);
  return loaded.state === 'error' ? loaded.error : null;
}
