import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseVitConfig, vitConfigToJson, vitModelShape, vitClassifierParams, vitParamCount, vitWeightShapes, type VitConfig } from '../../src/engine/models/vit-config';
import { VitModel } from '../../src/engine/models/vit';
import { ModelLoadError } from '../../src/engine/models/model';
import { ConfigError } from '../../src/engine/models/gpt2-config';
import type { HostTensor } from '../../src/engine/io/safetensors';
import { createRng } from '../../src/engine/data/rng';
import { maxAbsDiff } from './tiny';
import { prng } from './prng';

/** ViT config validation, checkpoint validation, name variants, init, dropout and gradients on wasm. */

beforeAll(async () => {
  await useWasmBackend();
});

const TINY_JSON = {
  model_type: 'vit',
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 24,
  image_size: 8,
  patch_size: 4,
  num_channels: 3,
  id2label: { '0': 'cat', '1': 'dog', '2': 'bird' },
};

function tinyConfig(extra: Record<string, unknown> = {}): VitConfig {
  return parseVitConfig({ ...TINY_JSON, ...extra });
}

/** Random host tensors under ViTForImageClassification names. */
function randomHost(config: VitConfig, seed = 1): Map<string, HostTensor> {
  const next = prng(seed);
  const host = new Map<string, HostTensor>();
  for (const [name, shape] of vitWeightShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    host.set(name, { dtype: 'F32', shape, data: Float32Array.from({ length: size }, () => next() - 0.5) });
  }
  return host;
}

function pixels(config: VitConfig, batch: number, seed = 2): tf.Tensor4D {
  const next = prng(seed);
  const n = batch * config.channels * config.imageSize * config.imageSize;
  return tf.tensor4d(Float32Array.from({ length: n }, () => next() * 2 - 1), [batch, config.channels, config.imageSize, config.imageSize]);
}

function hiddenOf(model: VitModel, seed = 2, dropoutSeed: number | null = null): Float32Array {
  return tf.tidy(() => model.forward(pixels(model.config, 2, seed), { dropoutSeed }).dataSync() as Float32Array);
}

function expectLoadError(config: VitConfig, host: Map<string, HostTensor>, pattern: RegExp): void {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    VitModel.fromWeights(config, host).dispose();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelLoadError);
  expect((error as Error).message).toMatch(pattern);
  expect(tf.memory().numTensors).toBe(before);
}

