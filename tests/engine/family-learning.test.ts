import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { parseExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import type { RunEvent } from '../../src/engine/experiment/events';
import { METHOD_NAMES } from '../../src/engine/methods/registry';

beforeAll(async () => {
  await useWasmBackend();
});

/**
 * Every method on every model: on the built-in tiny-vit (MNIST, 10 shots per digit) and tiny-t5
 * (spam or ham, text-to-text), each of the eight methods lowers the validation loss within a
 * few steps, and the trainer's count of trained elements equals the method's formula (the
 * trainer refuses to start otherwise).
 */

/**
 * ViT options: prompt-type methods sample their rows from the vocabulary by default, and ViT has
 * none; DePT's defaults (m = 60 of a PT budget of 100) are sized for text and would put 60 prompt
 * rows before tiny-vit's 16 patches, so it gets a budget in proportion (m = 10 of 20).
 */
const VIT_OPTIONS: Record<string, Record<string, unknown>> = {
  prompt: { init: 'random' },
  'deep-prompt': { init: 'random' },
  dept: { init: 'random', length: 10, budget: 20 },
};

async function validationLosses(spec: unknown): Promise<Map<string, number[]>> {
  const evals = new Map<string, number[]>();
  const record = (e: RunEvent) => {
    if (e.type === 'eval') evals.set(e.runId, [...(evals.get(e.runId) ?? []), e.loss]);
  };
  await runExperiment(parseExperimentSpec(spec), nodeRunnerEnv, record);
  return evals;
}

describe('every method learns on every model', () => {
  it('tiny-vit, mnist-10shot: validation loss falls for all eight methods', async () => {
    const evals = await validationLosses({
      model: 'tiny-vit',
      task: 'mnist-10shot',
      methods: METHOD_NAMES.map((name) => ({ name, options: VIT_OPTIONS[name] ?? {} })),
      steps: 15,
      batchSize: 10,
      seed: 4,
      eval: { every: 15, maxBatches: 8 },
      logEvery: 15,
    });
    expect([...evals.keys()].map((id) => id.split(':')[1])).toEqual([...METHOD_NAMES]);
    for (const [runId, losses] of evals) expect(losses[1], `${runId}: ${losses.join(' → ')}`).toBeLessThan(losses[0]);
  }, 240_000);

  it('tiny-t5, spam as text-to-text: validation loss falls for all eight methods', async () => {
    const evals = await validationLosses({
      model: 'tiny-t5',
      task: 'spam',
      methods: METHOD_NAMES.map((name) => ({ name, options: {} })),
      steps: 12,
      batchSize: 8,
      seqLen: 32,
      seed: 4,
      eval: { every: 12, maxBatches: 2 },
      logEvery: 12,
    });
    expect([...evals.keys()].map((id) => id.split(':')[1])).toEqual([...METHOD_NAMES]);
    for (const [runId, losses] of evals) expect(losses[1], `${runId}: ${losses.join(' → ')}`).toBeLessThan(losses[0]);
  }, 300_000);
});
