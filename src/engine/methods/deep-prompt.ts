import { z } from 'zod';
import { tf } from '../tf';
import type { ModelShape, Stack } from '../models/hooks';
import { ownedVariable } from '../models/layers';
import { taskHeadParams, type AttachedMethod, type MethodDefinition } from './types';
import { assignAll, expectTensor, rejectUnknown } from './host';
import { blocksPlacement } from './param-placement-parts';
import { decoderOptionProblem, peftTaskType, promptBlocks, vocabInitProblem } from './model-parts';
import { initialPromptRows } from './prompt';
import type { PromptShareObserver, PromptShareSource } from './prompt-attention-map';

/**
 * Deep prompt tuning (VPT-deep / P-tuning v2 style), the baseline APT is measured against:
 * p trainable rows per layer join that layer's self-attention as extra keys and values (every
 * query may attend to them; they make no queries and no output rows) and are dropped at its
 * output. Written against the model-independent attention hook: the rows are handed to the
 * model as `prefixHidden`, i.e. as already layer-normed hidden states that the model projects
 * with its own frozen K and V weights. They take no positions, so they do not count against
 * n_positions.
 */

export interface DeepPromptConfig {
  /** p: prompt rows per layer. */
  length: number;
  /**
   * "random": N(0, 0.02²), as APT initialises P' (an equal-footing comparison);
   * "vocab": copies of randomly sampled vocabulary embeddings (PT's default), per layer.
   */
  init: 'random' | 'vocab';
  /** Encoder–decoder models (T5): the decoder's self-attention gets prompts too, not only the encoder's. */
  decoder: boolean;
}

export const deepPromptSchema = z
  .object({
    length: z.number().int().min(1).max(512),
    init: z.enum(['random', 'vocab']),
    decoder: z.boolean(),
  })
  .strict();

/** The prompts of all hooked blocks in one tensor, block-major (T5: encoder blocks, then decoder blocks). */
export const DEEP_PROMPT_TENSOR = 'prompt_embeddings';

export const DEEP_PROMPT_INIT_STD = 0.02;

/**
 * Forward FLOPs the deep prompts add to the frozen model (1 multiply-add = 2 FLOPs), for a
 * batch of `batch` sequences of `n` tokens: per layer, the K and V projections of the p rows
 * (4·p·d², once per batch: the rows are the same for every sequence), then per sequence the
 * extra scores Q·K_pᵀ (2·n·p·d), the softmax over p more columns (≈ 3 FLOPs per score and head:
 * exp, sum, divide) and the values they weigh (2·n·p·d). What the method needs: GPT-2's fused
 * c_attn also computes the prompts' unused queries here (2·p·d² more, once per batch).
 */
export function deepPromptExtraFlops(model: Pick<ModelShape, 'hidden' | 'layers' | 'heads'>, n: number, batch: number, p: number): number {
  const d = model.hidden;
  const perLayer = 4 * p * d * d + batch * (4 * n * p * d + 3 * model.heads * n * p);
  return model.layers * perLayer;
}

/**
 * The paper's baseline cost (VPT-deep as in Jia et al. 2022, what APT's 62–92% savings are
 * measured against): the p prompts are full tokens of every layer, per sequence — their Q/K/V
 * (6·p·d²), all n + p queries over n + p keys ((4·d + 3·heads)·((n + p)² − n²): scores, softmax,
 * weighted values), their output projection (2·p·d²) and MLP (4·p·d·mlpHidden); dropped after
 * the layer. Forward FLOPs over the frozen model for `batch` sequences of n tokens.
 */
export function fullTokenDeepPromptExtraFlops(model: Pick<ModelShape, 'hidden' | 'layers' | 'heads' | 'mlpHidden'>, n: number, batch: number, p: number): number {
  const d = model.hidden;
  const pairs = (n + p) ** 2 - n ** 2;
  const perSequence = 8 * p * d * d + 4 * p * d * model.mlpHidden + (4 * d + 3 * model.heads) * pairs;
  return model.layers * batch * perSequence;
}

