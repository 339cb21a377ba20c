import { beforeAll, describe, expect, it } from 'vitest';
import { modelSource, nodeRunnerEnv } from '../../../src/cli/node-env';
import { loadBaseCheckpoint } from '../../../src/engine/experiment/base-model';
import { runExperiment } from '../../../src/engine/experiment/runner';
import { parseExperimentSpec } from '../../../src/engine/experiment/spec';
import type { ContinualSummary } from '../../../src/engine/continual/events';
import { featuresOf } from '../../../src/engine/continual/pet-module';
import { buildModel } from '../../../src/engine/models/families';
import { T5Model } from '../../../src/engine/models/t5';
import { batchToTensors, disposeBatch } from '../../../src/engine/train/batch-tensors';
import { packClassify } from '../../../src/engine/data/batching';
import { tf } from '../../../src/engine/tf';
import { useWasmBackend } from '../node-backend';

beforeAll(async () => {
  await useWasmBackend();
});

async function summaries(model: string): Promise<ContinualSummary[]> {
  const out: ContinualSummary[] = [];
  const spec = parseExperimentSpec({
    model,
    task: 'sotu-eras',
    methods: [{ name: 'lora', options: { r: 4 } }],
    batchSize: 2,
    seqLen: 16,
    continual: { strategies: ['static', 'dynamic'], batchesPerTask: 1, selectorBatches: 1, evalExamplesPerTask: 2 },
  });
  await runExperiment(spec, nodeRunnerEnv, (e) => {
    if (e.type === 'continual-end') out.push(e.summary);
  });
  return out;
}

describe('the SOTU-eras text stream', () => {
  it('runs on tiny-gpt2 with the exact counts (LoRA r=4 on q, v: 4 layers · 2 · 4 · (128 + 128) per module; rows of 128, no bias)', async () => {
    const [stat, dynamic] = await summaries('tiny-gpt2');
    expect(stat.trainable).toBe(8192 + 10 * 128);
    expect(dynamic.trainable).toBe(6 * 8192 + 15 * 128);
    expect(stat.matrix.map((r) => r.length)).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs on tiny-t5: LoRA on q, v of all 12 attention blocks (encoder, decoder self and cross), all of which the decoder-read features use', async () => {
    const [stat, dynamic] = await summaries('tiny-t5');
    const perModule = 12 * 2 * 4 * (128 + 128);
    expect(stat.trainable).toBe(perModule + 10 * 128);
    expect(dynamic.trainable).toBe(6 * perModule + 15 * 128);
  });

  it("T5's features are T5ForSequenceClassification's: the decoder on the input shifted right, at the last real token", async () => {
    const base = await loadBaseCheckpoint(modelSource('tiny-t5'));
    const model = buildModel(base.model, base.weights) as T5Model;
    const rows = [Int32Array.of(5, 9, 44, 1), Int32Array.of(7, 1)];
    const batch = packClassify(rows.map((ids) => ({ ids, label: 0 })), 4, 0);
    const tensors = batchToTensors(batch);
    try {
      const features = await featuresOf(model, tensors, { hooks: {}, paramGroups: [], saveAdapter: async () => ({ config: {}, tensors: new Map() }), loadAdapter: () => {}, dispose: () => {} }).array();
      // Independently: HF's _shift_right on the host, the decoder, the row at each input's last token.
      for (let r = 0; r < rows.length; r++) {
        const ids = tf.tensor2d(rows[r], [1, rows[r].length], 'int32');
        const mask = tf.ones([1, rows[r].length], 'int32') as tf.Tensor2D;
        const encoder = model.encode(ids, mask);
        const decoderIds = tf.tensor2d(model.shiftRight(rows[r], 1, rows[r].length), [1, rows[r].length], 'int32');
        const hidden = model.decode(decoderIds, encoder);
        const expected = (await hidden.array())[0][rows[r].length - 1];
        tf.dispose([ids, mask, encoder.hidden, encoder.keyMask, decoderIds, hidden]);
        expected.forEach((v, j) => expect(Math.abs(features[r][j] - v)).toBeLessThan(1e-4));
      }
    } finally {
      disposeBatch(tensors);
      model.dispose();
    }
  });
});
