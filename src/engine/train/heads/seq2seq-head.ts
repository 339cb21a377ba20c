import { tf } from '../../tf';
import type { T5Model } from '../../models/t5';
import type { ModelHooks } from '../../models/hooks';
import type { HostTensor } from '../../io/safetensors';
import type { TaskShape } from '../../methods/types';
import { expectTensor, toHost } from '../../methods/host';
import { ownedVariable } from '../../models/layers';
import { expectBatch, type AnyBatchTensors, type Seq2SeqBatchTensors } from '../batch-tensors';
import type { TaskHead } from '../task-head';
import { nll } from './losses';
import { lmCrossEntropy } from '../../blocks/cross-entropy';
import { matMul2d } from '../../blocks/linear';

const LM_HEAD = 'base_model.model.lm_head.weight';

/**
 * T5ForConditionalGeneration's text-to-text objective: the decoder reads the targets shifted
 * right (teacher forcing) and the loss is the mean cross-entropy over real target tokens (HF's
 * labels with padding at −100). Accuracy is exact match of the whole target: every target token,
 * eos included, is the argmax at its position. Under teacher forcing that is exactly when greedy
 * decoding would produce the target, so one forward pass measures it without a decoding loop.
 */
export class Seq2SeqHead implements TaskHead {
  readonly task: TaskShape;
  readonly variables: tf.Variable[] = [];
  readonly tensorNames: string[];
  /** Head-only training: an untied, trainable copy of the LM head. */
  private readonly untied: tf.Variable | null;

  constructor(private readonly model: T5Model, trainsLmHead: boolean, task: TaskShape) {
    this.task = task;
    this.untied = trainsLmHead ? ownedVariable(model.lmHeadWeight().clone(), true, 'head/lm_head') : null;
    if (this.untied) this.variables.push(this.untied);
    this.tensorNames = this.untied ? [LM_HEAD] : [];
  }

  /** The LM head the targets are scored with: the trained untied copy (head only), else the model's. */
  lmHead(): tf.Tensor2D {
    return (this.untied ?? this.model.lmHeadWeight()) as tf.Tensor2D;
  }

  /** The LM head's input [B·T', d] at every target position (teacher forcing). */
  private targetHidden(b: Seq2SeqBatchTensors, hooks: ModelHooks, dropoutSeed: number | null): tf.Tensor2D {
    const { ids, batch, length } = b.targetHost;
    const decoderInput = tf.tensor2d(this.model.shiftRight(ids, batch, length), [batch, length], 'int32');
    try {
      return tf.tidy(() => {
        const encoder = this.model.encode(b.inputIds, b.attentionMask, { hooks, dropoutSeed });
        return this.model.lmHeadInput(this.model.decode(decoderInput, encoder, { hooks, dropoutSeed }));
      });
    } finally {
      decoderInput.dispose();
    }
  }

  /** Logits [B·T', vocab] at every target position. */
  private targetLogits(b: Seq2SeqBatchTensors, hooks: ModelHooks, dropoutSeed: number | null): tf.Tensor2D {
    return tf.tidy(() => matMul2d(this.targetHidden(b, hooks, dropoutSeed), this.lmHead(), false, true));
  }

  /** Mean cross-entropy over real target tokens, through the chunked fused block (no [B·T', V] tensor is kept). */
  loss(batch: AnyBatchTensors, hooks: ModelHooks, dropoutSeed: number | null = null): tf.Scalar {
    const b = expectBatch(batch, 'seq2seq');
    return tf.tidy(() => {
      const mask = b.targetMask.reshape([-1]).toFloat() as tf.Tensor1D;
      const weights = tf.div(mask, tf.maximum(tf.sum(mask), 1)) as tf.Tensor1D;
      return lmCrossEntropy(this.targetHidden(b, hooks, dropoutSeed), this.lmHead(), b.targetIds.reshape([-1]) as tf.Tensor1D, weights);
    });
  }

  evaluate(batch: AnyBatchTensors, hooks: ModelHooks) {
    const b = expectBatch(batch, 'seq2seq');
    const [rows, length] = b.targetIds.shape;
    const { lossSum, correct } = tf.tidy(() => {
      const logits = this.targetLogits(b, hooks, null);
      const targets = b.targetIds.reshape([-1]) as tf.Tensor1D;
      const mask = b.targetMask.reshape([-1]).toFloat();
      const misses = tf.mul(tf.sub(1, tf.equal(tf.argMax(logits, -1), targets).toFloat()), mask).reshape([rows, length]);
      return {
        lossSum: tf.sum(tf.mul(nll(logits, targets), mask)) as tf.Scalar,
        correct: tf.sum(tf.equal(tf.sum(misses, 1), 0).toFloat()) as tf.Scalar,
      };
    });
    // Loss per target token, accuracy per example.
    return { lossSum, count: b.targetTokens, correct, examples: rows };
  }

  async save() {
    return new Map(this.untied ? [[LM_HEAD, await toHost(this.untied)] as const] : []);
  }

  load(tensors: Map<string, HostTensor>): void {
    if (!this.untied) return;
    const data = expectTensor(tensors, LM_HEAD, this.untied.shape);
    tf.tidy(() => this.untied!.assign(tf.tensor(data, this.untied!.shape)));
  }

  dispose(): void {
    this.untied?.dispose();
  }
}
