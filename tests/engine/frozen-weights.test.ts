import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { useWasmBackend } from './node-backend';
import { METHODS } from '../../src/engine/methods/registry';
import type { TaskShape } from '../../src/engine/methods/types';
import { kernelCalls } from '../../src/engine/bench/kernel-count';
import { attachedTrainer, tinyModel } from './tiny';

/**
 * No work for frozen weights: in a training step, a matrix product whose result has the shape
 * of a base weight (or its transpose) is that weight's gradient. Under every parameter-efficient
 * method there is none; under full fine-tuning there is exactly one per linear layer, and the
 * tied LM head's. Sizes are chosen so that no activation has a weight's shape (21 rows, 18
 * predicted tokens, prompts of 3–5 rows).
 */

beforeAll(async () => {
  await useWasmBackend();
});

const MATMUL = new Set(['BatchMatMul', '_FusedMatMul', 'PeftBatchMatMul']);
const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 7 };
const OPTIONS: Record<string, Record<string, unknown>> = {
  prompt: { length: 3 },
  dept: { length: 3, budget: null, r: 2 },
  'deep-prompt': { length: 5 },
  apt: { length: 5 },
};

async function weightShapedProducts(methodName: string): Promise<{ count: number; linears: number }> {
  const model = tinyModel(4);
  const { trainer, dispose } = attachedTrainer(model, methodName, OPTIONS[methodName] ?? {}, task);
  const shapes = new Set<string>();
  for (const [, v] of model.namedVariables()) {
    if (v.rank !== 2) continue;
    shapes.add(v.shape.join('x'));
    shapes.add([...v.shape].reverse().join('x'));
  }
  const batch = {
    kind: 'lm' as const,
    batchSize: 3,
    seqLen: 7,
    inputIds: Int32Array.from({ length: 21 }, (_, i) => (i * 5) % 29),
    attentionMask: new Int32Array(21).fill(1),
  };
  const profile = await tf.profile(async () => {
    await trainer.trainStep(batch, true);
  });
  const count = kernelCalls(profile).filter((k) => MATMUL.has(k.name) && (k as unknown as { outputShapes: number[][] }).outputShapes.some((s) => s.length === 2 && shapes.has(s.join('x')))).length;
  dispose();
  model.dispose();
  return { count, linears: model.shape.linears.length };
}

describe('no gradient work for frozen weights', () => {
  // Head-only language modelling trains its own copy of the LM head, [vocab, d] like wte.
  const expected = (name: string, linears: number) => (name === 'full' ? linears + 1 : name === 'head' ? 1 : 0);
  for (const method of METHODS) {
    it(`${method.name}: only the trained weights get a gradient product`, async () => {
      const { count, linears } = await weightShapedProducts(method.name);
      expect(count).toBe(expected(method.name, linears));
    });
  }
});
