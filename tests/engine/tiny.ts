import { expect } from 'vitest';
import { tf } from '../../src/engine/tf';
import { parseGpt2Config, type Gpt2Config } from '../../src/engine/models/gpt2-config';
import { Gpt2Model } from '../../src/engine/models/gpt2';
import type { ModelHooks } from '../../src/engine/models/hooks';
import { createRng } from '../../src/engine/data/rng';
import type { BackboneModel } from '../../src/engine/models/model';
import { methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import type { TaskShape } from '../../src/engine/methods/types';
import { createTaskHead } from '../../src/engine/train/task-head';
import { Trainer } from '../../src/engine/train/trainer';
import { DEFAULT_SPEC } from '../../src/engine/experiment/spec';

/** Shared helpers for the engine tests: a tiny dropout-free GPT-2 and tensor comparisons. */

export function tinyConfig(overrides: Record<string, unknown> = {}): Gpt2Config {
  return parseGpt2Config({
    model_type: 'gpt2',
    vocab_size: 29,
    n_positions: 24,
    n_embd: 12,
    n_layer: 2,
    n_head: 2,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    // Larger than GPT-2's 0.02 so activations and gradients are far from float32 noise.
    initializer_range: 0.2,
    ...overrides,
  });
}

export function tinyModel(seed = 1, overrides: Record<string, unknown> = {}): Gpt2Model {
  return Gpt2Model.randomInit(tinyConfig(overrides), createRng(seed));
}

/** Runs the model and returns [B, T(+prefix), vocab] logits as a host array, leaving no tensors. */
export function logitsOf(model: Gpt2Model, ids: number[][], mask?: number[][], hooks?: ModelHooks): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d(ids, undefined, 'int32');
    const m = tf.tensor2d(mask ?? ids.map((row) => row.map(() => 1)), undefined, 'int32');
    const hidden = model.forward(input, m, hooks ? { hooks } : {});
    return model.lmLogits(hidden);
  }).dataSync() as Float32Array;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Every element within `abs + rel·|expected|`; reports the first offending index. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, abs = 1e-4, rel = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tol = abs + rel * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      expect.fail(`element ${i}: ${actual[i]} vs expected ${expected[i]} (tolerance ${tol})`);
    }
  }
}

/** Host copy of a variable's values. */
export function valuesOf(t: tf.Tensor): Float32Array {
  return (t.dataSync() as Float32Array).slice();
}

/** Sets a variable from host values. */
export function setValues(v: tf.Variable, data: ArrayLike<number>): void {
  tf.tidy(() => v.assign(tf.tensor(Float32Array.from(data), v.shape, 'float32')));
}

/**
 * A method attached to `model` with its task head and a Trainer at the default spec's rates
 * (constant schedule): what tests that measure one training step need. `dispose` frees all but
 * the model.
 */
export function attachedTrainer(model: BackboneModel, methodName: string, options: Record<string, unknown>, task: TaskShape, totalSteps = 2) {
  const definition = methodByName(methodName);
  const config = resolveMethodConfig(methodName, options);
  const method = definition.attach(model, task, config, createRng(2));
  const head = createTaskHead(model, task, { trainsLmHead: method.trainsLmHead ?? false, rng: createRng(3) });
  const trainer = new Trainer({
    model,
    method,
    head,
    learningRates: DEFAULT_SPEC.optimizer.lr,
    optimizer: DEFAULT_SPEC.optimizer,
    schedule: { kind: 'constant', warmupSteps: 0 },
    totalSteps,
    trainable: definition.trainableParams(model.shape, task, config),
    seed: 1,
  });
  return {
    trainer,
    dispose() {
      trainer.dispose();
      head.dispose();
      method.dispose();
    },
  };
}
