import { methodInfo, resolveMethodConfig } from '../engine/methods/catalog';
import type { ModelShape } from '../engine/models/hooks';
import { methodStoredBytes, type TaskShape, type TrainableCount } from '../engine/methods/types';

export type TrainableEstimate = { ok: true; count: TrainableCount; storedBytes: number; totalParams: number } | { ok: false; error: string };

/**
 * The live "trainable params" figure: the method's own formula (the one the trainer checks
 * against the variables it really trains) on the model's shape from config.json.
 */
export function estimateTrainable(model: ModelShape, task: TaskShape, method: string, options: Record<string, unknown>): TrainableEstimate {
  try {
    const config = resolveMethodConfig(method, options);
    const definition = methodInfo(method);
    return { ok: true, count: definition.trainableParams(model, task, config), storedBytes: methodStoredBytes(definition, model, task, config), totalParams: model.totalParams };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
