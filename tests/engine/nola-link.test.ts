import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { Gpt2Model } from '../../src/engine/models/gpt2';
import { createRng } from '../../src/engine/data/rng';
import { parseExperimentSpec, type ExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import { hashToSpec, MAX_LINK_CHARS, specToHash } from '../../src/engine/experiment/link';
import type { RunEvent } from '../../src/engine/experiment/events';
import type { BaseCheckpoint } from '../../src/engine/experiment/base-model';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { nolaMethod, type NolaConfig } from '../../src/engine/methods/nola';
import { decodeNolaAdapter, encodeNolaAdapter, fromBase64Url, nolaAdapterText, toBase64Url } from '../../src/engine/methods/nola-adapter-codec';
import { parseGpt2Config, type Gpt2Config } from '../../src/engine/models/gpt2-config';
import { fakeQuantizeHost } from '../../src/engine/kernels/nola-quant';
import type { AttachedMethod } from '../../src/engine/methods/types';
import { logitsOf, maxAbsDiff, setValues, valuesOf } from './tiny';

beforeAll(async () => {
  await useWasmBackend();
});

const TASK = { kind: 'lm' as const, numLabels: 0, seqLen: 32 };
const IDS = [
  [50, 1270, 612, 25, 1009, 1310, 11, 280, 13, 44],
  [7, 7, 21, 4, 13, 1, 19, 6, 300, 1999],
];

function spec(options: Partial<NolaConfig>, steps: number): ExperimentSpec {
  return parseExperimentSpec({
    model: 'tiny-gpt2',
    task: 'lm-spam',
    methods: [{ name: 'nola', options }],
    steps,
    batchSize: 8,
    seqLen: 32,
    seed: 3,
    eval: { every: steps, maxBatches: 4 },
    logEvery: steps,
  });
}

function coefficientVars(attached: AttachedMethod): tf.Variable[] {
  return attached.paramGroups.flatMap((g) => g.variables);
}

describe('a trained NOLA adapter inside a share link', () => {
  it('trains, travels in the link (< 4,096 chars), and the opened link has the trained model at step 0, same logits', async () => {
    let text = '';
    let trainedCoefficients: Float32Array[] = [];
    let base: BaseCheckpoint | null = null;
    const trainedEvals: number[] = [];
    await runExperiment(
      spec({ quantBits: '4' }, 20),
      nodeRunnerEnv,
      (e: RunEvent) => {
        if (e.type === 'eval') trainedEvals.push(e.loss);
      },
      undefined,
      {
        afterTraining: async (runs, _data, checkpoint) => {
          base = checkpoint;
          const run = runs[0];
          text = await nolaAdapterText(run.method, checkpoint.shape, run.methodSpec.options as unknown as NolaConfig);
          trainedCoefficients = coefficientVars(run.method).map(valuesOf);
        },
      },
    );
    expect(trainedEvals[1]).toBeLessThan(trainedEvals[0]);
    // QV on 4 layers, k = l = 100, 4 bits: 896 bytes → 1,195 base64url characters.
    expect(fromBase64Url(text).length).toBe(896);
    expect(nolaMethod.storedBytes!((base as unknown as BaseCheckpoint).shape, TASK, { ...nolaMethod.defaults, quantBits: '4' })).toBe(896);
    expect(text.length).toBe(1195);
    expect(decodeNolaAdapter(fromBase64Url(text)).bits).toBe(4);

    const linkSpec = spec({ quantBits: '4', adapter: text }, 1);
    const hash = specToHash(linkSpec);
    expect(hash.length).toBeLessThan(MAX_LINK_CHARS);
    expect(hash).toContain(`nola.adapter=${text}`);
    const opened = hashToSpec(hash);
    expect(opened.notices).toEqual([]);
    expect((opened.spec.methods[0].options as unknown as NolaConfig).adapter).toBe(text);

    // Attach from the link's options to a fresh copy of tiny-gpt2: the coefficients are the
    // trained ones, quantized (QAT at 4 bits: the forward saw exactly these).
    const checkpoint = base as unknown as BaseCheckpoint;
    const model = Gpt2Model.fromWeights((checkpoint.model as { config: Gpt2Config }).config, checkpoint.weights);
    const fromLink = nolaMethod.attach(model, TASK, opened.spec.methods[0].options as unknown as NolaConfig, createRng(1));
    const reference = nolaMethod.attach(model, TASK, { ...(opened.spec.methods[0].options as unknown as NolaConfig), adapter: '' }, createRng(2));
    try {
      const loaded = coefficientVars(fromLink).map(valuesOf);
      loaded.forEach((values, i) => expect([...values]).toEqual([...fakeQuantizeHost(trainedCoefficients[i], 4)]));
      coefficientVars(reference).forEach((v, i) => setValues(v, trainedCoefficients[i]));
      // Same logits as the trained adapter (QAT forward), and not the untrained model's.
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, fromLink.hooks), logitsOf(model, IDS, undefined, reference.hooks))).toBeLessThan(1e-5);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, fromLink.hooks), logitsOf(model, IDS))).toBeGreaterThan(1e-2);
    } finally {
      fromLink.dispose();
      reference.dispose();
      model.dispose();
    }

    // Run the opened link: its first evaluation (before any step) is the trained model's.
    const evals: number[] = [];
    await runExperiment(opened.spec, nodeRunnerEnv, (e: RunEvent) => {
      if (e.type === 'eval') evals.push(e.loss);
    });
    expect(Math.abs(evals[0] - trainedEvals[1])).toBeLessThan(1e-4);
    expect(evals[0]).toBeLessThan(trainedEvals[0] - 0.05);
  }, 120_000);

  it('a corrupted adapter in a link is reported (byte offset) and replaced by the default; mismatched options are refused when attaching', () => {
    const config: NolaConfig = { ...nolaMethod.defaults };
    const coefficients = Array.from({ length: 8 }, (_, i) => ({ alpha: Float32Array.from({ length: 100 }, (_, j) => Math.sin(i + j)), beta: Float32Array.from({ length: 100 }, (_, j) => Math.cos(i * j)) }));
    const good = toBase64Url(encodeNolaAdapter(config, 4, coefficients, 4));
    // Change one coefficient character (character 200 → byte 150): the checksum catches it.
    const bad = good.slice(0, 200) + (good[200] === 'A' ? 'B' : 'A') + good.slice(201);
    const hash = specToHash(spec({ adapter: good }, 5));
    const opened = hashToSpec(hash.replace(`nola.adapter=${good}`, `nola.adapter=${bad}`));
    expect(opened.notices.length).toBe(1);
    expect(opened.notices[0]).toMatch(/nola\.adapter .*NOLA adapter, byte 892: checksum mismatch/);
    expect((opened.spec.methods[0].options as unknown as NolaConfig).adapter).toBe('');
    const notBase64 = hashToSpec(hash.replace(`nola.adapter=${good}`, `nola.adapter=${good.slice(0, 10)}*${good.slice(11)}`));
    expect(notBase64.notices.length).toBe(1);
    expect(notBase64.notices[0]).toMatch(/character 10/);

    // Valid bytes, other options: refused by name when attaching, nothing left allocated.
    const model = Gpt2Model.randomInit(parseGpt2Config({ model_type: 'gpt2', vocab_size: 2048, n_positions: 128, n_embd: 128, n_layer: 4, n_head: 4 }), createRng(1));
    const twoLayers = Gpt2Model.randomInit(parseGpt2Config({ model_type: 'gpt2', vocab_size: 2048, n_positions: 128, n_embd: 128, n_layer: 2, n_head: 4 }), createRng(1));
    const before = tf.memory().numTensors;
    try {
      expect(() => nolaMethod.attach(model, TASK, { ...config, k: 50, l: 50, adapter: good }, createRng(1))).toThrow(/nola\.adapter was trained with k=100, these options have k=50/);
      expect(() => nolaMethod.attach(model, TASK, { ...config, targets: ['q', 'k'], adapter: good }, createRng(1))).toThrow(/nola\.adapter adapts q,v, these options target q,k/);
      expect(() => nolaMethod.attach(twoLayers, TASK, { ...config, adapter: good }, createRng(1))).toThrow(/byte 22: it was trained on 4 layers, this model has 2/);
      expect(tf.memory().numTensors).toBe(before);
      const ok = nolaMethod.attach(model, TASK, { ...config, adapter: good }, createRng(1));
      expect([...valuesOf(ok.paramGroups[0].variables[0])]).toEqual([...fakeQuantizeHost(coefficients[0].alpha, 4)]);
      ok.dispose();
    } finally {
      model.dispose();
      twoLayers.dispose();
    }
  });
});
