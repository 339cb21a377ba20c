import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import { aptAggregate, type AptImplementation } from '../kernels/apt-aggregate';
import type { Stack } from '../models/hooks';
import { ownedVariable } from '../models/layers';
import type { AttachedMethod, MethodDefinition } from './types';
import { assignAll, expectTensor, rejectUnknown, toHost, uniformArray } from './host';
import { peftTaskType, promptBlocks } from './model-parts';
import type { PromptShareObserver, PromptShareSource } from './prompt-attention-map';
import { aptInfo, type AptConfig } from './apt-info';

export * from './apt-info';

/**
 * APT, approximated prompt tuning (Wu et al. 2023, arXiv 2306.15706, eq. 14). Deep prompts make
 * every layer attend over n + p tokens; APT takes the prompts out of the softmax and adds their
 * effect beside it, per layer, single-head:
 *
 *   K   = P'·W1·W2 + P'                 (variant "identity": K = P'; "dense": K = P'·W + P')
 *   a_j = max_c K[j, c]                 one weight per prompt row
 *   ΔX  = (ReLU(X·Kᵀ) ⊙ a)·P'           (kernels/apt-aggregate: fused WGSL on webgpu)
 *   X'  = e^s·(SA(X) + ΔX)              s: a trainable scalar, init 0
 *
 * Where X comes from: the attention hook's input, i.e. the block's input after its LayerNorm
 * (ln_1 in GPT-2) — the same X the frozen attention reads (the paper takes X as the input of
 * SA). SA(X) is the whole attention sublayer's output (after its output projection), so X'
 * replaces what the block adds to the residual stream.
 *
 * Init (the paper gives only P' ~ N(0, 0.02); no official code was available to us): W1 as
 * LoRA's A (Kaiming-uniform, U(±1/√d)), W2 = 0 — so K = P' at step 0 (the "identity" ablation)
 * and the low-rank part grows from zero, like LoRA's B·A. "dense": W = 0, likewise.
 */

export const APT_PROMPT_INIT_STD = 0.02;

/** Adapter tensor names of layer l. */
export function aptTensorNames(layer: number, stackPrefix = ''): { prompt: string; w1: string; w2: string; dense: string; scale: string } {
  const base = `${stackPrefix}h.${layer}.apt`;
  return { prompt: `${base}.prompt`, w1: `${base}.W1`, w2: `${base}.W2`, dense: `${base}.W`, scale: `${base}.scale` };
}

interface AptLayer {
  prompt: tf.Variable; // P' [p, d]
  w1: tf.Variable | null; // [d, r]
  w2: tf.Variable | null; // [r, d]
  dense: tf.Variable | null; // [d, d]
  scale: tf.Variable; // s [1]
}

/** K = P'·W1·W2 + P' (or the variant's), [p, d]. */
function promptKeys(layer: AptLayer): tf.Tensor2D {
  const prompt = layer.prompt as tf.Tensor2D;
  if (layer.w1 && layer.w2) return tf.add(prompt, matMul2d(matMul2d(prompt, layer.w1 as tf.Tensor2D), layer.w2 as tf.Tensor2D)) as tf.Tensor2D;
  if (layer.dense) return tf.add(prompt, matMul2d(prompt, layer.dense as tf.Tensor2D)) as tf.Tensor2D;
  return prompt;
}

export interface AptAttachOptions {
  /** Which aggregation to run; the lab and benchmarks compare them. Default: fused where registered. */
  implementation?: AptImplementation;
}

