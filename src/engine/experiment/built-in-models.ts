import type { ModelFamily } from '../models/hooks';
import type { TaskId } from '../data/tasks';

/**
 * The built-in checkpoints: folders under public/models/ in the Hugging Face layout, trained by
 * the project's own scripts (scripts/pretrain*.ts). The only models a link may name.
 */
export interface BuiltInModel {
  id: string;
  family: ModelFamily;
  /** The task a model starts on when the user switches to it (each family poses other tasks). */
  defaultTask: TaskId;
}

export const BUILT_IN_MODELS: readonly BuiltInModel[] = [
  { id: 'tiny-gpt2', family: 'gpt2', defaultTask: 'spam' },
  { id: 'tiny-vit', family: 'vit', defaultTask: 'mnist-5shot' },
  { id: 'tiny-t5', family: 't5', defaultTask: 'spam' },
];

export const BUILT_IN_MODEL_IDS: readonly string[] = BUILT_IN_MODELS.map((m) => m.id);

export function builtInModel(id: string): BuiltInModel | null {
  return BUILT_IN_MODELS.find((m) => m.id === id) ?? null;
}
