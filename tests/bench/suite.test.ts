import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initNodeBackend, modelSource, nodeRunnerEnv, PUBLIC_DIR } from '../../src/cli/node-env';
import { parseBenchResults, type BenchResults } from '../../src/engine/bench/results';
import { resolvedModelSizes, runBenchSuite, SUITE_CONFIGS, suiteMethods, type KernelProbes, type SuiteConfig } from '../../src/engine/bench/suite';
import { METHOD_NAMES } from '../../src/engine/methods/registry';
import { sourceFor } from '../../src/engine/io/node-source';
import { writeSafetensors } from '../../src/engine/io/safetensors';
import { gpt2WeightShapes, parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { createRng } from '../../src/engine/data/rng';

const modelConfig = (id: string) => JSON.parse(readFileSync(path.join(PUBLIC_DIR, 'models', id, 'config.json'), 'utf8')) as Record<string, number>;

describe('suite definition', () => {
  it('has every registered method exactly once, DePT on the same parameter budget as PT', () => {
    const methods = suiteMethods();
    expect(methods.map((m) => m.name).sort()).toEqual([...METHOD_NAMES].sort());
    const pt = methods.find((m) => m.name === 'prompt')!;
    const dept = methods.find((m) => m.name === 'dept')!;
    expect(dept.options.budget).toBe(pt.options.length);
    const deep = methods.find((m) => m.name === 'deep-prompt')!;
    const apt = methods.find((m) => m.name === 'apt')!;
    expect(apt.options.length).toBe(deep.options.length);
  });

  it('times at least one A/B pair of every model in every mode (warm-up and the last step are not timed)', () => {
    for (const config of Object.values(SUITE_CONFIGS)) {
      for (const m of config.models) {
        const sizes = resolvedModelSizes(config, m);
        expect(sizes.steps - sizes.warmupSteps - 1, m.model).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('runs tiny-gpt2 alone in ci (the e2e suite), and one model of each family on its task in quick and full', () => {
    expect(SUITE_CONFIGS.ci.models.map((m) => m.model)).toEqual(['tiny-gpt2']);
    for (const mode of ['quick', 'full'] as const) {
      expect(SUITE_CONFIGS[mode].models.map((m) => [m.model, m.task])).toEqual([
        ['tiny-gpt2', 'spam'],
        ['tiny-vit', 'mnist-5shot'],
        ['tiny-t5', 'spam'],
      ]);
    }
  });

  it('runs the continual strategies tiny in quick (SwiftShader), not at all in ci (the e2e suite), at the paper’s batch 8 in full', () => {
    expect(SUITE_CONFIGS.ci.continual).toBeNull();
    for (const mode of ['quick', 'full'] as const) {
      const c = SUITE_CONFIGS[mode].continual!;
      expect([c.model, c.task, c.method]).toEqual(['tiny-vit', 'split-mnist', { name: 'lora', options: { r: 4 } }]);
      expect(c.strategies).toEqual(['static', 'dynamic', 'limitless']);
    }
    const quick = SUITE_CONFIGS.quick.continual!;
    expect(quick.batchesPerTask * quick.batchSize).toBeLessThanOrEqual(16);
    expect(quick.evalExamplesPerTask).toBeGreaterThan(0);
    expect(SUITE_CONFIGS.full.continual!.batchSize).toBe(8);
  });

  it('starts prompts at random on a model without a vocabulary (ViT), from the vocabulary otherwise', () => {
    const onVit = suiteMethods({ vocabSize: 0 });
    expect(onVit.find((m) => m.name === 'prompt')!.options.init).toBe('random');
    expect(onVit.find((m) => m.name === 'dept')!.options.init).toBe('random');
    expect(suiteMethods({ vocabSize: 2048 }).find((m) => m.name === 'prompt')!.options.init).toBeUndefined();
  });
});

/** Static and Dynamic ConPET and Limitless on Split-MNIST, as small as they run. */
const tinyContinual: SuiteConfig['continual'] = {
  model: 'tiny-vit',
  task: 'split-mnist',
  method: { name: 'lora', options: { r: 4 } },
  strategies: ['static', 'dynamic', 'limitless'],
  batchSize: 4,
  batchesPerTask: 3,
  selectorBatches: 2,
  limitlessEpochs: 0.05,
  evalExamplesPerTask: 4,
};

describe('the suite on wasm (Node), tiny sizes', () => {
  let results: BenchResults;
  const probeCalls: string[] = [];
  const probes: KernelProbes = {
    async nola() {
      probeCalls.push('nola');
      return { fusedMs: [2, 4, 9], twinMs: [4, 4, 3], fused: 'F', twin: 'T', how: 'fake' };
    },
    async apt() {
      probeCalls.push('apt');
      return { skipped: 'no fused kernel here' };
    },
  };

  beforeAll(async () => {
    await initNodeBackend();
    const config: SuiteConfig = { ...SUITE_CONFIGS.ci, steps: 4, warmupSteps: 1, batchSize: 1, seqLen: 8, evalBatches: 1, continual: tinyContinual };
    results = await runBenchSuite({ mode: 'ci', env: nodeRunnerEnv, environment: { machine: 'test', browser: 'node', backend: 'wasm', adapter: 'wasm' }, probes, config });
  }, 300_000);

  it('returns schema-valid results with one row per method', () => {
    expect(parseBenchResults(JSON.parse(JSON.stringify(results)))).toEqual(results);
    expect(results.rows.map((r) => r.method).sort()).toEqual([...METHOD_NAMES].sort());
    for (const row of results.rows) {
      expect(row.stepMs.min).toBeLessThanOrEqual(row.stepMs.median);
      expect(row.finalLoss).not.toBeNull();
      expect(row.finalAccuracy).not.toBeNull();
    }
  });

  it("reports the methods' parameter counts by their formulas (tiny-gpt2: d = 128, 4 layers)", () => {
    const row = (m: string) => results.rows.find((r) => r.method === m)!;
    expect(row('prompt').methodParams).toBe(20 * 128);
    expect(row('lora').methodParams).toBe(4 * 2 * (128 * 8 + 8 * 128));
    expect(row('deep-prompt').methodParams).toBe(4 * 16 * 128);
    // The spam head: a 128 → 2 label projection (no bias), on top of each method's own count.
    expect(row('prompt').trainableParams - row('prompt').methodParams).toBe(128 * 2);
  });

  it('pairs the time ratios step by step: steps 2 and 3 of 4 (step 1 warms up, step 4 is memory-profiled)', () => {
    const ids = results.ratios.filter((r) => !r.id.startsWith('continual:')).map((r) => r.id);
    for (const id of ['dept/prompt:time', 'nola/lora:time', 'apt/deep-prompt:time']) {
      const r = results.ratios.find((x) => x.id === id);
      expect(r, id).toBeDefined();
      expect(r!.pairs).toBe(2);
    }
    expect(ids).toEqual(expect.arrayContaining(['dept/prompt:memory', 'nola/lora:params', 'nola/lora:stored', 'apt/deep-prompt:flops']));
  });

  it('turns probe pairs into a median (min–max) of per-pair ratios, and records skipped probes', () => {
    expect(probeCalls).toEqual(['nola', 'apt']);
    const nola = results.ratios.find((r) => r.id === 'nola:fused/twin')!;
    // Pairs 2/4, 4/4, 9/3.
    expect(nola.value).toEqual({ median: 1, min: 0.5, max: 3 });
    expect(nola.pairs).toBe(3);
    expect(results.skipped).toEqual([{ id: 'apt:fused/twin', reason: 'no fused kernel here' }]);
  });

  it('sets each continual strategy’s last task against its first: batches by the batch limit (flat) or the data seen (Limitless), and training ms', () => {
    const continual = results.ratios.filter((r) => r.id.startsWith('continual:'));
    expect(continual.map((r) => r.id)).toEqual(['static', 'dynamic', 'limitless'].flatMap((s) => [`continual:${s}:batches`, `continual:${s}:time`]));
    const value = (id: string) => {
      const r = continual.find((x) => x.id === id)!;
      expect(r.pairs).toBe(1);
      expect(r.value.min).toBe(r.value.median);
      expect(r.value.max).toBe(r.value.median);
      return r.value.median;
    };
    // Static ConPET: 3 batches every task. Dynamic: task 1 has no selector phase (one task), the
    // last one 2 selector + 3 module batches. Limitless: both phases over all data seen so far.
    expect(value('continual:static:batches')).toBe(1);
    expect(value('continual:dynamic:batches')).toBeCloseTo(5 / 3, 12);
    expect(value('continual:limitless:batches')).toBeGreaterThan(4);
    expect(continual.find((r) => r.id === 'continual:dynamic:batches')!.a).toBe('task 5: 5 batches');
    expect(continual.find((r) => r.id === 'continual:dynamic:batches')!.b).toBe('task 1: 3 batches');
    for (const s of ['static', 'dynamic', 'limitless']) {
      const time = continual.find((r) => r.id === `continual:${s}:time`)!;
      expect(time.quantity).toBe('time');
      expect(Number.isFinite(value(time.id)) && value(time.id) > 0).toBe(true);
      // The ratio is the two tasks' ms as named in A and B (rounded there).
      const ms = (label: string) => Number(/: (\d+) ms$/.exec(label)![1]);
      expect(value(time.id)).toBeCloseTo(ms(time.a) / ms(time.b), 0);
    }
    expect(results.config.continual).toEqual({
      model: 'tiny-vit',
      task: 'split-mnist',
      method: 'LoRA r=4',
      strategies: ['static', 'dynamic', 'limitless'],
      tasks: 5,
      batchSize: 4,
      batchesPerTask: 3,
      selectorBatches: 2,
      limitlessEpochs: 0.05,
      evalExamplesPerTask: 4,
    });
  });

  it('computes the exact ratios from the rows', () => {
    const row = (m: string) => results.rows.find((r) => r.method === m)!;
    const ratio = (id: string) => results.ratios.find((r) => r.id === id)!.value.median;
    expect(ratio('nola/lora:params')).toBeCloseTo(row('nola').methodParams / (4 * 2 * (128 * 8 + 8 * 128)), 12);
    expect(ratio('nola/lora:stored')).toBeCloseTo(row('nola').storedBytes / row('lora').storedBytes, 12);
    expect(ratio('dept/prompt:memory')).toBeCloseTo(row('dept').peakGpuBytes! / row('prompt').peakGpuBytes!, 12);
  });
});

describe('the suite on ViT and T5 (wasm, tiny sizes)', () => {
  let results: BenchResults;
  const config: SuiteConfig = {
    ...SUITE_CONFIGS.quick,
    models: [
      { model: 'tiny-vit', task: 'mnist-5shot', batchSize: 2 },
      { model: 'tiny-t5', task: 'spam', batchSize: 1, seqLen: 8 },
    ],
    continual: null,
    steps: 3,
    warmupSteps: 1,
    evalBatches: 1,
  };

  beforeAll(async () => {
    await initNodeBackend();
    results = await runBenchSuite({ mode: 'quick', env: nodeRunnerEnv, environment: { machine: 'test', browser: 'node', backend: 'wasm', adapter: 'wasm' }, config });
  }, 600_000);

  it('gives every model a row per method on its own task (or a reason why not), with per-model sizes', () => {
    expect(parseBenchResults(JSON.parse(JSON.stringify(results)))).toEqual(results);
    for (const { model, task } of config.models) {
      for (const method of METHOD_NAMES) {
        const row = results.rows.find((r) => r.model === model && r.method === method);
        const skipped = results.skipped.find((s) => s.id === `${model}:${method}`);
        expect(Boolean(row) !== Boolean(skipped), `${model} ${method}: exactly one of a row or a skip`).toBe(true);
        if (skipped) expect(skipped.reason.length).toBeGreaterThan(0);
        if (row) {
          expect(row.task).toBe(task);
          expect(row.finalAccuracy).not.toBeNull();
          expect(row.peakGpuBytes).toBeGreaterThan(0);
          expect(row.stepMs.median).toBeGreaterThan(0);
        }
      }
    }
    const vit = modelConfig('tiny-vit');
    const patches = (vit.image_size / vit.patch_size) ** 2;
    expect(results.config.models).toEqual([
      { model: 'tiny-vit', family: 'vit', task: 'mnist-5shot', steps: 3, warmupSteps: 1, batchSize: 2, inputLength: patches, evalBatches: 1 },
      { model: 'tiny-t5', family: 't5', task: 'spam', steps: 3, warmupSteps: 1, batchSize: 1, inputLength: 8, evalBatches: 1 },
    ]);
    // The top-level sizes are the first model's (where the paired ratios come from).
    expect(results.config.task).toBe('mnist-5shot');
    expect(results.config.seqLen).toBe(patches);
    expect(new Set(results.ratios.map((r) => r.id)).size).toBe(results.ratios.length);
  });

  it('counts LoRA r=8 on q, v by the formula: every attention of the model (T5: self and cross in the decoder)', () => {
    const vit = modelConfig('tiny-vit');
    const t5 = modelConfig('tiny-t5');
    const row = (model: string) => results.rows.find((r) => r.model === model && r.method === 'lora')!;
    expect(row('tiny-vit').methodParams).toBe(vit.num_hidden_layers * 2 * 8 * (vit.hidden_size + vit.hidden_size));
    // A fresh 10-digit classifier on the CLS row: weight and bias.
    expect(row('tiny-vit').trainableParams - row('tiny-vit').methodParams).toBe(10 * vit.hidden_size + 10);
    const inner = t5.num_heads * t5.d_kv;
    expect(row('tiny-t5').methodParams).toBe((t5.num_layers + 2 * t5.num_decoder_layers) * 2 * 8 * (t5.d_model + inner));
    // Text-to-text needs no new head: the labels are words of the vocabulary.
    expect(row('tiny-t5').trainableParams).toBe(row('tiny-t5').methodParams);
  });

  it('counts ViT tokens as patches: tokens per step = batch × patches', () => {
    const vit = modelConfig('tiny-vit');
    const patches = (vit.image_size / vit.patch_size) ** 2;
    const row = results.rows.find((r) => r.model === 'tiny-vit' && r.method === 'lora')!;
    // One timed step (step 2 of 3): its tokens/s and ms describe the same step.
    expect(row.stepMs.min).toBe(row.stepMs.max);
    expect((row.tokensPerSec.median * row.stepMs.median) / 1000).toBeCloseTo(2 * patches, 0);
  });
});

describe('a method that cannot be set up on a model', () => {
  it('is reported as skipped with the reason, and the other methods are still measured', async () => {
    // A GPT-2 with 24 positions: PT's 20 prompt tokens + 8 input tokens do not fit, DePT's 10 do.
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-small-context-'));
    const config = { model_type: 'gpt2', vocab_size: modelConfig('tiny-gpt2').vocab_size, n_positions: 24, n_embd: 32, n_layer: 1, n_head: 2 };
    const rng = createRng(3);
    const tensors = [...gpt2WeightShapes(parseGpt2Config(config))].map(([name, shape]) => ({
      name,
      dtype: 'F32' as const,
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.02),
    }));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(tensors));
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(PUBLIC_DIR, 'models', 'tiny-gpt2', file), path.join(dir, file));
    await initNodeBackend();
    const env = { ...nodeRunnerEnv, modelSource: (m: string) => (m === 'small-context' ? sourceFor(dir) : modelSource(m)) };
    const results = await runBenchSuite({
      mode: 'ci',
      env,
      environment: { machine: 'test', browser: 'node', backend: 'wasm', adapter: 'wasm' },
      config: { ...SUITE_CONFIGS.ci, models: [{ model: 'small-context', task: 'spam' }], steps: 3, batchSize: 1, seqLen: 8 },
    });
    const prompt = results.skipped.find((s) => s.id === 'small-context:prompt');
    expect(prompt?.reason).toMatch(/exceeds the model's context of 24/);
    expect(results.rows.map((r) => r.method)).not.toContain('prompt');
    expect(results.rows.map((r) => r.method)).toEqual(expect.arrayContaining(['lora', 'dept', 'full']));
    for (const row of results.rows) expect(results.skipped.map((s) => s.id)).not.toContain(`small-context:${row.method}`);
  }, 300_000);
});
