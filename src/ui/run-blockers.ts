import { isTaskId } from '../engine/data/tasks';
import type { ExperimentSpec } from '../engine/experiment/spec';
import { sequenceFitProblems } from '../engine/experiment/fit';
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
  if (model) problems.push(...sequenceFitProblems(spec, model.maxPositions));
  return [...new Set(problems)];
}
