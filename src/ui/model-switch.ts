import { BUILT_IN_MODELS, builtInModel } from '../engine/experiment/built-in-models';
import type { ExperimentSpec } from '../engine/experiment/spec';
import { isTaskId, taskById, taskFamilyProblem } from '../engine/data/tasks';
import { MODEL_FAMILIES } from '../engine/io/model-config';
import type { ModelFamily } from '../engine/models/hooks';
import { methodInfo } from '../engine/methods/catalog';
import type { MethodName } from '../engine/methods/types';

/** Methods whose prompt rows may be initialised from the vocabulary (option `init`). */
const VOCAB_INIT_METHODS: readonly MethodName[] = ['prompt', 'dept', 'deep-prompt'];

/** The family of a model id when it is built in (known without reading config.json), else null. */
export function builtInFamily(modelId: string): ModelFamily | null {
  return builtInModel(modelId)?.family ?? null;
}

/**
 * A method's options as they start on a model: prompt rows copied from the vocabulary need a
 * vocabulary, so on a model without one (ViT) a vocab initialisation starts as random.
 */
export function defaultsForModel(name: MethodName, defaults: Record<string, unknown>, vocabSize: number | null): Record<string, unknown> {
  if (vocabSize === 0 && VOCAB_INIT_METHODS.includes(name) && defaults.init === 'vocab') return { ...defaults, init: 'random' };
  return defaults;
}

/**
 * The spec after choosing another model: a task the new model cannot pose moves to its
 * default task, and on ViT (no vocabulary) the ticked prompt methods' `init: vocab` becomes
 * `random`. Returns one short sentence per change, for the notice beside the model.
 */
export function switchModel(spec: ExperimentSpec, modelId: string, family: ModelFamily | null = builtInFamily(modelId)): { spec: ExperimentSpec; changes: string[] } {
  // A loaded checkpoint's family poses the tasks of the built-in model of that family.
  const model = family === null ? null : { family, defaultTask: BUILT_IN_MODELS.find((m) => m.family === family)!.defaultTask };
  const next: ExperimentSpec = { ...spec, model: modelId };
  const changes: string[] = [];
  if (!model) return { spec: next, changes };
  const familyTitle = MODEL_FAMILIES[model.family].title;
  const taskProblem = isTaskId(spec.task) ? taskFamilyProblem(taskById(spec.task), model.family) : 'unknown task';
  if (taskProblem) {
    next.task = model.defaultTask;
    changes.push(`Task changed to ${taskById(model.defaultTask).title}: ${familyTitle} models do not run "${spec.task}".`);
  }
  if (model.family === 'vit') {
    const switched: string[] = [];
    next.methods = spec.methods.map((m) => {
      if (!VOCAB_INIT_METHODS.includes(m.name) || m.options.init !== 'vocab') return m;
      switched.push(methodInfo(m.name).title);
      return { name: m.name, options: { ...m.options, init: 'random' } };
    });
    if (switched.length > 0) {
      changes.push(`Initialisation set to random for ${switched.join(', ')}: ViT has no vocabulary to copy prompt rows from.`);
    }
  }
  return { spec: next, changes };
}

/**
 * The options of unticked methods (kept so that ticking one again restores them) after a
 * switch to a model family: on ViT a remembered `init: vocab` becomes `random`, as it does for
 * the ticked methods, so that ticking one later never brings back an option ViT cannot run.
 */
export function switchStashedOptions<T extends Partial<Record<MethodName, Record<string, unknown>>>>(stashed: T, family: ModelFamily | null): T {
  if (family !== 'vit') return stashed;
  const out: Partial<Record<MethodName, Record<string, unknown>>> = {};
  for (const [name, options] of Object.entries(stashed) as Array<[MethodName, Record<string, unknown> | undefined]>) {
    if (!options) continue;
    out[name] = VOCAB_INIT_METHODS.includes(name) && options.init === 'vocab' ? { ...options, init: 'random' } : options;
  }
  return out as T;
}
