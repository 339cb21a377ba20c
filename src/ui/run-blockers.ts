import { isTaskId } from '../engine/data/tasks';
import type { ExperimentSpec } from '../engine/experiment/spec';
import { methodByName } from '../engine/methods/registry';
import type { ModelShape } from '../engine/models/hooks';
import { specProblem } from './spec-edit';

/**
 * Reasons Run is not offered for the edited spec, found before a worker round trip: schema
 * problems and the runner's own limits (sequence plus prompt must fit the model's context).
 */
export function runBlockers(spec: ExperimentSpec, model: ModelShape | null): string[] {
  const problems: string[] = [];
  const schema = specProblem(spec);
  if (schema) problems.push(schema);
  if (!isTaskId(spec.task)) problems.push(`unknown task "${spec.task}"`);
  if (model) {
    for (const m of spec.methods) {
      const prefix = methodByName(m.name).prefixLength?.(m.options) ?? 0;
      if (spec.seqLen + prefix > model.maxPositions) {
        problems.push(
          prefix > 0
            ? `sequence length ${spec.seqLen} + prompt length ${prefix} exceeds the model's context of ${model.maxPositions} tokens`
            : `sequence length ${spec.seqLen} exceeds the model's context of ${model.maxPositions} tokens`,
        );
      }
    }
  }
  return [...new Set(problems)];
}
