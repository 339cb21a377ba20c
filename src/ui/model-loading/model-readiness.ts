import { parseModelRef } from '../../engine/io/model-ref';

/** Whether a model string names a checkpoint from another host (hub or URL) or a dropped folder. */
export function isExternalModel(model: string): boolean {
  if (model.startsWith('local:')) return true;
  try {
    return parseModelRef(model).kind !== 'built-in';
  } catch {
    return false;
  }
}

/**
 * Why Run must wait for the model, or null: a hub or URL checkpoint runs once the worker holds
 * it or the browser has it cached (a run never starts a download the user did not click).
 * `previewProblem`: why its details could not be read, if they could not.
 */
export function modelRunBlocker(model: string, ready: string | null, cachedModels: readonly string[], previewProblem: string | null = null): string | null {
  if (!isExternalModel(model) || ready === model) return null;
  if (model.startsWith('local:')) return `the files of ${model.slice('local:'.length)} are not loaded in this page: choose them again (Model panel)`;
  if (cachedModels.includes(model)) return null;
  // Its details could not be read (offline, a typo, a private repo): downloading is no advice then.
  if (previewProblem) return `${model} cannot be used: ${previewProblem}`;
  return `${model} is not downloaded yet: check its host and size in the Model panel, then download it`;
}
