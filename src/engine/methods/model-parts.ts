import type { ModelShape, Stack } from '../models/hooks';
import type { TaskKind } from './types';

/**
 * Facts about a model or task that several methods need, in one place so that every method
 * answers them the same way.
 */

/** A self-attention block a per-layer prompt method hooks. */
export interface PromptBlock {
  stack: Stack;
  layer: number;
}

/**
 * The self-attention blocks deep prompts and APT hook, in order: every block of the prompt stack
 * (all of GPT-2's or ViT's; T5's encoder), then, with `decoder` on an encoder–decoder model, the
 * decoder's blocks too.
 */
export function promptBlocks(model: Pick<ModelShape, 'stacks' | 'promptStack'>, decoder = false): PromptBlock[] {
  const blocks: PromptBlock[] = Array.from({ length: model.stacks[model.promptStack] }, (_, layer) => ({ stack: model.promptStack, layer }));
  if (decoder && model.promptStack === 'encoder') for (let layer = 0; layer < model.stacks.decoder; layer++) blocks.push({ stack: 'decoder', layer });
  return blocks;
}

/** Why `decoder: true` does not apply (a model with one stack), or null. */
export function decoderOptionProblem(model: Pick<ModelShape, 'stacks' | 'promptStack' | 'family'>, decoder: boolean): string | null {
  if (!decoder || (model.promptStack === 'encoder' && model.stacks.decoder > 0)) return null;
  return model.family === 'vit'
    ? 'ViT has no decoder: decoder = false'
    : 'GPT-2 is one stack of decoder blocks, all of which the prompts already join: decoder = false';
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
