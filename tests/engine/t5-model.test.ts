import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseT5Config, t5ConfigToJson, t5ParamCount, t5WeightShapes } from '../../src/engine/models/t5-config';
import { T5Model } from '../../src/engine/models/t5';
import { ModelLoadError } from '../../src/engine/models/model';
import { readSafetensors, type HostTensor } from '../../src/engine/io/safetensors';
import { loadTokenizer } from '../../src/engine/tokenize/tokenizer';
import { createRng } from '../../src/engine/data/rng';
import { maxAbsDiff } from './tiny';

/** T5's config parsing, checkpoint validation, dropout and training plumbing (numerics: t5-reference.test.ts). */

beforeAll(async () => {
  await useWasmBackend();
});

const TINY = {
  model_type: 't5',
  vocab_size: 23,
  d_model: 8,
  d_kv: 4,
  d_ff: 12,
  num_layers: 2,
  num_heads: 2,
  relative_attention_num_buckets: 8,
  dropout_rate: 0.1,
};

function hostWeights(json: Record<string, unknown>): Map<string, HostTensor> {
  const config = parseT5Config(json);
  const rng = createRng(4);
  const host = new Map<string, HostTensor>();
  for (const [name, shape] of t5WeightShapes(config)) {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
    host.set(name, { dtype: 'F32', shape, data });
  }
  return host;
}

describe('T5 config', () => {
  it('parses HF fields with HF defaults', () => {
    const c = parseT5Config(TINY);
    expect(c.numDecoderLayers).toBe(2);
    expect(c.relativeAttentionMaxDistance).toBe(128);
    expect(c.tieWordEmbeddings).toBe(true);
    expect(c.decoderStartTokenId).toBe(0);
    expect(c.denseActivation).toBe('relu');
    expect(c.isGatedAct).toBe(false);
    expect(c.layerNormEpsilon).toBe(1e-6);
    const gated = parseT5Config({ ...TINY, feed_forward_proj: 'gated-gelu' });
    expect([gated.denseActivation, gated.isGatedAct]).toEqual(['gelu_new', true]);
    const silu = parseT5Config({ ...TINY, feed_forward_proj: 'gated-silu' });
    expect([silu.denseActivation, silu.isGatedAct]).toEqual(['silu', true]);
    // config.json written back parses to the same config.
    expect(parseT5Config(t5ConfigToJson(gated))).toEqual(gated);
  });

  it('names the offending field', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...TINY, model_type: 'gpt2' }, /"model_type"/],
      [{ ...TINY, d_model: undefined }, /"d_model"/],
      [{ ...TINY, num_heads: 0 }, /"num_heads"/],
      [{ ...TINY, feed_forward_proj: 'swish-relu' }, /"feed_forward_proj".*"ACT" or "gated-ACT"/],
      [{ ...TINY, feed_forward_proj: 'gated-gelu-new' }, /"feed_forward_proj"/],
      [{ ...TINY, feed_forward_proj: 'gated-tanh' }, /"feed_forward_proj" activation "tanh" is not implemented/],
      [{ ...TINY, dropout_rate: 1.5 }, /"dropout_rate"/],
      [{ ...TINY, pad_token_id: 23 }, /"pad_token_id" \(23\) must be below "vocab_size"/],
      [{ ...TINY, decoder_start_token_id: 99 }, /"decoder_start_token_id"/],
      [{ ...TINY, is_encoder_decoder: false }, /"is_encoder_decoder"/],
    ];
    for (const [json, message] of cases) expect(() => parseT5Config(json), JSON.stringify(message.source)).toThrow(message);
  });

  it('t5-small has 60,506,624 parameters; flan-t5-small (gated, untied) 76,961,152', () => {
    const small = parseT5Config({ model_type: 't5', vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8 });
    expect(t5ParamCount(small)).toBe(60_506_624);
    const flan = parseT5Config({
      model_type: 't5', vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 1024, num_layers: 8, num_decoder_layers: 8, num_heads: 6,
      feed_forward_proj: 'gated-gelu', tie_word_embeddings: false,
    });
    expect(t5ParamCount(flan)).toBe(76_961_152);
  });
});

