import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import type { Gpt2Model } from '../../src/engine/models/gpt2';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { createRng } from '../../src/engine/data/rng';
import { DEEP_PROMPT_TENSOR, deepPromptExtraFlops, deepPromptMethod, fullTokenDeepPromptExtraFlops, type DeepPromptConfig } from '../../src/engine/methods/deep-prompt';
import { promptAttentionMap } from '../../src/engine/methods/prompt-attention-map';
import { resolveMethodConfig } from '../../src/engine/methods/registry';
import type { AttachedMethod, TaskShape } from '../../src/engine/methods/types';
import { createTaskHead, type BatchTensors } from '../../src/engine/train/task-head';
import { readSafetensors, writeSafetensors } from '../../src/engine/io/safetensors';
import { expectAllClose, logitsOf, maxAbsDiff, setValues, tinyModel, valuesOf } from './tiny';
import { autodiffGradient, expectFiniteDifferences } from './finite-differences';
import { referenceForward } from './apt-reference';
import { prng } from './prng';

beforeAll(async () => {
  await useWasmBackend();
});

const LM: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 8 };
const CLS3: TaskShape = { kind: 'classify', numLabels: 3, seqLen: 8 };
const IDS = [3, 17, 5, 0, 28, 9, 11, 2];

function config(options: Partial<DeepPromptConfig>): DeepPromptConfig {
  return resolveMethodConfig('deep-prompt', options) as DeepPromptConfig;
}

function randomArray(size: number, scale: number, seed: number): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

/** Sets every layer's prompt to large random rows, so that the prompts matter. */
function randomisePrompts(attached: AttachedMethod, seed: number): Float32Array[] {
  return attached.paramGroups[0].variables.map((v, l) => {
    const data = randomArray(v.size, 1.5, seed + l);
    setValues(v, data);
    return data;
  });
}

describe('deep prompt: trainable parameters', () => {
  for (const [p, task] of [[1, LM], [4, CLS3], [16, LM]] as const) {
    it(`p=${p} on ${task.kind}: L·p·d exactly, one [p, d] variable per layer in group "prompt"`, () => {
      const model = tinyModel(40);
      const attached = deepPromptMethod.attach(model, task, config({ length: p }), createRng(1));
      const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(2) });
      try {
        const { layers, hidden } = model.shape;
        expect(attached.paramGroups.map((g) => g.name)).toEqual(['prompt']);
        expect(attached.paramGroups[0].variables.map((v) => v.shape)).toEqual(Array.from({ length: layers }, () => [p, hidden]));
        const counted = attached.paramGroups[0].variables.reduce((n, v) => n + v.size, 0);
        expect(counted).toBe(layers * p * hidden);
        expect(deepPromptMethod.trainableParams(model.shape, task, config({ length: p }))).toEqual({ method: counted, head: head.variables.reduce((n, v) => n + v.size, 0) });
        // The prompts take no positions.
        expect(attached.hooks.prefixLength ?? 0).toBe(0);
      } finally {
        head.dispose();
        attached.dispose();
        model.dispose();
      }
    });
  }

  it('GPT-2 small (12 layers, d=768) at p=200: 1,843,200', () => {
    const small = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12 }));
    expect(deepPromptMethod.trainableParams(small, LM, config({ length: 200 })).method).toBe(12 * 200 * 768);
  });
});

describe('deep prompt: the attention hook against an independent computation', () => {
  let model: Gpt2Model;
  beforeAll(() => {
    model = tinyModel(41);
  });
  afterAll(() => model.dispose());

  it('logits equal a plain-JS GPT-2 whose attention has p extra keys/values per layer (and differ from the bare model)', () => {
    const attached = deepPromptMethod.attach(model, LM, config({ length: 3 }), createRng(1));
    try {
      const prompts = randomisePrompts(attached, 100);
      const got = logitsOf(model, [IDS], undefined, attached.hooks);
      const reference = referenceForward(model, IDS, { deep: { prompts } });
      expectAllClose(got, reference.logits, 2e-4, 2e-4);
      // The reference without prompts is the bare model, and the prompts change the output.
      expectAllClose(logitsOf(model, [IDS]), referenceForward(model, IDS).logits, 2e-4, 2e-4);
      expect(maxAbsDiff(got, logitsOf(model, [IDS]))).toBeGreaterThan(1e-2);
    } finally {
      attached.dispose();
    }
  });

  it('with padding: padded keys stay masked, prompts stay visible; the real rows equal the unpadded run', () => {
    const attached = deepPromptMethod.attach(model, LM, config({ length: 2 }), createRng(2));
    try {
      randomisePrompts(attached, 200);
      const vocab = model.config.vocabSize;
      const short = IDS.slice(0, 5);
      const alone = logitsOf(model, [short], undefined, attached.hooks);
      const padded = logitsOf(model, [IDS, [...short, 0, 0, 0]], [IDS.map(() => 1), [1, 1, 1, 1, 1, 0, 0, 0]], attached.hooks);
      expectAllClose(padded.slice(8 * vocab, 13 * vocab), alone, 1e-5, 1e-5);
    } finally {
      attached.dispose();
    }
  });
});

