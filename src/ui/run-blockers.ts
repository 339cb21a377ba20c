import { isTaskId, taskById, taskFamilyProblem } from '../engine/data/tasks';
import type { ExperimentSpec } from '../engine/experiment/spec';
import { sequenceFitProblems } from '../engine/experiment/fit';
import type { ModelShape } from '../engine/models/hooks';
import { methodInfo, resolveMethodConfig } from '../engine/methods/catalog';
import type { MethodName, TaskShape } from '../engine/methods/types';
import { specProblem } from './spec-edit';
import { strategyMethodProblem } from '../engine/continual/params';
import { STRATEGY_TITLES } from '../engine/continual/settings';

/**
 * Why a method's options cannot run on this model and task (its `unsupportedReason`), or null;
 * null too while the shapes are unknown or the options are invalid (the schema reports those).
 */
export function methodUnsupportedReason(name: MethodName, options: Record<string, unknown>, model: ModelShape | null, task: TaskShape | null): string | null {
  if (!model || !task) return null;
  const method = methodInfo(name);
  if (!method.unsupportedReason) return null;
  let config: unknown;
  try {
    config = resolveMethodConfig(name, options);
  } catch {
    return null;
  }
  return method.unsupportedReason(model, task, config);
}

/**
 * Reasons Run is not offered for the edited spec, found before a worker round trip: schema
 * problems and the runner's own limits (the task must be one the model poses, every method
 * configuration must apply to the model, sequence plus prompt must fit the model's context).
 * `task` is the task's shape on this model, when known (a task the model cannot pose has none).
 */
export function runBlockers(spec: ExperimentSpec, model: ModelShape | null, task: TaskShape | null = null): string[] {
  const problems: string[] = [];
  const schema = specProblem(spec);
  if (schema) problems.push(schema);
  if (!isTaskId(spec.task)) problems.push(`unknown task "${spec.task}"`);
  else if (model) {
    const familyProblem = taskFamilyProblem(taskById(spec.task), model.family);
    if (familyProblem) problems.push(familyProblem);
  }
  if (model) problems.push(...sequenceFitProblems(spec, model.maxPositions));
  problems.push(...streamProblems(spec));
  for (const m of spec.methods) {
    const reason = methodUnsupportedReason(m.name, m.options, model, task);
    if (reason) problems.push(`${methodInfo(m.name).title}: ${reason}`);
  }
  return [...new Set(problems)];
}

/**
 * A task stream's own limits: each continual strategy trains exactly one PET method, and some
 * strategies cannot use some methods (a module per task cannot be full fine-tuning).
 */
export function streamProblems(spec: ExperimentSpec): string[] {
  if (!isTaskId(spec.task) || taskById(spec.task).stream === undefined) return [];
  if (spec.methods.length !== 1) {
    return [`${spec.task} is a task stream: every continual strategy trains one PET method, so choose exactly one (${spec.methods.length} chosen)`];
  }
  const problems: string[] = [];
  for (const strategy of spec.continual.strategies) {
    const problem = strategyMethodProblem(strategy, spec.methods[0]);
    if (problem) problems.push(`${STRATEGY_TITLES[strategy]}: ${problem}`);
  }
  return problems;
}