describe('T5 checkpoint validation', () => {
  const cases: Array<[string, (h: Map<string, HostTensor>) => void, RegExp]> = [
    ['missing tensor', (h) => h.delete('decoder.block.1.layer.1.EncDecAttention.k.weight'), /missing tensor "decoder\.block\.1\.layer\.1\.EncDecAttention\.k\.weight"/],
    ['extra tensor', (h) => h.set('encoder.block.2.layer.0.layer_norm.weight', { dtype: 'F32', shape: [8], data: new Float32Array(8) }), /unexpected tensor "encoder\.block\.2\.layer\.0\.layer_norm\.weight"/],
    ['relative bias in block 1', (h) => h.set('encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight', { dtype: 'F32', shape: [8, 2], data: new Float32Array(16) }), /unexpected tensor "encoder\.block\.1\.layer\.0\.SelfAttention\.relative_attention_bias\.weight"/],
    ['wrong shape', (h) => h.set('encoder.block.0.layer.1.DenseReluDense.wi.weight', { dtype: 'F32', shape: [8, 12], data: new Float32Array(96) }), /"encoder\.block\.0\.layer\.1\.DenseReluDense\.wi\.weight" has shape \[8,12\], config\.json implies \[12,8\]/],
    ['integer dtype', (h) => h.set('shared.weight', { dtype: 'I32', shape: [23, 8], data: new Int32Array(184) }), /"shared\.weight" has integer dtype I32/],
    ['non-finite value', (h) => (h.get('decoder.final_layer_norm.weight')!.data[3] = Number.NaN), /"decoder\.final_layer_norm\.weight" element 3 is NaN/],
    ['untied lm_head differing from shared', (h) => h.set('lm_head.weight', { dtype: 'F32', shape: [23, 8], data: new Float32Array(184) }), /"lm_head\.weight" differs from "shared\.weight"/],
  ];
  for (const [label, corrupt, message] of cases) {
    it(`${label}: a ModelLoadError naming it, and no tensors left allocated`, () => {
      const host = hostWeights(TINY);
      corrupt(host);
      const before = tf.memory().numTensors;
      expect(() => T5Model.fromWeights(parseT5Config(TINY), host)).toThrow(ModelLoadError);
      expect(() => T5Model.fromWeights(parseT5Config(TINY), host)).toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('accepts tied aliases equal to shared.weight (older save_pretrained files) and ignores them', () => {
    const host = hostWeights(TINY);
    const shared = host.get('shared.weight')!;
    for (const alias of ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight', 'lm_head.weight']) host.set(alias, { ...shared, data: shared.data.slice() });
    const model = T5Model.fromWeights(parseT5Config(TINY), host);
    expect(model.namedVariables().map(([n]) => n)).not.toContain('lm_head.weight');
    model.dispose();
  });

  it('an untied config needs lm_head.weight', () => {
    const json = { ...TINY, tie_word_embeddings: false };
    const host = hostWeights(json);
    host.delete('lm_head.weight');
    expect(() => T5Model.fromWeights(parseT5Config(json), host)).toThrow(/missing tensor "lm_head\.weight"/);
  });
});

describe('T5 forward plumbing', () => {
  const ids = [[5, 6, 7, 8, 9], [10, 11, 12, 0, 0]];
  const mask = [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]];
  const decoderIds = [[0, 4, 3], [0, 7, 7]];

  function logits(model: T5Model, dropoutSeed: number | null): Float32Array {
    const out = tf.tidy(() => {
      const enc = model.encode(tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask, undefined, 'int32'), { dropoutSeed });
      return model.lmLogits(model.decode(tf.tensor2d(decoderIds, undefined, 'int32'), enc, { dropoutSeed }));
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  it('dropout: none in evaluation, seeded while training', () => {
    const model = T5Model.randomInit(parseT5Config(TINY), createRng(1));
    expect(maxAbsDiff(logits(model, null), logits(model, null))).toBe(0);
    expect(maxAbsDiff(logits(model, 7), logits(model, 7))).toBe(0);
    expect(maxAbsDiff(logits(model, 7), logits(model, 8))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(logits(model, 7), logits(model, null))).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('a decoder mask hides padded decoder keys: real positions do not change with what the padding holds', () => {
    const model = T5Model.randomInit(parseT5Config({ ...TINY, dropout_rate: 0 }), createRng(2));
    const run = (pad: number) =>
      tf.tidy(() => {
        const enc = model.encode(tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask, undefined, 'int32'));
        const dec = tf.tensor2d([[0, 4, 3, pad], [0, 7, pad, pad]], undefined, 'int32');
        const decMask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]], undefined, 'int32');
        return model.lmLogits(model.decode(dec, enc, {}, decMask)).dataSync() as Float32Array;
      });
    const a = run(5);
    const b = run(9);
    const v = 23;
    // Row 0 positions 0..2 and row 1 positions 0..1 are causal-before the padding.
    for (const [row, upto] of [[0, 3], [1, 2]]) {
      for (let t = 0; t < upto; t++) {
        const at = (row * 4 + t) * v;
        expect(maxAbsDiff(a.subarray(at, at + v), b.subarray(at, at + v))).toBe(0);
      }
    }
    model.dispose();
  });

  it('a training step reaches every weight (shared, both relative-position tables) and leaks no tensors', () => {
    const model = T5Model.randomInit(parseT5Config(TINY), createRng(3));
    const vars = model.namedVariables();
    for (const [, v] of vars) v.trainable = true;
    const optimizer = tf.train.sgd(0.1);
    const step = (seed: number) => {
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const enc = model.encode(tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask, undefined, 'int32'), { dropoutSeed: seed });
          const out = model.lmLogits(model.decode(tf.tensor2d(decoderIds, undefined, 'int32'), enc, { dropoutSeed: seed }));
          return tf.mean(tf.square(out)) as tf.Scalar;
        }),
      );
      const norms = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n.replace(/#\d+$/, ''), tf.tidy(() => tf.norm(g).dataSync()[0])]));
      optimizer.applyGradients(grads);
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      return norms;
    };
    const norms = step(1);
    expect(Object.keys(norms).length).toBe(vars.length);
    for (const name of ['t5/shared.weight', 't5/encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', 't5/decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', 't5/decoder.block.1.layer.1.EncDecAttention.k.weight']) {
      expect(norms[name], name).toBeGreaterThan(0);
    }
    const before = tf.memory().numTensors;
    step(2);
    step(3);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
  });

  it('dispose frees every tensor the model made', async () => {
    const before = tf.memory().numTensors;
    const model = T5Model.randomInit(parseT5Config(TINY), createRng(5));
    logits(model, null);
    const input = tf.tensor2d(ids, undefined, 'int32');
    const m = tf.tensor2d(mask, undefined, 'int32');
    await model.greedyGenerate(input, m, 3);
    input.dispose();
    m.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the built-in tiny-t5 (public/models/tiny-t5)', () => {
  it('loads from its Hugging Face files and answers a masked span starting with <extra_id_0>', async () => {
    const dir = path.join(__dirname, '../../public/models/tiny-t5');
    const read = (file: string) => readFileSync(path.join(dir, file));
    const config = parseT5Config(JSON.parse(read('config.json').toString('utf8')));
    const { tensors } = readSafetensors(new Uint8Array(read('model.safetensors')));
    let stored = 0;
    for (const t of tensors.values()) stored += t.data.length;
    expect(stored).toBe(t5ParamCount(config));
    const model = T5Model.fromWeights(config, tensors);
    const tokenizer = loadTokenizer(JSON.parse(read('tokenizer.json').toString('utf8')), JSON.parse(read('tokenizer_config.json').toString('utf8')));
    expect(tokenizer.vocabSize).toBe(config.vocabSize);
    const text = 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my <extra_id_0>, and nothing particular to interest me on shore.';
    const ids = [...tokenizer.encode(text), tokenizer.eosTokenId];
    const input = tf.tensor2d([ids], undefined, 'int32');
    const mask = tf.ones([1, ids.length]) as tf.Tensor2D;
    const [out] = await model.greedyGenerate(input, mask, 8);
    input.dispose();
    mask.dispose();
    console.log(`tiny-t5 fills ${JSON.stringify(text)} with ${JSON.stringify(tokenizer.decode(out))}`);
    // Every span-corruption target starts with <extra_id_0>: a trained model has learned that.
    expect(out[0]).toBe(config.vocabSize - 1);
    model.dispose();
  });
});
