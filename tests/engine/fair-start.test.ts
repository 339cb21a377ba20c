import { describe, it, expect, beforeAll } from 'vitest';
import { useWasmBackend } from './node-backend';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { DEFAULT_EVAL_EXAMPLES, DEFAULT_SPEC, evalBatchCount, parseExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment } from '../../src/engine/experiment/runner';
import type { RunEvent } from '../../src/engine/experiment/events';

beforeAll(async () => {
  await useWasmBackend();
});

type EvalEvent = Extract<RunEvent, { type: 'eval' }>;

async function step0Evals(overrides: Record<string, unknown>): Promise<EvalEvent[]> {
  const events: RunEvent[] = [];
  const spec = parseExperimentSpec({
    model: 'tiny-gpt2',
    task: 'spam',
    methods: [
      { name: 'full', options: {} },
      { name: 'head', options: {} },
      { name: 'lora', options: { r: 4 } },
    ],
    steps: 0,
    batchSize: 4,
    seqLen: 24,
    seed: 7,
    ...overrides,
  });
  await runExperiment(spec, nodeRunnerEnv, (e) => events.push(e));
  return events.filter((e): e is EvalEvent => e.type === 'eval');
}

/**
 * Fair comparisons: with one seed every run gets the same new classification head, so a method
 * that is the identity at initialisation (LoRA, B = 0) evaluates at step 0 exactly as full
 * fine-tuning and head-only do; and the default evaluation covers enough examples to mean something.
 */
describe('every method starts from the same model', () => {
  it('spam on tiny-gpt2, steps 0: full, head and LoRA give identical validation loss and accuracy', async () => {
    const evals = await step0Evals({});
    expect(evals.map((e) => e.runId)).toEqual(['0:full', '1:head', '2:lora']);
    const [full, head, lora] = evals;
    expect(full.accuracy).not.toBeNull();
    expect(head.loss).toBe(full.loss);
    expect(lora.loss).toBe(full.loss);
    expect(head.accuracy).toBe(full.accuracy);
    expect(lora.accuracy).toBe(full.accuracy);
    // The run's place in the list does not matter either: LoRA first gives the same numbers.
    const [loraFirst] = await step0Evals({ methods: [{ name: 'lora', options: { r: 4 } }] });
    expect(loraFirst.loss).toBe(full.loss);
    expect(loraFirst.accuracy).toBe(full.accuracy);
  }, 120_000);
});

describe('enough validation to mean something', () => {
  it('the default evaluation covers at least 64 examples; an explicit eval.maxBatches still means that many batches', async () => {
    expect(DEFAULT_SPEC.eval.maxBatches).toBe('auto');
    expect(DEFAULT_EVAL_EXAMPLES).toBe(64);
    expect(evalBatchCount({ batchSize: 2, eval: { every: 0, maxBatches: 'auto' } })).toBe(32);
    expect(evalBatchCount({ batchSize: 8, eval: { every: 0, maxBatches: 'auto' } })).toBe(8);
    expect(evalBatchCount({ batchSize: 5, eval: { every: 0, maxBatches: 'auto' } })).toBe(13);
    expect(evalBatchCount({ batchSize: 2, eval: { every: 0, maxBatches: 3 } })).toBe(3);

    const [auto] = await step0Evals({ methods: [{ name: 'head', options: {} }], batchSize: 2 });
    expect(auto.count).toBe(64);
    expect(auto.examples).toBe(64);
    const [explicit] = await step0Evals({ methods: [{ name: 'head', options: {} }], batchSize: 2, eval: { every: 0, maxBatches: 3 } });
    expect(explicit.count).toBe(6);
    expect(explicit.examples).toBe(6);
  }, 120_000);
});
