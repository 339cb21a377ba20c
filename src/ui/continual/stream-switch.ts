import { isTaskId, taskById } from '../../engine/data/tasks';
import { STREAM_DEFAULT_METHOD } from '../../engine/experiment/link';
import type { ExperimentSpec } from '../../engine/experiment/spec';
import { methodInfo, resolveMethodConfig } from '../../engine/methods/catalog';
import { switchModel } from '../model-switch';

type Methods = ExperimentSpec['methods'];

/** A task stream (split-mnist, sotu-eras): trained by continual strategies, one PET method each. */
export function isStreamTaskId(taskId: string): boolean {
  return isTaskId(taskId) && taskById(taskId).stream !== undefined;
}

/** "LoRA (r = 4)": the stream default as the notice names it. */
function streamDefaultTitle(): string {
  const { r } = STREAM_DEFAULT_METHOD.options as { r?: number };
  return `${methodInfo(STREAM_DEFAULT_METHOD.name).title}${r === undefined ? '' : ` (r = ${r})`}`;
}

/**
 * The spec after choosing another task. Entering a task stream with other than one method
 * ticked sets the stream's default (LoRA, r = 4) and remembers the ticked ones; leaving the
 * stream restores them (on ViT with prompt rows starting random, as a model switch would).
 * Returns one short sentence per change, for the notice beside the task.
 */
export function switchTask(
  spec: ExperimentSpec,
  taskId: string,
  methodsBeforeStream: Methods | null,
): { spec: ExperimentSpec; methodsBeforeStream: Methods | null; changes: string[] } {
  const next: ExperimentSpec = { ...spec, task: taskId };
  const wasStream = isStreamTaskId(spec.task);
  const isStream = isStreamTaskId(taskId);
  if (isStream && !wasStream) {
    if (spec.methods.length === 1) return { spec: next, methodsBeforeStream: null, changes: [] };
    const options = resolveMethodConfig(STREAM_DEFAULT_METHOD.name, STREAM_DEFAULT_METHOD.options) as Record<string, unknown>;
    return {
      spec: { ...next, methods: [{ name: STREAM_DEFAULT_METHOD.name, options }] },
      methodsBeforeStream: spec.methods,
      changes: [`Methods set to ${streamDefaultTitle()}: a task stream trains one PET method per continual strategy.`],
    };
  }
  if (!isStream && wasStream && methodsBeforeStream) {
    const restored = switchModel({ ...next, methods: methodsBeforeStream }, next.model).spec;
    const titles = methodsBeforeStream.map((m) => methodInfo(m.name).title).join(', ');
    return { spec: { ...restored, task: taskId }, methodsBeforeStream: null, changes: [`Methods restored to ${titles}.`] };
  }
  return { spec: next, methodsBeforeStream, changes: [] };
}