export const deepPromptMethod: MethodDefinition<DeepPromptConfig> = {
  name: 'deep-prompt',
  title: 'Deep prompt',
  summary: 'p trainable rows per layer join that layer’s attention keys and values (L·p·d parameters); the model is frozen.',
  schema: deepPromptSchema,
  defaults: { length: 16, init: 'random', decoder: false },
  trainableParams: (model, task, config) => ({ method: promptBlocks(model, config.decoder).length * config.length * model.hidden, head: taskHeadParams(model, task) }),
  // Each block's p rows join that block's attention keys and values.
  paramPlacement: (model, task, config) => blocksPlacement(model, promptBlocks(model, config.decoder), { attention: config.length * model.hidden, mlp: 0 }, taskHeadParams(model, task)),
  unsupportedReason: (model, _task, config) => vocabInitProblem(model, config.init) ?? decoderOptionProblem(model, config.decoder),
  attach(model, task, config, rng): AttachedMethod & PromptShareSource {
    const d = model.shape.hidden;
    const blocks = promptBlocks(model.shape, config.decoder);
    const layers = blocks.length;
    const blockIndex = (stack: Stack, layer: number) => blocks.findIndex((b) => b.stack === stack && b.layer === layer);
    const p = config.length;
    const initRng = rng.fork('deep-prompt-init');
    const prompts: tf.Variable[] = [];
    for (const block of blocks) {
      let rows: tf.Tensor2D;
      if (config.init === 'vocab') {
        rows = initialPromptRows(model, p, 'vocab', initRng);
      } else {
        rows = tf.tensor2d(Float32Array.from({ length: p * d }, () => initRng.normal() * DEEP_PROMPT_INIT_STD), [p, d]);
      }
      const stackName = block.stack === model.shape.promptStack ? '' : `${block.stack}.`;
      prompts.push(ownedVariable(rows, true, `deep-prompt/${stackName}h.${block.layer}`));
    }
    let observer: PromptShareObserver | null = null;
    return {
      promptShareKind: 'softmax-mass',
      observePromptShare(next) {
        observer = next;
      },
      hooks: {
        attention: (site, x, base) => {
          const index = blockIndex(site.stack, site.layer);
          if (index < 0) return base(x);
          const prefixHidden = prompts[index] as tf.Tensor2D;
          const watch = observer;
          if (!watch) return base(x, { prefixHidden });
          return base(x, {
            prefixHidden,
            observeProbabilities: (probs) => {
              // Mass on the p prompt keys (they come first), averaged over heads: [B, T].
              const mass = tf.sum(tf.slice(probs, [0, 0, 0, 0], [-1, -1, -1, p]), 3);
              watch(index, tf.mean(mass, 1) as tf.Tensor2D);
            },
          });
        },
      },
      paramGroups: [{ name: 'prompt', variables: prompts }],
      async saveAdapter() {
        const data = new Float32Array(layers * p * d);
        for (let layer = 0; layer < layers; layer++) data.set((await prompts[layer].data()) as Float32Array, layer * p * d);
        return {
          config: {
            // Ours (PEFT has no deep prompt on hidden states; its prefix tuning stores projected K/V).
            peft_type: 'DEEP_PROMPT',
            task_type: peftTaskType(task.kind),
            num_virtual_tokens: p,
            token_dim: d,
            num_layers: layers,
            num_attention_heads: model.shape.heads,
            prompt_init: config.init,
            ...(config.decoder ? { decoder: true } : {}),
            inference_mode: true,
          },
          tensors: new Map([[DEEP_PROMPT_TENSOR, { dtype: 'F32' as const, shape: [layers * p, d], data }]]),
        };
      },
      loadAdapter(files) {
        rejectUnknown(files.tensors, new Set([DEEP_PROMPT_TENSOR]));
        const data = expectTensor(files.tensors, DEEP_PROMPT_TENSOR, [layers * p, d]);
        assignAll(prompts.map((v, layer) => [v, data.slice(layer * p * d, (layer + 1) * p * d)] as [tf.Variable, Float32Array]));
      },
      dispose() {
        for (const v of prompts) v.dispose();
      },
    };
  },
};
