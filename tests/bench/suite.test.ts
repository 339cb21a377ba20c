import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend, nodeRunnerEnv } from '../../src/cli/node-env';
import { parseBenchResults, type BenchResults } from '../../src/engine/bench/results';
import { runBenchSuite, SUITE_CONFIGS, suiteMethods, type KernelProbes } from '../../src/engine/bench/suite';
import { METHOD_NAMES } from '../../src/engine/methods/registry';

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

  it('times at least one A/B pair in every mode (the first and the last step are not timed)', () => {
    for (const config of Object.values(SUITE_CONFIGS)) expect(config.steps - config.warmupSteps - 1).toBeGreaterThanOrEqual(1);
  });
});

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
    const config = { ...SUITE_CONFIGS.ci, steps: 4, warmupSteps: 1, batchSize: 1, seqLen: 8, evalBatches: 1 };
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
    const ids = results.ratios.map((r) => r.id);
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

  it('computes the exact ratios from the rows', () => {
    const row = (m: string) => results.rows.find((r) => r.method === m)!;
    const ratio = (id: string) => results.ratios.find((r) => r.id === id)!.value.median;
    expect(ratio('nola/lora:params')).toBeCloseTo(row('nola').methodParams / (4 * 2 * (128 * 8 + 8 * 128)), 12);
    expect(ratio('nola/lora:stored')).toBeCloseTo(row('nola').storedBytes / row('lora').storedBytes, 12);
    expect(ratio('dept/prompt:memory')).toBeCloseTo(row('dept').peakGpuBytes! / row('prompt').peakGpuBytes!, 12);
  });
});
