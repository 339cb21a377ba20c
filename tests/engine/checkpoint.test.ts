import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { useWasmBackend } from './node-backend';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { loadBaseCheckpoint, type BaseCheckpoint } from '../../src/engine/experiment/base-model';
import { buildModel } from '../../src/engine/models/families';
import { methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import type { MethodName, TaskShape } from '../../src/engine/methods/types';
import { createTaskHead } from '../../src/engine/train/task-head';
import { batchToTensors, disposeBatch } from '../../src/engine/train/batch-tensors';
import { createRng } from '../../src/engine/data/rng';
import type { Batch } from '../../src/engine/data/types';
import type { CheckpointPolicy } from '../../src/engine/blocks/checkpoint';
import type { BackboneModel } from '../../src/engine/models/model';
import { tinyModel } from './tiny';

/**
 * Activation checkpointing recomputes each block's forward in its backward: the gradients must
 * be those of the plain step, for every family, for methods that train inside the blocks (LoRA,
 * deep prompts, APT), outside them (prompt tuning) and everywhere (full fine-tuning, where T5's
 * relative-position table trains through every block's bias), with dropout on (the masks must
 * be replayed). And it must keep fewer bytes between forward and backward.
 */

beforeAll(async () => {
  await useWasmBackend();
});

const bases = new Map<string, BaseCheckpoint>();
async function builtIn(id: string): Promise<BackboneModel> {
  if (!bases.has(id)) bases.set(id, await loadBaseCheckpoint(nodeRunnerEnv.modelSource(id)));
  const checkpoint = bases.get(id)!;
  return buildModel(checkpoint.model, checkpoint.weights);
}

function batchFor(family: string, vocab: number, rng = createRng(5)): { task: TaskShape; batch: Batch } {
  if (family === 'gpt2') {
    const seqLen = 12;
    const ids = Int32Array.from({ length: 2 * seqLen }, () => rng.int(vocab));
    const mask = Int32Array.from({ length: 2 * seqLen }, (_, i) => (i >= seqLen + 9 ? 0 : 1));
    return { task: { kind: 'lm', numLabels: 0, seqLen }, batch: { kind: 'lm', batchSize: 2, seqLen, inputIds: ids, attentionMask: mask } };
  }
  if (family === 'vit') {
    const pixels = Float32Array.from({ length: 2 * 28 * 28 }, () => rng.normal());
    return { task: { kind: 'image-classify', numLabels: 10, seqLen: 16 }, batch: { kind: 'image', batchSize: 2, channels: 1, height: 28, width: 28, pixels, labels: Int32Array.from([3, 7]) } };
  }
  const seqLen = 9;
  const ids = Int32Array.from({ length: 2 * seqLen }, () => 2 + rng.int(vocab - 2));
  const mask = Int32Array.from({ length: 2 * seqLen }, (_, i) => (i >= seqLen + 6 ? 0 : 1));
  return {
    task: { kind: 'seq2seq', numLabels: 0, seqLen },
    batch: { kind: 'seq2seq', batchSize: 2, seqLen, inputIds: ids, attentionMask: mask, targetLen: 3, labels: Int32Array.from([50, 60, 1, 70, 1, 0]), labelMask: Int32Array.from([1, 1, 1, 1, 1, 0]) },
  };
}

const OPTIONS: Partial<Record<MethodName, Record<string, unknown>>> = {
  prompt: { length: 4, init: 'random' },
  'deep-prompt': { length: 3, init: 'random' },
  apt: { length: 3 },
  lora: { dropout: 0.1 },
};

/** Gradients of one step's loss for every trainable tensor, and the bytes kept between forward and backward. */
async function stepGradients(modelId: string, method: MethodName, policy: CheckpointPolicy, dropoutSeed: number | null = null) {
  const model = modelId === 'dropout-gpt2' ? tinyModel(3, { attn_pdrop: 0.2, resid_pdrop: 0.1, embd_pdrop: 0.1 }) : await builtIn(modelId);
  model.checkpointing.policy = policy;
  const { task, batch } = batchFor(model.family, model.shape.vocabSize);
  const attached = methodByName(method).attach(model, task, resolveMethodConfig(method, OPTIONS[method] ?? {}), createRng(1));
  const head = createTaskHead(model, task, { trainsLmHead: attached.trainsLmHead ?? false, rng: createRng(2) });
  const variables = [...attached.paramGroups.flatMap((g) => g.variables), ...head.variables];
  const tensors = batchToTensors(batch, task.seqLen);
  const before = tf.memory().numBytes;
  let kept = 0;
  const { value, grads } = tf.variableGrads(() => {
    const loss = head.loss(tensors, attached.hooks, dropoutSeed);
    kept = tf.memory().numBytes - before;
    return loss;
  }, variables);
  const out = new Map(Object.entries(grads).map(([name, g]) => [name.replace(/#\d+$/, ''), Float32Array.from(g.dataSync())]));
  const loss = value.dataSync()[0];
  tf.dispose([value, grads]);
  disposeBatch(tensors);
  head.dispose();
  model.dispose();
  return { loss, grads: out, kept };
}

describe('activation checkpointing', () => {
  const cases: Array<[string, MethodName]> = [
    ['tiny-gpt2', 'full'],
    ['tiny-gpt2', 'lora'],
    ['tiny-gpt2', 'prompt'],
    ['tiny-gpt2', 'deep-prompt'],
    ['tiny-gpt2', 'apt'],
    ['tiny-vit', 'full'],
    ['tiny-vit', 'lora'],
    ['tiny-t5', 'full'],
    ['tiny-t5', 'lora'],
    ['dropout-gpt2', 'lora'],
    ['dropout-gpt2', 'full'],
  ];
  it.each(cases)('%s %s: the same loss and gradients as without it, and fewer kept bytes', async (modelId, method) => {
    // The dropout model trains with seeded dropout in every block (attention, residuals, LoRA's input).
    const seed = modelId === 'dropout-gpt2' ? 77 : null;
    const plain = await stepGradients(modelId, method, 'none', seed);
    const recomputed = await stepGradients(modelId, method, 'blocks', seed);
    expect(recomputed.loss).toBe(plain.loss);
    expect([...recomputed.grads.keys()].sort()).toEqual([...plain.grads.keys()].sort());
    expect(plain.grads.size).toBeGreaterThan(0);
    for (const [name, g] of plain.grads) {
      const r = recomputed.grads.get(name)!;
      let worst = 0;
      let scale = 1e-30;
      for (let i = 0; i < g.length; i++) {
        worst = Math.max(worst, Math.abs(g[i] - r[i]));
        scale = Math.max(scale, Math.abs(g[i]));
      }
      expect(worst / scale, name).toBeLessThan(1e-6);
    }
    expect(recomputed.kept).toBeLessThan(plain.kept);
  });
});
