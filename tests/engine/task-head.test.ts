import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { createRng } from '../../src/engine/data/rng';
import type { Gpt2Model } from '../../src/engine/models/gpt2';
import type { ModelHooks } from '../../src/engine/models/hooks';
import { promptMethod } from '../../src/engine/methods/prompt';
import { createTaskHead, type BatchTensors } from '../../src/engine/train/task-head';
import { expectAllClose, tinyModel, valuesOf } from './tiny';

/**
 * Task heads against the Hugging Face definitions, computed here from the model's hidden
 * states: GPT2ForSequenceClassification pools the last non-padding token; GPT2LMHeadModel's loss
 * is the mean cross-entropy over shifted labels with padding set to -100.
 */

beforeAll(async () => {
  await useWasmBackend();
});

const IDS = [
  [3, 17, 5, 0, 28, 9, 11],
  [7, 7, 21, 4, 0, 0, 0],
  [12, 2, 0, 0, 0, 0, 0],
];
const LENGTHS = [7, 4, 2];
const MASK = LENGTHS.map((n) => IDS[0].map((_, t) => (t < n ? 1 : 0)));

function batchTensors(labels: number[] | null): BatchTensors {
  return {
    inputIds: tf.tensor2d(IDS, undefined, 'int32'),
    attentionMask: tf.tensor2d(MASK, undefined, 'int32'),
    labels: labels ? tf.tensor1d(labels, 'int32') : null,
    realTokens: LENGTHS.reduce((a, b) => a + b, 0),
    lmTargets: LENGTHS.reduce((a, b) => a + b - 1, 0),
  };
}

function disposeBatch(b: BatchTensors): void {
  tf.dispose([b.inputIds, b.attentionMask, b.labels ?? []]);
}

/** Hidden states [T][d] of one unpadded sequence (after an optional prompt's rows are dropped). */
function hiddenRows(model: Gpt2Model, ids: number[], hooks?: ModelHooks): Float32Array[] {
  const d = model.config.nEmbd;
  const data = tf.tidy(() => model.forward(tf.tensor2d([ids], undefined, 'int32'), tf.ones([1, ids.length], 'int32'), hooks ? { hooks } : {})).dataSync();
  const prefix = hooks?.prefixLength ?? 0;
  return Array.from({ length: ids.length }, (_, t) => data.slice((prefix + t) * d, (prefix + t + 1) * d) as Float32Array);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, bOffset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[bOffset + i];
  return s;
}

function logSoftmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const z = Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
  return logits.map((x) => x - z);
}

describe('classification head', () => {
  for (const withPrompt of [false, true]) {
    it(`pools the last real token of each row${withPrompt ? ' (after a prompt prefix)' : ''}; loss is the mean NLL`, () => {
      const model = tinyModel(31);
      const task = { kind: 'classify' as const, numLabels: 3, seqLen: 8 };
      const prompt = withPrompt ? promptMethod.attach(model, task, { length: 3, init: 'random' }, createRng(5)) : null;
      const hooks = prompt?.hooks ?? {};
      const prefix = hooks.prefixLength ?? 0;
      const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(6) });
      const labels = [2, 0, 1];
      const b = batchTensors(labels);
      try {
        const got = tf.tidy(() => head.logits!(b, hooks)).dataSync();
        const loss = tf.tidy(() => head.loss(b, hooks)).dataSync()[0];
        const score = valuesOf(head.variables[0]); // [3, d]
        const d = model.config.nEmbd;
        const expected: number[] = [];
        let nll = 0;
        IDS.forEach((row, r) => {
          const rows = hiddenRows(model, row.slice(0, LENGTHS[r]), hooks);
          const last = rows[LENGTHS[r] - 1];
          const logits = [0, 1, 2].map((c) => dot(last, score, c * d));
          expected.push(...logits);
          nll -= logSoftmax(logits)[labels[r]];
        });
        expectAllClose(got, expected, 1e-5, 1e-5);
        expect(loss).toBeCloseTo(nll / IDS.length, 5);
      } finally {
        disposeBatch(b);
        head.dispose();
        prompt?.dispose();
        model.dispose();
      }
    });
  }
});

describe('language-modelling head', () => {
  for (const trainsLmHead of [false, true]) {
    it(`loss = mean next-token NLL over real targets only${trainsLmHead ? ' (untied head copy)' : ''}`, () => {
      const model = tinyModel(32);
      const head = createTaskHead(model, { kind: 'lm', numLabels: 0, seqLen: 8 }, { trainsLmHead, rng: createRng(1) });
      const b = batchTensors(null);
      try {
        if (trainsLmHead) {
          // The untied copy starts equal to wte but is its own tensor.
          expect(head.variables).toHaveLength(1);
          expect(head.variables[0]).not.toBe(model.variable('wte.weight'));
          expect(valuesOf(head.variables[0])).toEqual(valuesOf(model.variable('wte.weight')));
          tf.tidy(() => head.variables[0].assign(tf.mul(head.variables[0], 1.5)));
        } else {
          expect(head.variables).toHaveLength(0);
        }
        const W = valuesOf(trainsLmHead ? head.variables[0] : model.variable('wte.weight'));
        const d = model.config.nEmbd;
        const V = model.config.vocabSize;
        const loss = tf.tidy(() => head.loss(b, {})).dataSync()[0];
        const evaluation = head.evaluate(b, {});
        const lossSum = evaluation.lossSum.dataSync()[0];
        evaluation.lossSum.dispose();
        let sum = 0;
        let count = 0;
        IDS.forEach((row, r) => {
          const rows = hiddenRows(model, row.slice(0, LENGTHS[r]));
          for (let t = 0; t + 1 < LENGTHS[r]; t++) {
            const logits = Array.from({ length: V }, (_, v) => dot(rows[t], W, v * d));
            sum -= logSoftmax(logits)[row[t + 1]];
            count++;
          }
        });
        expect(count).toBe(6 + 3 + 1);
        expect(evaluation.count).toBe(count);
        expect(lossSum).toBeCloseTo(sum, 3);
        expect(loss).toBeCloseTo(sum / count, 5);
      } finally {
        disposeBatch(b);
        head.dispose();
        model.dispose();
      }
    });
  }
});
