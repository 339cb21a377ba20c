import { checkpointPreview, type CheckpointPreview } from '../../engine/io/checkpoint-preview';
import { modelHost, parseModelRef } from '../../engine/io/model-ref';
import { pageHubEndpoint } from '../hub-endpoint';
import { pageMetadataSource, useLoaded, type Loaded } from '../model-info';

/** A hub or URL checkpoint before download: what it is, where from, how big. */
export interface ModelPreview extends CheckpointPreview {
  /** The host the weights come from, shown before any download. */
  host: string;
}

const previews = new Map<string, Promise<ModelPreview>>();

function previewFor(model: string): Promise<ModelPreview> {
  let promise = previews.get(model);
  if (!promise) {
    promise = (async () => {
      const endpoint = pageHubEndpoint();
      const host = modelHost(parseModelRef(model), endpoint)!;
      const preview = await checkpointPreview(await pageMetadataSource(model));
      return { ...preview, host };
    })();
    // A failed preview (host down, typo) is asked again next time, not remembered.
    promise.catch(() => previews.delete(model));
    previews.set(model, promise);
  }
  return promise;
}

/** config.json and the weights' size of a hub/URL model (metadata only: no weights are fetched). */
export function useModelPreview(model: string): Loaded<ModelPreview> {
  return useLoaded(model, previewFor);
}
