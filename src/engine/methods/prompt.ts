import { tf } from '../tf';
import type { MethodDefinition } from './types';
import { toHost, expectTensor, rejectUnknown, assignAll } from './host';
import { ownedVariable } from '../models/layers';
import type { BackboneModel } from '../models/model';
import { peftTaskType, vocabInitProblem } from './model-parts';
import type { Rng } from '../data/rng';
import { promptInfo, type PromptConfig } from './prompt-info';

export * from './prompt-info';

/**
 * Initial prompt rows [length, d]: copies of randomly sampled vocabulary embeddings, or
 * N(0, initializer_range²). Shared with DePT, whose short prompt is initialised as PT's.
 */
export function initialPromptRows(model: BackboneModel, length: number, init: PromptConfig['init'], rng: Rng): tf.Tensor2D {
  if (init === 'vocab') {
    const table = model.tokenEmbeddingTable();
    if (!table) throw new Error(vocabInitProblem(model.shape, init) ?? 'no token embeddings to sample prompt rows from');
    const ids = Array.from({ length }, () => rng.int(model.shape.vocabSize));
    return tf.tidy(() => tf.gather(table, tf.tensor1d(ids, 'int32')) as tf.Tensor2D);
  }
  const d = model.shape.hidden;
  const data = Float32Array.from({ length: length * d }, () => rng.normal() * model.initializerRange);
  return tf.tensor2d(data, [length, d]);
}

/** [P; X]: the same prompt rows [l, d] in front of every sequence of the batch [B, T, d]. */
export function prependPrompt(prompt: tf.Tensor2D, tokenEmbeds: tf.Tensor3D): tf.Tensor3D {
  const batch = tokenEmbeds.shape[0];
  return tf.concat([tf.tile(prompt.expandDims(0), [batch, 1, 1]) as tf.Tensor3D, tokenEmbeds], 1);
}

/** Prompt tuning's tensor part: the prompt rows P and the input hook that prepends them. */
export const promptMethod: MethodDefinition<PromptConfig> = {
  ...promptInfo,
  attach(model, task, config, rng) {
    const d = model.shape.hidden;
    const l = config.length;
    const prompt = ownedVariable(initialPromptRows(model, l, config.init, rng.fork('prompt-init')), true, 'prompt/embeddings');
    return {
      hooks: {
        prefixLength: l,
        inputEmbeddings: (tokenEmbeds) => prependPrompt(prompt as tf.Tensor2D, tokenEmbeds),
      },
      paramGroups: [{ name: 'prompt', variables: [prompt] }],
      async saveAdapter() {
        return {
          // PEFT's PromptTuningConfig fields, so the file reads like one of theirs.
          config: {
            peft_type: 'PROMPT_TUNING',
            task_type: peftTaskType(task.kind),
            num_virtual_tokens: l,
            token_dim: d,
            num_transformer_submodules: 1,
            num_attention_heads: model.shape.heads,
            num_layers: model.shape.stacks[model.shape.promptStack],
            prompt_tuning_init: config.init === 'vocab' ? 'SAMPLE_VOCAB' : 'RANDOM',
            inference_mode: true,
          },
          tensors: new Map([['prompt_embeddings', await toHost(prompt)]]),
        };
      },
      loadAdapter(files) {
        rejectUnknown(files.tensors, new Set(['prompt_embeddings']));
        assignAll([[prompt, expectTensor(files.tensors, 'prompt_embeddings', [l, d])]]);
      },
      dispose() {
        prompt.dispose();
      },
    };
  },
};
