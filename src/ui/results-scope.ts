import type { ExperimentSpec } from '../engine/experiment/spec';
import { isStreamTaskId } from './continual/stream-switch';

/**
 * Which experiment a set of results belongs to, in words: the label above the results, and the
 * settings that differ between two experiments (a preset's confirm step, the note that the
 * settings above no longer describe the results shown). Pure: no store, no tfjs.
 */

/** "tiny-gpt2 · spam · full, lora · 40 steps" (a task stream counts tasks, not steps). */
export function experimentLabel(spec: ExperimentSpec, { methods = true }: { methods?: boolean } = {}): string {
  const parts = [spec.model, spec.task];
  if (methods) parts.push(spec.methods.map((m) => m.name).join(', '));
  if (!isStreamTaskId(spec.task)) parts.push(`${spec.steps} ${spec.steps === 1 ? 'step' : 'steps'}`);
  return parts.join(' · ');
}

export interface SettingChange {
  /** The setting's short name as the label text uses it ("steps", "batch"). */
  setting: string;
  from: string;
  to: string;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The settings `to` changes from `from`, in the order a reader scans the settings panels. Method
 * options and learning rates are named, not listed value by value.
 */
export function settingChanges(from: ExperimentSpec, to: ExperimentSpec): SettingChange[] {
  const changes: SettingChange[] = [];
  const add = (setting: string, a: unknown, b: unknown) => {
    if (!same(a, b)) changes.push({ setting, from: String(a), to: String(b) });
  };
  add('model', from.model, to.model);
  add('task', from.task, to.task);
  add(
    'methods',
    from.methods.map((m) => m.name).join(', '),
    to.methods.map((m) => m.name).join(', '),
  );
  add('sequence length', from.seqLen, to.seqLen);
  add('batch', from.batchSize, to.batchSize);
  add('steps', from.steps, to.steps);
  add('eval every', from.eval.every, to.eval.every);
  add('validation batches', from.eval.maxBatches, to.eval.maxBatches);
  add('schedule', `${from.schedule.kind} (warm-up ${from.schedule.warmupSteps})`, `${to.schedule.kind} (warm-up ${to.schedule.warmupSteps})`);
  add('seed', from.seed, to.seed);
  if (!same(from.optimizer, to.optimizer)) changes.push({ setting: 'optimizer', from: 'as before', to: 'changed' });
  for (const m of to.methods) {
    const before = from.methods.find((f) => f.name === m.name);
    if (before && !same(before.options, m.options)) changes.push({ setting: `${m.name} options`, from: 'as before', to: 'changed' });
  }
  if (!same(from.continual, to.continual) && (isStreamTaskId(from.task) || isStreamTaskId(to.task))) {
    changes.push({ setting: 'stream settings', from: 'as before', to: 'changed' });
  }
  if (!same(from.memory, to.memory)) add('checkpointing', from.memory.checkpoint, to.memory.checkpoint);
  return changes;
}

/** "steps 4→60, batch 2→8" (options that changed say only "changed"). */
export function formatChanges(changes: readonly SettingChange[]): string {
  return changes.map((c) => (c.from === 'as before' ? `${c.setting} changed` : `${c.setting} ${c.from}→${c.to}`)).join(', ');
}