export const aptMethod: MethodDefinition<AptConfig> & {
  attachWith(...args: [...Parameters<MethodDefinition<AptConfig>['attach']>, AptAttachOptions]): AttachedMethod & PromptShareSource;
} = {
  ...aptInfo,
  attach(model, task, config, rng) {
    return aptMethod.attachWith(model, task, config, rng, {});
  },
  attachWith(model, task, config, rng, options) {
    const d = model.shape.hidden;
    const p = config.length;
    const r = config.r;
    const blocks = promptBlocks(model.shape, config.decoder);
    const blockIndex = (stack: Stack, layer: number) => blocks.findIndex((b) => b.stack === stack && b.layer === layer);
    // Tensor names: GPT-2's and the prompt stack's as before ("h.3.apt…"); T5's decoder blocks "decoder.h.3.apt…".
    const namesOf = (l: number) => aptTensorNames(blocks[l].layer, blocks[l].stack === model.shape.promptStack ? '' : `${blocks[l].stack}.`);
    const implementation = options.implementation ?? 'auto';
    const initRng = rng.fork('apt-init');
    const layers: AptLayer[] = [];
    for (let l = 0; l < blocks.length; l++) {
      const names = namesOf(l);
      const promptData = Float32Array.from({ length: p * d }, () => initRng.normal() * APT_PROMPT_INIT_STD);
      const layer: AptLayer = {
        prompt: ownedVariable(tf.tensor2d(promptData, [p, d]), true, `apt/${names.prompt}`),
        w1: null,
        w2: null,
        dense: null,
        scale: ownedVariable(tf.zeros([1]), true, `apt/${names.scale}`),
      };
      if (config.variant === 'low-rank') {
        layer.w1 = ownedVariable(tf.tensor2d(uniformArray(d * r, 1 / Math.sqrt(d), () => initRng.nextFloat()), [d, r]), true, `apt/${names.w1}`);
        layer.w2 = ownedVariable(tf.zeros([r, d]), true, `apt/${names.w2}`);
      } else if (config.variant === 'dense') {
        layer.dense = ownedVariable(tf.zeros([d, d]), true, `apt/${names.dense}`);
      }
      layers.push(layer);
    }
    const variablesOf = (layer: AptLayer) => [layer.prompt, layer.w1, layer.w2, layer.dense, layer.scale].filter((v): v is tf.Variable => v !== null);
    let observer: PromptShareObserver | null = null;

    return {
      promptShareKind: 'output-share',
      observePromptShare(next) {
        observer = next;
      },
      hooks: {
        attention: (site, x, base) => {
          const index = blockIndex(site.stack, site.layer);
          if (index < 0) return base(x);
          const layer = layers[index];
          const attended = base(x);
          const [b, t] = x.shape;
          const keys = promptKeys(layer);
          const weights = tf.max(keys, 1) as tf.Tensor1D;
          const delta = aptAggregate(x.reshape([b * t, d]) as tf.Tensor2D, keys, weights, layer.prompt as tf.Tensor2D, implementation).reshape([b, t, d]) as tf.Tensor3D;
          if (observer) {
            const deltaNorm = tf.norm(delta, 'euclidean', -1);
            const attendedNorm = tf.norm(attended, 'euclidean', -1);
            observer(index, tf.div(deltaNorm, tf.maximum(tf.add(deltaNorm, attendedNorm), 1e-12)) as tf.Tensor2D);
          }
          return tf.mul(tf.exp(layer.scale), tf.add(attended, delta)) as tf.Tensor3D;
        },
      },
      paramGroups: [{ name: 'apt', variables: layers.flatMap(variablesOf) }],
      async saveAdapter() {
        const tensors = new Map<string, Awaited<ReturnType<typeof toHost>>>();
        for (let l = 0; l < layers.length; l++) {
          const names = namesOf(l);
          const layer = layers[l];
          tensors.set(names.prompt, await toHost(layer.prompt));
          if (layer.w1 && layer.w2) {
            tensors.set(names.w1, await toHost(layer.w1));
            tensors.set(names.w2, await toHost(layer.w2));
          }
          if (layer.dense) tensors.set(names.dense, await toHost(layer.dense));
          tensors.set(names.scale, await toHost(layer.scale));
        }
        return {
          config: {
            // Ours: PEFT has no APT. Enough to rebuild the shapes and read the file elsewhere.
            peft_type: 'APT',
            task_type: peftTaskType(task.kind),
            num_virtual_tokens: p,
            r,
            variant: config.variant,
            token_dim: d,
            num_layers: layers.length,
            ...(config.decoder ? { decoder: true } : {}),
            inference_mode: true,
          },
          tensors,
        };
      },
      loadAdapter(files) {
        const known = new Set<string>();
        const assignments: Array<[tf.Variable, Float32Array]> = [];
        const expect = (v: tf.Variable | null, name: string) => {
          if (!v) return;
          known.add(name);
          assignments.push([v, expectTensor(files.tensors, name, v.shape)]);
        };
        layers.forEach((layer, l) => {
          const names = namesOf(l);
          expect(layer.prompt, names.prompt);
          expect(layer.w1, names.w1);
          expect(layer.w2, names.w2);
          expect(layer.dense, names.dense);
          expect(layer.scale, names.scale);
        });
        rejectUnknown(files.tensors, known);
        assignAll(assignments);
      },
      dispose() {
        for (const layer of layers) for (const v of variablesOf(layer)) v.dispose();
      },
    };
  },
};
