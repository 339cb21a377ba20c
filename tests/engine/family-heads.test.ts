import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { createRng } from '../../src/engine/data/rng';
import { parseT5Config } from '../../src/engine/models/t5-config';
import { T5Model } from '../../src/engine/models/t5';
import { parseVitConfig } from '../../src/engine/models/vit-config';
import { VitModel } from '../../src/engine/models/vit';
import { createTaskHead } from '../../src/engine/train/task-head';
import { batchToTensors, disposeBatch } from '../../src/engine/train/batch-tensors';
import type { ImageBatch, Seq2SeqBatch } from '../../src/engine/data/types';
import { meanStd } from '../../src/engine/experiment/seed-repeats';
import { methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import { expectAllClose } from './tiny';

/**
 * The ViT and T5 task heads against their definitions, computed here on the host from the
 * model's own forward outputs: ViTForImageClassification's classifier on the CLS row with mean
 * cross-entropy; T5ForConditionalGeneration's loss over labels shifted right with padding
 * ignored; and the claim that teacher-forced exact match equals greedy decoding's.
 */

beforeAll(async () => {
  await useWasmBackend();
});

function logSoftmax(row: ArrayLike<number>): number[] {
  const values = Array.from(row);
  const max = Math.max(...values);
  const z = Math.log(values.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
  return values.map((x) => x - z);
}

describe('ViT image-classification head', () => {
  const config = parseVitConfig({ model_type: 'vit', hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 16, image_size: 8, patch_size: 4, num_channels: 1, num_labels: 5, initializer_range: 0.5 });

  it('classifies the CLS row with a fresh classifier (weight and bias); loss = mean NLL; counts hits', () => {
    const model = VitModel.randomInit(config, createRng(1));
    const head = createTaskHead(model, { kind: 'image-classify', numLabels: 3, seqLen: 4 }, { trainsLmHead: false, rng: createRng(2) });
    const next = createRng(3);
    const batch: ImageBatch = { kind: 'image', batchSize: 4, channels: 1, height: 8, width: 8, pixels: Float32Array.from({ length: 4 * 64 }, () => next.normal()), labels: Int32Array.from([0, 2, 1, 2]) };
    const b = batchToTensors(batch, 4);
    try {
      expect(b.realTokens).toBe(16);
      expect(head.variables.map((v) => v.shape)).toEqual([[3, 8], [3]]);
      tf.tidy(() => head.variables[1].assign(tf.tensor1d([0.3, -0.2, 0.1])));
      const hidden = tf.tidy(() => model.forward(tf.tensor4d(batch.pixels, [4, 1, 8, 8]))).dataSync();
      const [w, bias] = head.variables.map((v) => v.dataSync());
      const rows = 1 + 4; // CLS + 4 patches
      const expected: number[] = [];
      for (let i = 0; i < 4; i++) {
        for (let c = 0; c < 3; c++) {
          let s = bias[c];
          for (let k = 0; k < 8; k++) s += hidden[i * rows * 8 + k] * w[c * 8 + k];
          expected.push(s);
        }
      }
      expectAllClose(tf.tidy(() => head.logits!(b, {})).dataSync(), expected, 1e-5, 1e-5);
      const nll = [0, 1, 2, 3].map((i) => -logSoftmax(expected.slice(i * 3, i * 3 + 3))[batch.labels[i]]);
      expect(tf.tidy(() => head.loss(b, {})).dataSync()[0]).toBeCloseTo(nll.reduce((a, x) => a + x, 0) / 4, 5);
      const hits = [0, 1, 2, 3].filter((i) => {
        const row = expected.slice(i * 3, i * 3 + 3);
        return row.indexOf(Math.max(...row)) === batch.labels[i];
      }).length;
      const evaluation = head.evaluate(b, {});
      expect(evaluation.count).toBe(4);
      expect(evaluation.correct!.dataSync()[0]).toBe(hits);
      tf.dispose([evaluation.lossSum, evaluation.correct!]);
    } finally {
      disposeBatch(b);
      head.dispose();
      model.dispose();
    }
  });
});

describe('T5 text-to-text head', () => {
  const config = parseT5Config({ model_type: 't5', vocab_size: 13, d_model: 8, d_kv: 4, d_ff: 12, num_layers: 2, num_heads: 2, relative_attention_num_buckets: 8, dropout_rate: 0, eos_token_id: 1, pad_token_id: 0 });
  // Targets end in eos (1) and are right-padded with pad (0); row 1's target is one token shorter.
  const batch: Seq2SeqBatch = {
    kind: 'seq2seq',
    batchSize: 3,
    seqLen: 5,
    inputIds: Int32Array.from([5, 6, 7, 8, 1, 9, 4, 1, 0, 0, 3, 3, 3, 1, 0]),
    attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0]),
    targetLen: 3,
    labels: Int32Array.from([10, 11, 1, 12, 1, 0, 10, 12, 1]),
    labelMask: Int32Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1]),
  };

  it('loss = mean NLL of real target tokens under the decoder fed the targets shifted right', () => {
    const model = T5Model.randomInit(config, createRng(5));
    const head = createTaskHead(model, { kind: 'seq2seq', numLabels: 2, seqLen: 5 }, { trainsLmHead: false, rng: createRng(1) });
    const b = batchToTensors(batch);
    try {
      expect(b.kind === 'seq2seq' && b.targetTokens).toBe(8);
      // HF's _shift_right, written out: decoder_start (pad 0) then the labels without their last.
      const decoderInput = [0, 10, 11, 0, 12, 1, 0, 10, 12];
      const logits = tf.tidy(() => {
        const encoder = model.encode(tf.tensor2d(batch.inputIds, [3, 5], 'int32'), tf.tensor2d(batch.attentionMask, [3, 5], 'int32'));
        return model.lmLogits(model.decode(tf.tensor2d(decoderInput, [3, 3], 'int32'), encoder));
      }).dataSync();
      let sum = 0;
      let n = 0;
      for (let i = 0; i < 9; i++) {
        if (!batch.labelMask[i]) continue;
        sum -= logSoftmax(logits.slice(i * 13, (i + 1) * 13))[batch.labels[i]];
        n++;
      }
      expect(tf.tidy(() => head.loss(b, {})).dataSync()[0]).toBeCloseTo(sum / n, 5);
      const evaluation = head.evaluate(b, {});
      expect(evaluation.lossSum.dataSync()[0]).toBeCloseTo(sum, 4);
      expect([evaluation.count, evaluation.examples]).toEqual([8, 3]);
      tf.dispose([evaluation.lossSum, evaluation.correct!]);
    } finally {
      disposeBatch(b);
      head.dispose();
      model.dispose();
    }
  });

  it('exact-match accuracy under teacher forcing equals greedy decoding producing the target', async () => {
    // Several random models: some rows match, some do not; the two counts must agree on each.
    let matchedSomewhere = false;
    for (let seed = 0; seed < 12; seed++) {
      const model = T5Model.randomInit(config, createRng(100 + seed));
      const head = createTaskHead(model, { kind: 'seq2seq', numLabels: 2, seqLen: 5 }, { trainsLmHead: false, rng: createRng(1) });
      // Targets: what this model greedily says for rows 0 and 2 (so they match), a fixed one for row 1.
      const ids = tf.tensor2d(batch.inputIds, [3, 5], 'int32');
      const mask = tf.tensor2d(batch.attentionMask, [3, 5], 'int32');
      const greedy = await model.greedyGenerate(ids, mask, 2);
      const labels = new Int32Array(9);
      const labelMask = new Int32Array(9);
      greedy.forEach((row, r) => {
        // A real target ends in exactly one eos: the greedy answer up to its eos, or its first two tokens + eos.
        const eos = row.indexOf(1);
        const target = r === 1 ? [12, 1] : eos >= 0 && eos < 2 ? row.slice(0, eos + 1) : [...row.slice(0, 2), 1];
        target.forEach((id, t) => {
          labels[r * 3 + t] = id;
          labelMask[r * 3 + t] = 1;
        });
      });
      const b = batchToTensors({ ...batch, labels, labelMask });
      const evaluation = head.evaluate(b, {});
      const correct = evaluation.correct!.dataSync()[0];
      const greedyFull = await model.greedyGenerate(ids, mask, 3);
      const expected = greedyFull.filter((row, r) => {
        const target = Array.from(labels.subarray(r * 3, r * 3 + 3)).filter((_, t) => labelMask[r * 3 + t]);
        return row.length >= target.length && target.every((id, t) => row[t] === id);
      }).length;
      expect(correct, `seed ${seed}`).toBe(expected);
      if (correct > 0) matchedSomewhere = true;
      tf.dispose([evaluation.lossSum, evaluation.correct!, ids, mask]);
      disposeBatch(b);
      head.dispose();
      model.dispose();
    }
    expect(matchedSomewhere).toBe(true);
  });
});

