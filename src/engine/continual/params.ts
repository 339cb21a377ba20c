import { methodInfo } from '../methods/catalog';
import type { TaskShape } from '../methods/types';
import type { ModelShape } from '../models/hooks';
import type { MethodSpec } from '../experiment/spec';
import type { StrategyName } from './settings';

/** Elements of one classifier row: ViT's classifier has a bias, GPT-2's score (and our T5 classifier) do not. */
export function classifierRowParams(shape: ModelShape): number {
  return shape.hidden + (shape.family === 'vit' ? 1 : 0);
}

/**
 * Exact trainable elements of a strategy after task `afterTask` (0-based), from shapes alone:
 * - one module (sequential, EMR, Static ConPET): the method once + a classifier row per class seen;
 * - Dynamic ConPET and Limitless: k task modules and the selector (the method k+1 times), a
 *   classifier row per class seen (task modules) and one per task (the selector).
 * A row is d (+1 bias on ViT). Learners check their variables against this before training.
 */
export function continualTrainableParams(
  strategy: StrategyName,
  model: ModelShape,
  task: TaskShape,
  method: MethodSpec,
  classesPerTask: readonly number[],
  afterTask = classesPerTask.length - 1,
): number {
  const perModule = methodInfo(method.name).trainableParams(model, task, method.options).method;
  const row = classifierRowParams(model);
  const tasks = afterTask + 1;
  const classes = classesPerTask.slice(0, tasks).reduce((a, b) => a + b, 0);
  if (strategy === 'dynamic' || strategy === 'limitless') return (tasks + 1) * perModule + (classes + tasks) * row;
  return perModule + classes * row;
}

/** Why a strategy cannot use this PET method, or null. */
export function strategyMethodProblem(strategy: StrategyName, method: MethodSpec): string | null {
  if ((strategy === 'dynamic' || strategy === 'limitless') && method.name === 'full') {
    return `${strategy === 'dynamic' ? 'Dynamic ConPET' : 'Limitless'} keeps one module per task on a shared frozen backbone; full fine-tuning trains the backbone itself, so it cannot be a task module (choose a PET method, or a one-module strategy)`;
  }
  return null;
}
