import { describe, expect, it } from 'vitest';
import { parseModelConfig, modelShapeOf } from '../../src/engine/models/families';
import { METHODS, methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import { methodParamPlacement, placementTotal } from '../../src/engine/methods/param-placement';
import type { TaskShape } from '../../src/engine/methods/types';
import type { ModelShape } from '../../src/engine/models/hooks';

/**
 * Trainable-parameter formulas on ViT and T5 at their real base sizes, against numbers published
 * independently of this code: Hugging Face PEFT's own printouts (`print_trainable_parameters`) and
 * the LoRA/NOLA arithmetic written out by hand.
 */

// google/vit-base-patch16-224's config.json (the fields we read).
const VIT_B = modelShapeOf(
  parseModelConfig({
    model_type: 'vit',
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    hidden_act: 'gelu',
    image_size: 224,
    patch_size: 16,
    num_channels: 3,
    qkv_bias: true,
    layer_norm_eps: 1e-12,
    id2label: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [String(i), `class ${i}`])),
  }),
);

// t5-small's config.json.
const T5_SMALL = modelShapeOf(
  parseModelConfig({
    model_type: 't5',
    vocab_size: 32128,
    d_model: 512,
    d_kv: 64,
    d_ff: 2048,
    num_layers: 6,
    num_heads: 8,
    relative_attention_num_buckets: 32,
    dropout_rate: 0.1,
    layer_norm_epsilon: 1e-6,
    feed_forward_proj: 'relu',
    tie_word_embeddings: true,
    pad_token_id: 0,
    eos_token_id: 1,
    decoder_start_token_id: 0,
  }),
);

const FOOD101: TaskShape = { kind: 'image-classify', numLabels: 101, seqLen: 196 };
const T5_TASK: TaskShape = { kind: 'seq2seq', numLabels: 2, seqLen: 64 };

function count(shape: ModelShape, task: TaskShape, name: string, options: Record<string, unknown>) {
  return methodByName(name as never).trainableParams(shape, task, resolveMethodConfig(name as never, options) as never);
}

describe('ViT-B/16 (google/vit-base-patch16-224)', () => {
  it('has 85,798,656 backbone parameters (86,567,656 with its 1000-class classifier)', () => {
    expect(VIT_B.totalParams).toBe(85_798_656);
    expect(VIT_B.totalParams + 1000 * 768 + 1000).toBe(86_567_656);
  });

  it('LoRA r=4 on query and value: 12 layers × 2 × 4·(768+768) = 147,456', () => {
    expect(count(VIT_B, FOOD101, 'lora', { r: 4, targets: ['q', 'v'] }).method).toBe(147_456);
  });

  it("LoRA r=16 on query and value with a 101-class head: PEFT's image-classification guide prints 667,493 trainable", () => {
    // PEFT's guide (ViT-B on Food-101, target_modules=["query","value"], modules_to_save=["classifier"]).
    const { method, head } = count(VIT_B, FOOD101, 'lora', { r: 16, alpha: 16, targets: ['q', 'v'] });
    expect(method).toBe(589_824);
    expect(method + head).toBe(667_493);
  });

  it('prompts join the patch tokens: PT l·d, deep prompt and APT once per encoder layer', () => {
    expect(count(VIT_B, FOOD101, 'prompt', { length: 10, init: 'random' }).method).toBe(10 * 768);
    expect(count(VIT_B, FOOD101, 'deep-prompt', { length: 10, init: 'random' }).method).toBe(12 * 10 * 768);
    expect(count(VIT_B, FOOD101, 'apt', { length: 10, r: 4, variant: 'low-rank' }).method).toBe(12 * (10 * 768 + 2 * 768 * 4 + 1));
  });

  it('DePT sizes A for the 196 patch positions', () => {
    // r = (l − m)·d / (s + d) = (100 − 60)·768 / (196 + 768) = 31.87 → 32
    expect(count(VIT_B, FOOD101, 'dept', { length: 60, budget: 100, init: 'random' }).method).toBe(60 * 768 + (196 + 768) * 32);
  });

  it('refuses a vocabulary-sampled prompt (ViT has no vocabulary) and says why', () => {
    const reason = methodByName('prompt').unsupportedReason?.(VIT_B, FOOD101, resolveMethodConfig('prompt', { init: 'vocab' }));
    expect(reason).toMatch(/no vocabulary.*init = random/);
  });
});

