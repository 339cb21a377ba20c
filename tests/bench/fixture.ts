import { BENCH_RESULTS_VERSION, type BenchResults } from '../../src/engine/bench/results';

/** A small, valid results object (the numbers are made up; the shape is the real one). */
export function sampleResults(): BenchResults {
  const s = (median: number, min: number, max: number) => ({ median, min, max });
  const row = (method: string, label: string, trainableParams: number, methodParams: number, stepMs: number, peak: number | null, stored: number) => ({
    model: 'tiny-gpt2',
    method,
    label,
    trainableParams,
    methodParams,
    totalParams: 1_071_872,
    stepMs: s(stepMs, stepMs - 10, stepMs + 12),
    tokensPerSec: s(1000 / stepMs, 900 / stepMs, 1100 / stepMs),
    peakGpuBytes: peak,
    storedBytes: stored,
    finalLoss: 0.6931,
    finalAccuracy: 0.625,
  });
  return {
    version: BENCH_RESULTS_VERSION,
    mode: 'quick',
    date: '2026-11-23T06:00:00.000Z',
    machine: 'Test CPU × 2 (linux x64, 8 GiB)',
    browser: 'Mozilla/5.0 Chromium/156',
    backend: 'webgpu',
    adapter: 'google swiftshader',
    config: { task: 'spam', steps: 7, warmupSteps: 2, batchSize: 4, seqLen: 32, evalBatches: 2, kernelIterations: 5 },
    rows: [row('prompt', 'PT l=20', 2816, 2560, 812, 4_000_000, 10_240), row('dept', 'DePT m=10 (PT budget 20)', 2818, 2562, 655, 3_000_000, 10_248), row('lora', 'LoRA r=8', 16_640, 16_384, 900, null, 65_536)],
    ratios: [
      { id: 'dept/prompt:time', pair: 'DePT / PT', quantity: 'time', a: 'DePT m=10 (PT budget 20)', b: 'PT l=20', value: s(0.81, 0.74, 0.93), pairs: 4, how: 'per-step pairs' },
      { id: 'dept/prompt:memory', pair: 'DePT / PT', quantity: 'memory', a: 'DePT m=10 (PT budget 20)', b: 'PT l=20', value: s(0.75, 0.75, 0.75), pairs: 1, how: 'peak bytes' },
    ],
    skipped: [{ id: 'apt:fused/twin', reason: 'no fused kernel on wasm' }],
    wallMs: 312_000,
  };
}

/** Results of the multi-model suite: per-row tasks and each model's sizes (made-up numbers). */
export function multiModelResults(): BenchResults {
  const base = sampleResults();
  const s = (median: number) => ({ median, min: median * 0.9, max: median * 1.2 });
  const row = (model: string, task: string, method: string, label: string, stepMs: number, tokensPerSec: number) => ({
    ...base.rows[0],
    model,
    task,
    method,
    label,
    stepMs: s(stepMs),
    tokensPerSec: s(tokensPerSec),
  });
  return {
    ...base,
    config: {
      ...base.config,
      models: [
        { model: 'tiny-gpt2', family: 'gpt2', task: 'spam', steps: 7, warmupSteps: 2, batchSize: 4, inputLength: 32, evalBatches: 2 },
        { model: 'tiny-vit', family: 'vit', task: 'mnist-5shot', steps: 7, warmupSteps: 2, batchSize: 8, inputLength: 16, evalBatches: 1 },
      ],
    },
    rows: [
      row('tiny-gpt2', 'spam', 'prompt', 'PT l=20', 812, 158),
      row('tiny-gpt2', 'spam', 'lora', 'LoRA r=8', 900, 142),
      row('tiny-vit', 'mnist-5shot', 'lora', 'LoRA r=8', 120, 1066.6),
    ],
  };
}

/** Results with the continual run: its setting and its last/first-task ratios (made-up numbers). */
export function continualResults(): BenchResults {
  const base = multiModelResults();
  const exact = (x: number) => ({ median: x, min: x, max: x });
  return {
    ...base,
    config: {
      ...base.config,
      continual: {
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
      },
    },
    ratios: [
      ...base.ratios,
      { id: 'continual:dynamic:batches', pair: 'Dynamic ConPET last / first task', quantity: 'batches', a: 'task 5: 5 batches', b: 'task 1: 3 batches', value: exact(5 / 3), pairs: 1, how: 'training batches per task' },
      { id: 'continual:dynamic:time', pair: 'Dynamic ConPET last / first task', quantity: 'time', a: 'task 5: 812 ms', b: 'task 1: 1,015 ms', value: exact(0.8), pairs: 1, how: 'training ms of one run' },
    ],
  };
}
