import { describe, it, expect, beforeAll } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { Gpt2Model } from '../../src/engine/models/gpt2';
import { createRng } from '../../src/engine/data/rng';
import { resolveMethodConfig } from '../../src/engine/methods/registry';
import { bufferLimitProblem, estimateTrainingMemory } from '../../src/engine/experiment/memory-estimate';
import type { TaskShape } from '../../src/engine/methods/types';
import type { LmBatch } from '../../src/engine/data/types';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import type { CheckpointPolicy } from '../../src/engine/blocks/checkpoint';
import { attachedTrainer } from './tiny';

beforeAll(async () => {
  await useWasmBackend();
});

// Shapes other than those the coefficients were fitted on (d 32–128, 2–4 layers, 4–8 heads, s 48–96).
const config = parseGpt2Config({ model_type: 'gpt2', vocab_size: 700, n_positions: 64, n_embd: 48, n_layer: 3, n_head: 6, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 });
const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 40 };
const batchSize = 3;

/** Bytes one measured training step holds at its peak: what it owned before, plus the step's high point. */
async function measuredPeak(name: string, options: Record<string, unknown>, checkpoint: CheckpointPolicy = 'none'): Promise<number> {
  const model = Gpt2Model.randomInit(config, createRng(1));
  model.checkpointing.policy = checkpoint;
  const { trainer, dispose } = attachedTrainer(model, name, options, task, 1);
  const n = batchSize * task.seqLen;
  const batch: LmBatch = {
    kind: 'lm',
    batchSize,
    seqLen: task.seqLen,
    inputIds: Int32Array.from({ length: n }, (_, i) => (i * 7) % config.vocabSize),
    attentionMask: new Int32Array(n).fill(1),
  };
  const before = tf.memory().numBytes;
  let runBytes = 0;
  const profile = await tf.profile(async () => {
    runBytes = (await trainer.trainStep(batch, true))!.runBytes;
    return [];
  });
  const peak = runBytes + (profile.peakBytes - before);
  dispose();
  model.dispose();
  return peak;
}

describe('training memory estimate', () => {
  const shape = gpt2ModelShape(config);
  for (const [name, options] of [
    ['full', {}],
    ['lora', { r: 4 }],
    ['prompt', { length: 8 }],
  ] as const) {
    for (const checkpoint of ['none', 'blocks'] as const) {
      it(`${name}, checkpointing ${checkpoint}: the estimate is within 2× of a measured step`, async () => {
        const estimate = estimateTrainingMemory(shape, task, { name, options: resolveMethodConfig(name, options) as Record<string, unknown> }, batchSize, checkpoint);
        const measured = await measuredPeak(name, options, checkpoint);
        const ratio = estimate.totalBytes / measured;
        console.log(`estimate/measured ${name} ${checkpoint}: ${ratio.toFixed(2)}`);
        expect(ratio).toBeGreaterThan(0.5);
        expect(ratio).toBeLessThan(2);
      });
    }
  }

  it('counts weights once and full fine-tuning’s Adam state on top', () => {
    const full = estimateTrainingMemory(shape, task, { name: 'full', options: {} }, 1);
    expect(full.weightsBytes).toBe(4 * shape.totalParams);
    // gradient, m and v for every weight (GPT-2's LM head is tied: no head parameters).
    expect(full.trainableBytes).toBe(3 * 4 * shape.totalParams);
  });

  it('names the tensor that exceeds the adapter’s buffer limits', () => {
    // GPT-2 small: 50257 × 768 × 4 bytes of token embedding = 147 MiB. The LM logits of 8 × 128
    // tokens would be 196 MiB, but the cross-entropy block makes them 20 rows (4 MiB) at a time.
    const small = { ...shape, vocabSize: 50257, hidden: 768, heads: 12, layers: 12, mlpHidden: 3072, linears: [] };
    const estimate = estimateTrainingMemory(small, { kind: 'lm', numLabels: 0, seqLen: 128 }, { name: 'lora', options: resolveMethodConfig('lora', {}) as Record<string, unknown> }, 8);
    expect(estimate.largestTensor.what).toBe('token embedding');
    expect(bufferLimitProblem(estimate, { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 })).toMatch(/token embedding \(147 MiB\) exceeds this GPU's largest buffer \(128 MiB\)/);
    expect(bufferLimitProblem(estimate, { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 })).toBeNull();
    expect(bufferLimitProblem(estimate, null)).toBeNull();
  });
});
