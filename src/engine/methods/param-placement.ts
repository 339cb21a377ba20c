import type { ModelShape } from '../models/hooks';
import { methodInfo, resolveMethodConfig } from './catalog';
import { emptyPlacement, type ParamPlacement } from './param-placement-parts';
import type { TaskShape } from './types';

export { blockOfRole, emptyPlacement, perLayerPlacement, placementTotal, type ParamPlacement } from './param-placement-parts';

/**
 * A method's placement by name and (unvalidated) options: the method's own `paramPlacement`,
 * else its whole count under "other" (a new method still shows, only less precisely).
 * Throws with the option's field name when the options are invalid.
 */
export function methodParamPlacement(model: ModelShape, task: TaskShape, name: string, options: Record<string, unknown>): ParamPlacement {
  const method = methodInfo(name);
  const config = resolveMethodConfig(name, options);
  if (method.paramPlacement) return method.paramPlacement(model, task, config);
  const count = method.trainableParams(model, task, config);
  return { ...emptyPlacement(model), other: count.method, head: count.head };
}
