import type { ModelShape } from '../models/hooks';
import type { TaskKind } from './types';

/**
 * Facts about a model or task that several methods need, in one place so that every method
 * answers them the same way.
 */

/** Blocks of the prompt stack: the self-attentions deep prompts and APT hook (T5: encoder). */
export function promptStackLayers(model: Pick<ModelShape, 'stacks' | 'promptStack'>): number {
  return model.stacks[model.promptStack];
}

/** PEFT's `task_type` for a task kind (PEFT has none for image classification: null). */
export function peftTaskType(kind: TaskKind): string | null {
  switch (kind) {
    case 'lm':
      return 'CAUSAL_LM';
    case 'classify':
      return 'SEQ_CLS';
    case 'seq2seq':
      return 'SEQ_2_SEQ_LM';
    case 'image-classify':
      return null;
  }
}

/**
 * Why prompt rows cannot be sampled from the vocabulary (`init: 'vocab'`) on this model, or
 * null when they can: ViT's inputs are image patches, it has no token embeddings to sample.
 */
export function vocabInitProblem(model: Pick<ModelShape, 'vocabSize' | 'family'>, init: string): string | null {
  if (init !== 'vocab' || model.vocabSize > 0) return null;
  return `${model.family === 'vit' ? 'ViT' : 'this model'} has no vocabulary to sample prompt rows from (its inputs are image patches): use init = random`;
}