describe('deep prompt: gradients vs central finite differences', () => {
  for (const task of [LM, CLS3]) {
    it(`prompts of layer 0 and the last layer on ${task.kind}`, () => {
      const model = tinyModel(42);
      const attached = deepPromptMethod.attach(model, task, config({ length: 3 }), createRng(1));
      const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(11) });
      const b: BatchTensors = {
        inputIds: tf.tensor2d([[3, 17, 3, 0, 28, 3, 9, 1], [7, 21, 4, 13, 2, 2, 2, 2]], undefined, 'int32'),
        attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 0]], undefined, 'int32'),
        labels: task.kind === 'classify' ? tf.tensor1d([2, 0], 'int32') : null,
        realTokens: 12,
        lmTargets: 10,
      };
      try {
        randomisePrompts(attached, 300);
        const lossTensor = () => head.loss(b, attached.hooks);
        const lossValue = () => tf.tidy(lossTensor).dataSync()[0];
        const vars = attached.paramGroups[0].variables;
        for (const target of [vars[0], vars[vars.length - 1]]) {
          const grad = autodiffGradient(lossTensor, target);
          const maxAbs = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
          expect(maxAbs).toBeGreaterThan(1e-3);
          const candidates = [...grad.keys()].filter((i) => Math.abs(grad[i]) >= 0.2 * maxAbs);
          const picks = [...new Set([candidates[0], candidates[Math.floor(candidates.length / 2)], candidates[candidates.length - 1]])];
          expectFiniteDifferences(target, grad, picks, lossValue, 1e-2, 2e-2);
        }
      } finally {
        tf.dispose([b.inputIds, b.attentionMask, b.labels ?? []]);
        head.dispose();
        attached.dispose();
        model.dispose();
      }
    });
  }
});

describe('deep prompt: adapter', () => {
  it('saves one [L·p, d] tensor, layer-major; loading into a fresh attach reproduces the logits exactly', async () => {
    const model = tinyModel(43);
    const source = deepPromptMethod.attach(model, LM, config({ length: 3 }), createRng(1));
    const target = deepPromptMethod.attach(model, LM, config({ length: 3 }), createRng(2));
    try {
      const prompts = randomisePrompts(source, 400);
      const expected = logitsOf(model, [IDS], undefined, source.hooks);
      expect(maxAbsDiff(logitsOf(model, [IDS], undefined, target.hooks), expected)).toBeGreaterThan(1e-3);
      const saved = await source.saveAdapter();
      const bytes = writeSafetensors([...saved.tensors].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array })));
      const tensors = readSafetensors(bytes).tensors;
      const d = model.config.nEmbd;
      expect([...tensors.keys()]).toEqual([DEEP_PROMPT_TENSOR]);
      expect(tensors.get(DEEP_PROMPT_TENSOR)!.shape).toEqual([2 * 3, d]);
      // Layer 1's rows are rows 3..5.
      expect(maxAbsDiff((tensors.get(DEEP_PROMPT_TENSOR)!.data as Float32Array).slice(3 * d), prompts[1])).toBe(0);
      target.loadAdapter({ config: saved.config, tensors });
      expect(maxAbsDiff(logitsOf(model, [IDS], undefined, target.hooks), expected)).toBe(0);
      // A different p is refused, naming the tensor.
      const other = deepPromptMethod.attach(model, LM, config({ length: 2 }), createRng(3));
      try {
        expect(() => other.loadAdapter({ config: saved.config, tensors })).toThrow(/prompt_embeddings/);
      } finally {
        other.dispose();
      }
    } finally {
      source.dispose();
      target.dispose();
      model.dispose();
    }
  });
});

describe('deep prompt: attention map (softmax mass on the prompts)', () => {
  it('per layer and token, equals the plain-JS mass averaged over heads; in (0, 1); leaves no tensors', async () => {
    const model = tinyModel(44);
    const attached = deepPromptMethod.attach(model, LM, config({ length: 4 }), createRng(1));
    try {
      const prompts = randomisePrompts(attached, 500);
      // The model caches one causal mask per shape on first use; count after that.
      await promptAttentionMap(model, attached, IDS);
      const before = tf.memory().numTensors;
      const map = await promptAttentionMap(model, attached, IDS);
      expect(tf.memory().numTensors).toBe(before);
      expect(map.kind).toBe('softmax-mass');
      expect([map.layers, map.tokens]).toEqual([2, IDS.length]);
      const reference = referenceForward(model, IDS, { deep: { prompts } });
      for (let l = 0; l < 2; l++) expectAllClose(map.shares[l], reference.shares[l], 1e-5, 1e-4);
      expect(map.shares.flat().every((s) => s > 0 && s < 1)).toBe(true);
      // Token 0 sees only itself besides the prompts, later tokens see more: its mass is the largest on average.
      const first = map.shares.map((row) => row[0]);
      const last = map.shares.map((row) => row[IDS.length - 1]);
      expect(first.reduce((a, b) => a + b)).toBeGreaterThan(last.reduce((a, b) => a + b));
    } finally {
      attached.dispose();
      model.dispose();
    }
  });
});

describe('deep prompt: extra FLOPs over the frozen model', () => {
  it('counts the K/V projections of the prompts once per batch and the extra attention per sequence', () => {
    // d=4, L=2, H=2, n=3, B=2, p=5: per layer 4·5·16 + 2·(4·3·5·4 + 3·2·3·5) = 320 + 2·(240 + 90) = 980.
    expect(deepPromptExtraFlops({ hidden: 4, layers: 2, heads: 2 }, 3, 2, 5)).toBe(2 * 980);
  });

  it("the paper's baseline (prompts as full tokens of each layer): hand count", () => {
    // d=4, mlp=16, L=2, H=2, n=3, B=2, p=5: per sequence 8·5·16 + 4·5·4·16 + (16 + 6)·(64 − 9) = 640 + 1280 + 1210 = 3130.
    expect(fullTokenDeepPromptExtraFlops({ hidden: 4, layers: 2, heads: 2, mlpHidden: 16 }, 3, 2, 5)).toBe(2 * 2 * 3130);
  });
});
