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
