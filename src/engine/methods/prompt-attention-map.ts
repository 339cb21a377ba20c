import { tf } from '../tf';
import type { Gpt2Model } from '../models/gpt2';
import type { AttachedMethod } from './types';

/**
 * The paper's Fig. 3 view (Wu et al. 2023): for one example, per layer, how much each input
 * token draws from the prompts. Two methods, two definitions, both a share in [0, 1]:
 *
 * - deep prompt: the softmax mass each query puts on the p prompt keys, averaged over heads —
 *   exactly what "attention to the prompts" means there;
 * - APT: there is no softmax over prompts (ReLU scores are unnormalised, so a "mass" would not
 *   be comparable), so we use the share of the attention block's output that the prompts make:
 *   ‖ΔX_i‖ / (‖SA(X)_i‖ + ‖ΔX_i‖). For deep prompts the softmax mass is also the weight the
 *   prompts' values get in the token's attention output, so both read as "the part of this
 *   token's update that comes from the prompts".
 */

/** Per layer, per token shares [B, T] for one forward, pushed by a method's attention hook. */
export type PromptShareObserver = (layer: number, share: tf.Tensor2D) => void;

/** Implemented by the attached deep-prompt and APT methods. */
export interface PromptShareSource {
  /** Installs (or with null removes) the observer; only affects later forwards. */
  observePromptShare(observer: PromptShareObserver | null): void;
  /** Which definition the shares follow. */
  readonly promptShareKind: 'softmax-mass' | 'output-share';
}

export function isPromptShareSource(method: AttachedMethod): method is AttachedMethod & PromptShareSource {
  return typeof (method as Partial<PromptShareSource>).observePromptShare === 'function';
}

export interface PromptAttentionMap {
  kind: PromptShareSource['promptShareKind'];
  /** shares[layer][token], in [0, 1]. */
  shares: number[][];
  layers: number;
  tokens: number;
}

/** Runs one example (token ids, no padding) through the model with the method attached. */
export async function promptAttentionMap(model: Gpt2Model, method: AttachedMethod, ids: number[]): Promise<PromptAttentionMap> {
  if (!isPromptShareSource(method)) throw new Error('this method has no prompts to draw from (deep prompt and APT do)');
  const collected = new Map<number, tf.Tensor2D>();
  method.observePromptShare((layer, share) => {
    collected.get(layer)?.dispose();
    collected.set(layer, tf.keep(share));
  });
  try {
    tf.tidy(() => {
      const input = tf.tensor2d([ids], [1, ids.length], 'int32');
      const mask = tf.ones([1, ids.length], 'int32') as tf.Tensor2D;
      model.forward(input, mask, { hooks: method.hooks });
    });
    const shares: number[][] = [];
    for (let layer = 0; layer < model.config.nLayer; layer++) {
      const t = collected.get(layer);
      if (!t) throw new Error(`no prompt share was reported for layer ${layer}`);
      shares.push(Array.from((await t.data()) as Float32Array));
    }
    return { kind: method.promptShareKind, shares, layers: shares.length, tokens: ids.length };
  } finally {
    method.observePromptShare(null);
    for (const t of collected.values()) t.dispose();
  }
}
