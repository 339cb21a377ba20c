import { tf } from '../tf';
import type { Stack } from '../models/hooks';
import { ownedVariable } from '../models/layers';
import type { AttachedMethod, MethodDefinition } from './types';
import { assignAll, expectTensor, rejectUnknown } from './host';
import { peftTaskType, promptBlocks } from './model-parts';
import { deepPromptInfo, type DeepPromptConfig } from './deep-prompt-info';
import { initialPromptRows } from './prompt';
import type { PromptShareObserver, PromptShareSource } from './prompt-attention-map';

export * from './deep-prompt-info';

/** The prompts of all hooked blocks in one tensor, block-major (T5: encoder blocks, then decoder blocks). */
export const DEEP_PROMPT_TENSOR = 'prompt_embeddings';

export const DEEP_PROMPT_INIT_STD = 0.02;

/** Deep prompts' tensor part: p rows per hooked block, handed to that block's attention as extra keys and values. */
export const deepPromptMethod: MethodDefinition<DeepPromptConfig> = {
  ...deepPromptInfo,
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
