import { describe, it, expect, beforeAll } from 'vitest';
import { useWasmBackend } from './node-backend';
import { parseGpt2Config, gpt2ParamCount } from '../../src/engine/models/gpt2-config';
import { Gpt2Model } from '../../src/engine/models/gpt2';
import { createRng } from '../../src/engine/data/rng';
import { methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import { createTaskHead } from '../../src/engine/train/task-head';
import { Trainer } from '../../src/engine/train/trainer';
import { DEFAULT_SPEC } from '../../src/engine/experiment/spec';
import type { TaskShape } from '../../src/engine/methods/types';

beforeAll(async () => {
  await useWasmBackend();
});

/** What each run holds, by hand: base weights + (trainable tensors + Adam's m and v). */
describe('per-run memory', () => {
  const config = parseGpt2Config({ model_type: 'gpt2', vocab_size: 40, n_positions: 16, n_embd: 16, n_layer: 2, n_head: 2, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 });
  const task: TaskShape = { kind: 'classify', numLabels: 2, seqLen: 6 };
  const base = gpt2ParamCount(config);
  const head = 2 * 16;
  const expected: Record<string, number> = {
    full: 4 * (3 * base + 3 * head),
    head: 4 * (base + 3 * head),
    prompt: 4 * (base + 3 * (4 * 16) + 3 * head),
    lora: 4 * (base + 3 * (2 * 2 * 2 * (16 + 16)) + 3 * head),
  };
  const options: Record<string, Record<string, unknown>> = { full: {}, head: {}, prompt: { length: 4 }, lora: { r: 2 } };

  for (const name of Object.keys(expected)) {
    it(`${name}: runBytes = 4 · (weights + 3 · trainable)`, async () => {
      const model = Gpt2Model.randomInit(config, createRng(1));
      const definition = methodByName(name);
      const methodConfig = resolveMethodConfig(name, options[name]);
      const attached = definition.attach(model, task, methodConfig, createRng(2));
      const taskHead = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(3) });
      const trainer = new Trainer({
        model,
        method: attached,
        head: taskHead,
        learningRates: DEFAULT_SPEC.optimizer.lr,
        optimizer: DEFAULT_SPEC.optimizer,
        schedule: { kind: 'constant', warmupSteps: 0 },
        totalSteps: 1,
        trainable: definition.trainableParams(model.shape, task, methodConfig),
        seed: 1,
      });
      const batch = { kind: 'classify' as const, batchSize: 1, seqLen: 6, inputIds: Int32Array.from([1, 2, 3, 4, 5, 6]), attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1]), labels: Int32Array.from([1]) };
      const metrics = await trainer.trainStep(batch, true);
      expect(metrics!.runBytes).toBe(expected[name]);
      trainer.dispose();
      taskHead.dispose();
      attached.dispose();
      model.dispose();
    });
  }
});