describe('seed repeats', () => {
  it('mean and sample standard deviation', () => {
    const s = meanStd([0.5, 0.7, 0.9]);
    expect(s.mean).toBeCloseTo(0.7, 12);
    expect(s.std).toBeCloseTo(0.2, 12);
    expect(meanStd([0.4]).std).toBe(0);
    expect(() => meanStd([])).toThrow(/at least one/);
  });
});

describe('deep prompt and APT reach the T5 decoder only when asked', () => {
  const config = parseT5Config({ model_type: 't5', vocab_size: 13, d_model: 8, d_kv: 4, d_ff: 12, num_layers: 2, num_heads: 2, relative_attention_num_buckets: 8, dropout_rate: 0 });
  const batch: Seq2SeqBatch = {
    kind: 'seq2seq',
    batchSize: 1,
    seqLen: 4,
    inputIds: Int32Array.from([5, 6, 7, 1]),
    attentionMask: Int32Array.from([1, 1, 1, 1]),
    targetLen: 2,
    labels: Int32Array.from([10, 1]),
    labelMask: Int32Array.from([1, 1]),
  };

  for (const name of ['deep-prompt', 'apt'] as const) {
    it(`${name}: with decoder = true the decoder prompts get gradients; without, they do not exist`, () => {
      const model = T5Model.randomInit(config, createRng(7));
      const task = { kind: 'seq2seq' as const, numLabels: 2, seqLen: 4 };
      const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(1) });
      const b = batchToTensors(batch);
      const encoderOnly = methodByName(name).attach(model, task, resolveMethodConfig(name, { length: 3 }), createRng(2));
      const both = methodByName(name).attach(model, task, resolveMethodConfig(name, { length: 3, decoder: true }), createRng(2));
      try {
        const encoderVars = encoderOnly.paramGroups.flatMap((g) => g.variables);
        const allVars = both.paramGroups.flatMap((g) => g.variables);
        expect(allVars.length).toBe(2 * encoderVars.length);
        // The decoder blocks' prompts (and APT's W2) get non-zero gradients. (APT's W1 starts
        // with a zero gradient while W2 = 0, as LoRA's A does.)
        const { value, grads } = tf.variableGrads(() => head.loss(b, both.hooks), allVars);
        const decoderVars = allVars.filter((v) => v.name.includes('decoder.h.') && !v.name.includes('.W1'));
        expect(decoderVars.length).toBeGreaterThan(0);
        for (const v of decoderVars) expect(Math.max(...Array.from(grads[v.name].dataSync(), Math.abs)), v.name).toBeGreaterThan(0);
        tf.dispose([value, grads]);
      } finally {
        disposeBatch(b);
        encoderOnly.dispose();
        both.dispose();
        head.dispose();
        model.dispose();
      }
    });
  }
});