describe('parseVitConfig', () => {
  it('takes ViTConfig defaults (google/vit-base-patch16-224 shape) and label maps', () => {
    const c = parseVitConfig({ model_type: 'vit' });
    expect(c).toMatchObject({ hidden: 768, layers: 12, heads: 12, intermediate: 3072, activation: 'gelu', layerNormEps: 1e-12, imageSize: 224, patchSize: 16, channels: 3, qkvBias: true, hiddenDropout: 0, attentionDropout: 0, initializerRange: 0.02, numLabels: 2 });
    expect(c.id2label).toEqual({ '0': 'LABEL_0', '1': 'LABEL_1' });
    expect(parseVitConfig({ model_type: 'vit', num_labels: 4 }).numLabels).toBe(4);
    expect(tinyConfig().numLabels).toBe(3);
    // [h, w] pairs as HF allows them, when square.
    expect(parseVitConfig({ model_type: 'vit', image_size: [32, 32], patch_size: [8, 8] })).toMatchObject({ imageSize: 32, patchSize: 8 });
  });

  it('round-trips through vitConfigToJson', () => {
    const c = tinyConfig({ hidden_act: 'gelu_new', qkv_bias: false, layer_norm_eps: 1e-6 });
    const json = vitConfigToJson(c);
    expect(json).toMatchObject({ architectures: ['ViTForImageClassification'], model_type: 'vit', label2id: { cat: 0, dog: 1, bird: 2 } });
    expect(parseVitConfig(json)).toEqual(c);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['heads do not divide the width', { hidden_size: 100, num_attention_heads: 3 }, /"hidden_size" 100 is not divisible by "num_attention_heads" 3/],
    ['patches do not tile the image', { image_size: 30, patch_size: 7 }, /"image_size" 30 is not divisible by "patch_size" 7/],
    ['non-square images', { image_size: [224, 160] }, /"image_size" is \[224,160\]; only square/],
    ['another model type', { model_type: 'deit' }, /field "model_type" must be "vit"/],
    ['an unknown activation', { hidden_act: 'swish' }, /field "hidden_act"/],
    ['zero channels', { num_channels: 0 }, /field "num_channels"/],
    ['a negative dropout', { hidden_dropout_prob: -0.1 }, /field "hidden_dropout_prob"/],
    ['num_labels disagreeing with id2label', { num_labels: 5 }, /"num_labels" 5 does not match the 3 entries of "id2label"/],
    ['id2label with a gap', { id2label: { '0': 'a', '2': 'b' } }, /"id2label" must have keys 0..1; key "1" is missing/],
    ['masked image modeling', { use_mask_token: true }, /"use_mask_token"/],
  ];
  for (const [title, extra, pattern] of bad) {
    it(`refuses ${title}, naming the field`, () => {
      expect(() => tinyConfig(extra)).toThrow(ConfigError);
      expect(() => tinyConfig(extra)).toThrow(pattern);
    });
  }
});

describe('vitModelShape', () => {
  it('lists every linear with HF module paths, separate q/k/v, stack and sizes', () => {
    const c = tinyConfig({ qkv_bias: false });
    const shape = vitModelShape(c);
    expect(shape).toMatchObject({ family: 'vit', hidden: 16, heads: 4, mlpHidden: 24, layers: 2, stacks: { encoder: 2, decoder: 0 }, promptStack: 'encoder', vocabSize: 0, maxPositions: null });
    expect(shape.linears.map((l) => l.role)).toEqual(['q', 'k', 'v', 'attn_out', 'mlp_in', 'mlp_out', 'q', 'k', 'v', 'attn_out', 'mlp_in', 'mlp_out']);
    expect(shape.linears[7]).toEqual({ name: 'encoder.layer.1.attention.attention.key', modulePath: 'vit.encoder.layer.1.attention.attention.key', stack: 'encoder', layer: 1, role: 'k', inFeatures: 16, outFeatures: 16, hasBias: false });
    expect(shape.linears[11]).toMatchObject({ modulePath: 'vit.encoder.layer.1.output.dense', inFeatures: 24, outFeatures: 16, hasBias: true });
    // cls 16 + positions 5·16 + projection 16·3·4·4 + 16.
    expect(shape.embeddingParams).toBe(16 + 80 + 768 + 16);
    expect(shape.totalParams + vitClassifierParams(c)).toBe(vitParamCount(c));
  });

  it('the model has one LinearSite per listed linear, weights [in, out]', () => {
    const c = tinyConfig({ qkv_bias: false });
    const model = VitModel.randomInit(c, createRng(3));
    try {
      const sites = model.linearSites();
      const shapes = vitModelShape(c).linears;
      expect(sites.map((s) => s.modulePath)).toEqual(shapes.map((l) => l.modulePath));
      for (const [i, site] of sites.entries()) {
        expect(site.weight.shape).toEqual([shapes[i].inFeatures, shapes[i].outFeatures]);
        expect(site.bias === null).toBe(!shapes[i].hasBias);
      }
      expect(model.linearSites(1)).toHaveLength(6);
      expect(model.tokenEmbeddingTable()).toBeNull();
      expect(model.initializerRange).toBe(0.02);
    } finally {
      model.dispose();
    }
  });
});

describe('VitModel.fromWeights validation (nothing allocated on failure)', () => {
  const config = tinyConfig();

  it('a missing tensor is named', () => {
    const host = randomHost(config);
    host.delete('vit.encoder.layer.1.attention.attention.value.bias');
    expectLoadError(config, host, /missing tensor "vit\.encoder\.layer\.1\.attention\.attention\.value\.bias" \(expected shape \[16\]\)/);
  });

  it('an extra tensor is named (a checkpoint with more layers than config.json)', () => {
    const host = randomHost(config);
    host.set('vit.encoder.layer.2.output.dense.bias', { dtype: 'F32', shape: [16], data: new Float32Array(16) });
    expectLoadError(config, host, /unexpected tensor "vit\.encoder\.layer\.2\.output\.dense\.bias"/);
  });

  it('a wrong shape is named with both shapes', () => {
    const host = randomHost(config);
    host.set('vit.encoder.layer.0.intermediate.dense.weight', { dtype: 'F32', shape: [16, 24], data: new Float32Array(16 * 24) });
    expectLoadError(config, host, /"vit\.encoder\.layer\.0\.intermediate\.dense\.weight" has shape \[16,24\], config\.json implies \[24,16\]/);
  });

  it('a classifier for another label count is refused', () => {
    const host = randomHost(tinyConfig({ id2label: { '0': 'a', '1': 'b' } }));
    expectLoadError(config, host, /"classifier\.weight" has shape \[2,16\], config\.json implies \[3,16\]/);
  });

  it('a half classifier is refused', () => {
    const host = randomHost(config);
    host.delete('classifier.bias');
    expectLoadError(config, host, /missing tensor "classifier\.bias"/);
  });

  it('integer and non-finite tensors are named', () => {
    const host = randomHost(config);
    host.set('vit.layernorm.bias', { dtype: 'I32', shape: [16], data: new Int32Array(16) });
    expectLoadError(config, host, /"vit\.layernorm\.bias" has integer dtype I32/);
    const nan = randomHost(config);
    nan.get('vit.embeddings.position_embeddings')!.data[37] = Number.NaN;
    expectLoadError(config, nan, /"vit\.embeddings\.position_embeddings" element 37 is NaN/);
  });

  it('a qkv_bias=false config refuses a checkpoint with q/k/v biases', () => {
    expectLoadError(tinyConfig({ qkv_bias: false }), randomHost(config), /unexpected tensor "vit\.encoder\.layer\.0\.attention\.attention\.query\.bias"/);
  });
});

describe('checkpoint name variants and round trip', () => {
  const config = tinyConfig();

  it('a ViTModel checkpoint (no prefix, with pooler, no classifier) gives the same hidden states; its classifierLogits throws', () => {
    const host = randomHost(config, 4);
    const bare = new Map<string, HostTensor>();
    for (const [name, t] of host) if (!name.startsWith('classifier.')) bare.set(name.slice('vit.'.length), t);
    bare.set('pooler.dense.weight', { dtype: 'F32', shape: [16, 16], data: new Float32Array(256) });
    bare.set('pooler.dense.bias', { dtype: 'F32', shape: [16], data: new Float32Array(16) });
    const full = VitModel.fromWeights(config, host);
    const backbone = VitModel.fromWeights(config, bare);
    try {
      expect(maxAbsDiff(hiddenOf(full), hiddenOf(backbone))).toBe(0);
      expect(full.numLabels).toBe(3);
      expect(backbone.numLabels).toBe(0);
      expect(backbone.classifierVariables()).toEqual([]);
      const before = tf.memory().numTensors;
      expect(() => tf.tidy(() => backbone.classifierLogits(backbone.forward(pixels(config, 1))))).toThrow(/no classifier \(a ViTModel/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      full.dispose();
      backbone.dispose();
    }
  });

  it('toHostWeights gives back the exact tensors, names and HF layouts that were loaded', async () => {
    const host = randomHost(config, 5);
    const model = VitModel.fromWeights(config, host);
    try {
      const back = await model.toHostWeights();
      expect([...back.keys()].sort()).toEqual([...host.keys()].sort());
      for (const [name, t] of host) {
        expect(back.get(name)!.shape, name).toEqual(t.shape);
        expect(maxAbsDiff(back.get(name)!.data, t.data), name).toBe(0);
      }
    } finally {
      model.dispose();
    }
  });

  it('a loaded model frees every tensor on dispose; forward keeps none', () => {
    const before = tf.memory().numTensors;
    const model = VitModel.fromWeights(config, randomHost(config));
    expect(tf.memory().numTensors).toBe(before + vitWeightShapes(config).size);
    hiddenOf(model);
    expect(tf.memory().numTensors).toBe(before + vitWeightShapes(config).size);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('forward refuses images of the wrong size or channel count, naming the config field', () => {
    const model = VitModel.fromWeights(config, randomHost(config));
    try {
      expect(() => tf.tidy(() => model.forward(tf.zeros([1, 3, 16, 16]) as tf.Tensor4D))).toThrow(/16×16.*8×8 \(config\.json image_size\)/);
      expect(() => tf.tidy(() => model.forward(tf.zeros([1, 1, 8, 8]) as tf.Tensor4D))).toThrow(/1 channels.*num_channels=3/);
      expect(() => tf.tidy(() => model.forward(pixels(config, 1), { hooks: { prefixLength: 2, inputEmbeddings: (x) => x } }))).toThrow(/declared prefixLength 2/);
    } finally {
      model.dispose();
    }
  });
});

describe('randomInit, dropout and gradients', () => {
  it("follows HF's _init_weights and replays by seed", async () => {
    const config = parseVitConfig({ model_type: 'vit', hidden_size: 64, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 128, image_size: 16, patch_size: 4, initializer_range: 0.05 });
    const a = VitModel.randomInit(config, createRng(7));
    const b = VitModel.randomInit(config, createRng(7));
    const c = VitModel.randomInit(config, createRng(8));
    try {
      const wa = await a.toHostWeights();
      const wb = await b.toHostWeights();
      const wc = await c.toHostWeights();
      const std = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0) / x.length);
      for (const [name, t] of wa) {
        expect(maxAbsDiff(t.data, wb.get(name)!.data), name).toBe(0);
        if (/layernorm(_before|_after)?\.weight$/.test(name)) expect(Array.from(new Set(t.data)), name).toEqual([1]);
        else if (name.endsWith('.bias')) expect(Array.from(new Set(t.data)), name).toEqual([0]);
        else {
          // Weights, CLS and positions: truncated normal with std = initializer_range.
          expect(std(t.data), name).toBeGreaterThan(0.04);
          expect(std(t.data), name).toBeLessThan(0.06);
          expect(maxAbsDiff(t.data, wc.get(name)!.data), name).toBeGreaterThan(0);
        }
      }
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  it('dropout acts only with a seed, and replays by seed', () => {
    const model = VitModel.randomInit(tinyConfig({ hidden_dropout_prob: 0.3, attention_probs_dropout_prob: 0.3 }), createRng(9));
    try {
      const evalA = hiddenOf(model);
      expect(maxAbsDiff(evalA, hiddenOf(model))).toBe(0);
      const trainA = hiddenOf(model, 2, 11);
      expect(maxAbsDiff(trainA, hiddenOf(model, 2, 11))).toBe(0);
      expect(maxAbsDiff(trainA, evalA)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(trainA, hiddenOf(model, 2, 12))).toBeGreaterThan(1e-3);
    } finally {
      model.dispose();
    }
  });

  it('trains on wasm: gradients reach the patch projection, CLS, positions and prompts (no conv2d gradient needed)', () => {
    const config = tinyConfig();
    const model = VitModel.randomInit(config, createRng(10));
    const prompts = tf.variable(tf.randomNormal([2, 16], 0, 0.5, 'float32', 1));
    const variables = [...model.namedVariables(), ...model.classifierVariables()];
    for (const [, v] of variables) v.trainable = true;
    try {
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const hidden = model.forward(pixels(config, 2), {
            hooks: { prefixLength: 2, inputEmbeddings: (x) => tf.concat([tf.tile(prompts.expandDims(0), [2, 1, 1]), x], 1) as tf.Tensor3D },
          });
          return tf.sum(tf.square(model.classifierLogits(hidden))) as tf.Scalar;
        }),
      );
      const norm = (name: string) => tf.tidy(() => tf.norm(grads[name]).dataSync()[0]);
      for (const name of ['embeddings.patch_embeddings.projection.weight', 'embeddings.cls_token', 'embeddings.position_embeddings', 'encoder.layer.0.attention.attention.query.weight']) {
        expect(norm(model.variable(name).name), name).toBeGreaterThan(0);
      }
      expect(norm(prompts.name)).toBeGreaterThan(0);
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      prompts.dispose();
      model.dispose();
    }
  });
});
