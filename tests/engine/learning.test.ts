import { describe, it, expect, beforeAll } from 'vitest';
import { useWasmBackend } from './node-backend';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { parseExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import type { RunEvent } from '../../src/engine/experiment/events';

beforeAll(async () => {
  await useWasmBackend();
});

/**
 * The product's promise in one test: on the built-in tiny-gpt2, every method lowers the
 * validation loss of the e-mail domain-adaptation task within a few dozen steps.
 */
describe('each method learns on tiny-gpt2', () => {
  it('validation loss after 24 steps is below the untrained one, for every method', async () => {
    const spec = parseExperimentSpec({
      model: 'tiny-gpt2',
      task: 'lm-spam',
      methods: [
        { name: 'full', options: {} },
        { name: 'head', options: {} },
        { name: 'prompt', options: { length: 8 } },
        { name: 'lora', options: { r: 4 } },
      ],
      steps: 24,
      batchSize: 8,
      seqLen: 32,
      seed: 3,
      eval: { every: 24, maxBatches: 4 },
      logEvery: 10,
    });
    const evals = new Map<string, number[]>();
    const record = (e: RunEvent) => {
      if (e.type === 'eval') evals.set(e.runId, [...(evals.get(e.runId) ?? []), e.loss]);
    };
    await runExperiment(spec, nodeRunnerEnv, record);
    expect([...evals.keys()]).toEqual(['0:full', '1:head', '2:prompt', '3:lora']);
    for (const [runId, losses] of evals) {
      expect(losses.length, runId).toBe(2);
      expect(losses[1], `${runId}: ${losses.join(' → ')}`).toBeLessThan(losses[0]);
    }
  });
});

describe('steps = 0: evaluate only', () => {
  it('evaluates once, trains nothing, and reports that evaluation as the final one', async () => {
    const base = { task: 'lm-spam', methods: [{ name: 'lora' }], batchSize: 2, seqLen: 16, eval: { every: 0, maxBatches: 1 }, seed: 5 };
    const events: RunEvent[] = [];
    const [summary] = await runExperiment(parseExperimentSpec({ ...base, steps: 0 }), nodeRunnerEnv, (e) => events.push(e));
    expect(events.filter((e) => e.type === 'step')).toEqual([]);
    const evals = events.filter((e): e is Extract<RunEvent, { type: 'eval' }> => e.type === 'eval');
    expect(evals.map((e) => e.step)).toEqual([0]);
    expect(summary.steps).toBe(0);
    expect(summary.finalEval?.loss).toBe(evals[0].loss);
    // The same untrained model that a one-step run evaluates before its step.
    const oneStep: RunEvent[] = [];
    await runExperiment(parseExperimentSpec({ ...base, steps: 1, eval: { every: 1, maxBatches: 1 } }), nodeRunnerEnv, (e) => oneStep.push(e));
    const first = oneStep.find((e): e is Extract<RunEvent, { type: 'eval' }> => e.type === 'eval');
    expect(first?.step).toBe(0);
    expect(first?.loss).toBe(evals[0].loss);
  }, 60_000);
});