describe('T5-small', () => {
  it('has 60,506,624 parameters (the tied embedding and LM head counted once)', () => {
    expect(T5_SMALL.totalParams).toBe(60_506_624);
  });

  it("LoRA r=8 on q and v: PEFT's T5 examples print 294,912 trainable (self- and cross-attention of both stacks)", () => {
    // 6 encoder self + 6 decoder self + 6 decoder cross attentions, q and v each: 36 × 8·(512+512).
    expect(count(T5_SMALL, T5_TASK, 'lora', { r: 8, targets: ['q', 'v'] }).method).toBe(294_912);
  });

  it('NOLA is k + l per adapted matrix, whatever its shape: 36 q/v matrices × 2,000', () => {
    expect(count(T5_SMALL, T5_TASK, 'nola', { k: 1000, l: 1000, targets: ['q', 'v'] }).method).toBe(72_000);
  });

  it('prompts go to the encoder: PT l·d; deep prompt and APT per encoder layer only', () => {
    expect(count(T5_SMALL, T5_TASK, 'prompt', { length: 20 }).method).toBe(20 * 512);
    expect(count(T5_SMALL, T5_TASK, 'deep-prompt', { length: 10 }).method).toBe(6 * 10 * 512);
    expect(count(T5_SMALL, T5_TASK, 'apt', { length: 10, r: 4, variant: 'identity' }).method).toBe(6 * (10 * 512 + 1));
  });

  it('head only on text-to-text trains an untied copy of the LM head (vocab × d)', () => {
    expect(count(T5_SMALL, T5_TASK, 'head', {}).head).toBe(32128 * 512);
  });
});

describe('parameter placement sums to the trainable count on every model, for every method', () => {
  for (const [name, shape, task] of [
    ['ViT-B', VIT_B, FOOD101],
    ['T5-small', T5_SMALL, T5_TASK],
  ] as const) {
    for (const method of METHODS) {
      it(`${method.name} on ${name}`, () => {
        const options = resolveMethodConfig(method.name, 'init' in (method.defaults as object) ? { init: 'random' } : {});
        const trainable = method.trainableParams(shape, task, options as never);
        const placement = methodParamPlacement(shape, task, method.name, options as Record<string, unknown>);
        expect(placement.layers).toHaveLength(shape.layers);
        expect(placementTotal(placement)).toBe(trainable.method + trainable.head);
      });
    }
  }
});

describe('deep prompt and APT in the T5 decoder (decoder = true)', () => {
  it('adds the decoder blocks: (encoder + decoder) blocks × the per-block count', () => {
    expect(count(T5_SMALL, T5_TASK, 'deep-prompt', { length: 10, decoder: true }).method).toBe(12 * 10 * 512);
    expect(count(T5_SMALL, T5_TASK, 'apt', { length: 10, r: 4, variant: 'identity', decoder: true }).method).toBe(12 * (10 * 512 + 1));
    const placement = methodParamPlacement(T5_SMALL, T5_TASK, 'deep-prompt', { length: 10, decoder: true });
    expect(placement.layers.map((row) => row.attention)).toEqual(Array(12).fill(10 * 512));
  });

  it('is refused, with the reason, on models with one stack', () => {
    const reason = (shape: ModelShape, task: TaskShape) => methodByName('deep-prompt').unsupportedReason?.(shape, task, resolveMethodConfig('deep-prompt', { decoder: true }));
    expect(reason(VIT_B, FOOD101)).toMatch(/ViT has no decoder/);
    expect(methodByName('apt').unsupportedReason?.(VIT_B, FOOD101, resolveMethodConfig('apt', { decoder: true }))).toMatch(/ViT has no decoder/);
    expect(reason(T5_SMALL, T5_TASK)).toBeNull();
  });
});
