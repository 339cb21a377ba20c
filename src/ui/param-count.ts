import { methodByName, resolveMethodConfig } from '../engine/methods/registry';
import type { ModelShape } from '../engine/models/hooks';
import type { TaskShape, TrainableCount } from '../engine/methods/types';

export type TrainableEstimate = { ok: true; count: TrainableCount; totalParams: number } | { ok: false; error: string };

/**
 * The live "trainable params" figure: the method's own formula (the one the trainer checks
 * against the variables it really trains) on the model's shape from config.json.
 */
export function estimateTrainable(model: ModelShape, task: TaskShape, method: string, options: Record<string, unknown>): TrainableEstimate {
  try {
    const config = resolveMethodConfig(method, options);
    return { ok: true, count: methodByName(method).trainableParams(model, task, config), totalParams: model.totalParams };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
