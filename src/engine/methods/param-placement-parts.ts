import type { LinearRole, ModelShape, Stack } from '../models/hooks';

/**
 * Where a method's trainable parameters sit in the model's block diagram (issue #9's "where do
 * the parameters live"): the input embeddings, each layer's attention and MLP, the task head,
 * and anything else (GPT-2's final LayerNorm under full fine-tuning). The parts sum exactly to
 * the method's `trainableParams` (method + head). Helpers only: no registry import, so each
 * method file can use them without a cycle.
 */
export interface ParamPlacement {
  /** Token/position embeddings, or what a method adds at the input (prompts, DePT's update). */
  embeddings: number;
  /** One entry per transformer block, in order (T5: the encoder's blocks, then the decoder's). */
  layers: Array<{ attention: number; mlp: number }>;
  /** The task head (classification `score`, or the untied LM head of head-only training). */
  head: number;
  other: number;
}

export type ModelBlock = 'attention' | 'mlp';

/** Which block a linear role belongs to. */
export function blockOfRole(role: LinearRole): ModelBlock {
  return role === 'mlp_in' || role === 'mlp_out' ? 'mlp' : 'attention';
}

/** A placement with nothing anywhere, sized to the model's layers. */
export function emptyPlacement(model: Pick<ModelShape, 'layers'>): ParamPlacement {
  return { embeddings: 0, layers: Array.from({ length: model.layers }, () => ({ attention: 0, mlp: 0 })), head: 0, other: 0 };
}

/** The same counts in every layer (most methods). */
export function perLayerPlacement(model: Pick<ModelShape, 'layers'>, perLayer: { attention: number; mlp: number }, head: number): ParamPlacement {
  return { ...emptyPlacement(model), layers: Array.from({ length: model.layers }, () => ({ ...perLayer })), head };
}

/** The placement row of a stack's block: encoder blocks come first. */
export function placementRow(model: Pick<ModelShape, 'stacks'>, stack: Stack, layer: number): number {
  return stack === 'encoder' ? layer : model.stacks.encoder + layer;
}

/** The same counts in the given blocks only (deep prompts and APT: the blocks they hook). */
export function blocksPlacement(
  model: Pick<ModelShape, 'layers' | 'stacks'>,
  blocks: ReadonlyArray<{ stack: Stack; layer: number }>,
  perLayer: { attention: number; mlp: number },
  head: number,
): ParamPlacement {
  const placement = { ...emptyPlacement(model), head };
  for (const block of blocks) placement.layers[placementRow(model, block.stack, block.layer)] = { ...perLayer };
  return placement;
}

/** Everything in the placement, added up: equals method + head of `trainableParams`. */
export function placementTotal(placement: ParamPlacement): number {
  return placement.embeddings + placement.head + placement.other + placement.layers.reduce((sum, l) => sum + l.attention + l.mlp, 0);
}
