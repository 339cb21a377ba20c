import { beforeAll, describe, expect, it } from 'vitest';
import { nodeRunnerEnv } from '../../../src/cli/node-env';
import { runExperiment } from '../../../src/engine/experiment/runner';
import { parseExperimentSpec } from '../../../src/engine/experiment/spec';
import type { RunEvent } from '../../../src/engine/experiment/events';
import type { ContinualSummary, TaskResult } from '../../../src/engine/continual/events';
import { tf } from '../../../src/engine/tf';
import { useWasmBackend } from '../node-backend';

beforeAll(async () => {
  await useWasmBackend();
});

async function run(spec: Record<string, unknown>): Promise<{ summaries: Map<string, ContinualSummary>; results: Map<string, TaskResult[]>; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  await runExperiment(parseExperimentSpec({ model: 'tiny-vit', task: 'split-mnist', methods: [{ name: 'lora', options: { r: 4 } }], seed: 1, ...spec }), nodeRunnerEnv, (e) => events.push(e));
  const summaries = new Map<string, ContinualSummary>();
  const results = new Map<string, TaskResult[]>();
  for (const e of events) {
    if (e.type === 'continual-end') summaries.set(e.summary.strategy, e.summary);
    if (e.type === 'continual-task') results.set(e.runId.split(':')[1], [...(results.get(e.runId.split(':')[1]) ?? []), e.result]);
  }
  return { summaries, results, events };
}

describe('continual strategies on Split-MNIST (tiny-vit, LoRA r=4)', () => {
  it('sequential fine-tuning forgets; replay remembers; counts match the formulas; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const { summaries, events } = await run({
      batchSize: 8,
      continual: { strategies: ['sequential', 'emr', 'static', 'dynamic'], batchesPerTask: 10, selectorBatches: 10, evalExamplesPerTask: 40 },
    });
    expect(tf.memory().numTensors).toBe(before);
    const sequential = summaries.get('sequential')!;
    const stat = summaries.get('static')!;
    const emr = summaries.get('emr')!;
    // The lower triangle fills task by task: row k has k + 1 accuracies.
    expect(sequential.matrix.map((row) => row.length)).toEqual([1, 2, 3, 4, 5]);
    // Class-incremental sequential fine-tuning: after the last task, the first is (nearly) gone.
    expect(sequential.matrix[4][0]).toBeLessThan(0.2);
    expect(stat.averageAccuracy[4]).toBeGreaterThan(sequential.averageAccuracy[4] + 0.15);
    expect(emr.averageAccuracy[4]).toBeGreaterThan(sequential.averageAccuracy[4] + 0.15);
    // LoRA r=4 on tiny-vit's query and value (4 layers, d = 64): 4 · 2 · 4 · (64 + 64) = 4096 per
    // module; a ViT classifier row is 64 + 1. One module: 4096 + 10 rows. Dynamic: 5 task modules
    // and the selector, 10 class rows and 5 task rows.
    expect(stat.trainable).toBe(4096 + 10 * 65);
    expect(summaries.get('dynamic')!.trainable).toBe(6 * 4096 + 15 * 65);
    const start = events.find((e) => e.type === 'continual-start');
    expect(start?.type === 'continual-start' && start.runs.map((r) => r.trainable)).toEqual([4746, 4746, 4746, 25551]);
  });

  it("per-task cost does not grow with the task index for ConPET (batches and computed examples); Limitless's does", async () => {
    const b = 4;
    const iter1 = 2;
    const iter2 = 3;
    const { results } = await run({
      batchSize: b,
      continual: { strategies: ['static', 'dynamic', 'limitless'], batchesPerTask: iter2, selectorBatches: iter1, topT: 1, evalExamplesPerTask: 2, limitlessEpochs: 0.05 },
    });
    expect(results.get('static')!.map((r) => r.batches)).toEqual([iter2, iter2, iter2, iter2, iter2]);
    // The first task has no selector to train (one task, nothing to tell apart).
    expect(results.get('dynamic')!.map((r) => r.batches)).toEqual([iter2, iter1 + iter2, iter1 + iter2, iter1 + iter2, iter1 + iter2]);
    // The paper's bound O(b·(iter1 + iter2·(t+1))), independent of k, on examples run through the model.
    for (const r of results.get('dynamic')!) expect(r.computedExamples).toBeLessThanOrEqual(b * (iter1 + iter2 * 2));
    // Limitless: both phases pass over all data seen (160 examples per task): ceil(0.05 · 160k / 4) each.
    expect(results.get('limitless')!.map((r) => r.batches)).toEqual([2, 8, 12, 16, 20]);
  });

  it('refuses specs it cannot run, saying why', async () => {
    await expect(run({ methods: [{ name: 'lora' }, { name: 'prompt' }], continual: { strategies: ['static'] } })).rejects.toThrow(/exactly one/);
    await expect(run({ methods: [{ name: 'full' }], continual: { strategies: ['dynamic'] } })).rejects.toThrow(/full fine-tuning trains the backbone/);
    await expect(run({ methods: [{ name: 'prompt', options: { init: 'vocab' } }], continual: { strategies: ['static'] } })).rejects.toThrow(/vocab/);
    await expect(run({ model: 'tiny-gpt2', task: 'sotu-eras', seqLen: 120, methods: [{ name: 'prompt', options: { length: 20 } }], continual: { strategies: ['static'] } })).rejects.toThrow(/exceeds the model's context/);
  });
});

/** ViT options as in family-learning.test.ts: no vocabulary to sample prompts from; DePT sized to 16 patches. */
const VIT_OPTIONS: Record<string, Record<string, unknown>> = {
  prompt: { init: 'random' },
  'deep-prompt': { init: 'random' },
  dept: { init: 'random', length: 10, budget: 20 },
};

describe('any method of ours as the PET module', () => {
  it.each(['head', 'prompt', 'lora', 'dept', 'deep-prompt', 'apt', 'nola'])('%s runs Static and Dynamic ConPET, its variables matching the formula after every task', async (name) => {
    const { summaries, results } = await run({
      methods: [{ name, options: VIT_OPTIONS[name] ?? {} }],
      batchSize: 2,
      continual: { strategies: ['static', 'dynamic'], batchesPerTask: 1, selectorBatches: 1, evalExamplesPerTask: 2 },
    });
    // The runner throws if counted variables differ from continualTrainableParams; here: both finished.
    expect([...summaries.keys()]).toEqual(['static', 'dynamic']);
    const dynamic = results.get('dynamic')!.map((r) => r.trainable);
    // Every task adds one module (the method once), two class rows and one selector row.
    const perTask = dynamic[1] - dynamic[0];
    for (let k = 1; k < 5; k++) expect(dynamic[k] - dynamic[k - 1]).toBe(perTask);
    const staticCounts = results.get('static')!.map((r) => r.trainable);
    for (let k = 1; k < 5; k++) expect(staticCounts[k] - staticCounts[k - 1]).toBe(2 * 65);
  });

  it('full fine-tuning runs as the one module of Static ConPET', async () => {
    const { summaries } = await run({ methods: [{ name: 'full' }], batchSize: 2, continual: { strategies: ['static'], batchesPerTask: 1, evalExamplesPerTask: 2 } });
    expect(summaries.get('static')!.trainable).toBe(204_416 + 10 * 65);
  });
});
