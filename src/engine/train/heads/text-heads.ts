import { tf } from '../../tf';
import { matMul2d } from '../../blocks/linear';
import type { Gpt2Model } from '../../models/gpt2';
import type { ModelHooks } from '../../models/hooks';
import type { HostTensor } from '../../io/safetensors';
import type { Rng } from '../../data/rng';
import type { TaskShape } from '../../methods/types';
import { expectTensor, toHost } from '../../methods/host';
import { ownedVariable } from '../../models/layers';
import { expectBatch, type AnyBatchTensors, type BatchTensors } from '../batch-tensors';
import type { TaskHead } from '../task-head';
import { classificationCounts, lastTokenSelector, nll } from './losses';
import { lmCrossEntropy } from '../../blocks/cross-entropy';

/**
 * GPT-2's task heads. Language modelling uses the (tied) LM head; classification pools the last
 * real token and applies `score` [numLabels, d], as GPT2ForSequenceClassification.
 */

export function hiddenOf(model: Gpt2Model, b: BatchTensors, hooks: ModelHooks, dropoutSeed: number | null): tf.Tensor3D {
  return model.forward(b.inputIds, b.attentionMask, { hooks, dropoutSeed });
}

/** Hidden state of each row's last real token: [B, d]. */
export function pooledLast(hidden: tf.Tensor3D, b: BatchTensors, prefix: number): tf.Tensor2D {
  return tf.matMul(lastTokenSelector(b.attentionMask, prefix, hidden.shape[1]), hidden).squeeze([1]) as tf.Tensor2D;
}

export class LmHead implements TaskHead {
  readonly task: TaskShape;
  readonly variables: tf.Variable[] = [];
  readonly tensorNames: string[];
  private readonly untied: tf.Variable | null;

  constructor(private readonly model: Gpt2Model, trainsLmHead: boolean, seqLen: number) {
    this.task = { kind: 'lm', numLabels: 0, seqLen };
    this.untied = trainsLmHead ? ownedVariable(model.lmHeadWeight().clone(), true, 'head/lm_head') : null;
    if (this.untied) this.variables.push(this.untied);
    this.tensorNames = this.untied ? ['base_model.model.lm_head.weight'] : [];
  }

  private head(): tf.Tensor2D {
    return (this.untied ?? this.model.lmHeadWeight()) as tf.Tensor2D;
  }

  /** Hidden states [B·(T−1), d] that predict token t+1 at each position t, and the targets; prompt rows dropped. */
  private shiftedInputs(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number) {
    const [b, , d] = hidden.shape;
    const t = batch.inputIds.shape[1];
    const inputs = tf.slice(hidden, [0, prefix, 0], [b, t - 1, d]).reshape([b * (t - 1), d]) as tf.Tensor2D;
    const targets = tf.slice(batch.inputIds, [0, 1], [b, t - 1]).reshape([-1]) as tf.Tensor1D;
    const mask = tf.slice(batch.attentionMask, [0, 1], [b, t - 1]).reshape([-1]).toFloat() as tf.Tensor1D;
    return { inputs, targets, mask };
  }

  /** Logits predicting token t+1 at each real position t, and the targets. */
  private shifted(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number) {
    const { inputs, targets, mask } = this.shiftedInputs(hidden, batch, prefix);
    return { logits: matMul2d(inputs, this.head(), false, true), targets, mask };
  }

  /** Mean next-token cross-entropy over real targets, through the chunked fused block (no [B·T, V] tensor is kept). */
  loss(batch: AnyBatchTensors, hooks: ModelHooks, dropoutSeed: number | null = null): tf.Scalar {
    const b = expectBatch(batch, 'text');
    return tf.tidy(() => {
      const { inputs, targets, mask } = this.shiftedInputs(hiddenOf(this.model, b, hooks, dropoutSeed), b, hooks.prefixLength ?? 0);
      const weights = tf.div(mask, tf.maximum(tf.sum(mask), 1)) as tf.Tensor1D;
      return lmCrossEntropy(inputs, this.head(), targets, weights);
    });
  }

  evaluate(batch: AnyBatchTensors, hooks: ModelHooks) {
    const b = expectBatch(batch, 'text');
    const lossSum = tf.tidy(() => {
      const { logits, targets, mask } = this.shifted(hiddenOf(this.model, b, hooks, null), b, hooks.prefixLength ?? 0);
      return tf.sum(tf.mul(nll(logits, targets), mask)) as tf.Scalar;
    });
    // The number of targets is counted on the host from the mask. (Reading it back with dataSync
    // would stall the GPU, and on WebGPU in Chromium a synchronous read loses the device.)
    return { lossSum, count: b.lmTargets, correct: null };
  }

  /** Next-token logits at each row's last real position: [B, vocab]. */
  logits(batch: AnyBatchTensors, hooks: ModelHooks): tf.Tensor2D {
    const b = expectBatch(batch, 'text');
    return tf.tidy(() => matMul2d(pooledLast(hiddenOf(this.model, b, hooks, null), b, hooks.prefixLength ?? 0), this.head(), false, true));
  }

  async save() {
    return new Map(this.untied ? [['base_model.model.lm_head.weight', await toHost(this.untied)] as const] : []);
  }

  load(tensors: Map<string, HostTensor>): void {
    if (!this.untied) return;
    const data = expectTensor(tensors, 'base_model.model.lm_head.weight', this.untied.shape);
    tf.tidy(() => this.untied!.assign(tf.tensor(data, this.untied!.shape)));
  }

  dispose(): void {
    this.untied?.dispose();
  }
}

export class ClassifyHead implements TaskHead {
  readonly task: TaskShape;
  readonly variables: tf.Variable[];
  readonly tensorNames = ['base_model.model.score.weight'];
  private readonly score: tf.Variable;

  constructor(private readonly model: Gpt2Model, numLabels: number, seqLen: number, rng: Rng) {
    this.task = { kind: 'classify', numLabels, seqLen };
    const d = model.config.nEmbd;
    // HF initialises the new `score` Linear with N(0, initializer_range).
    const data = Float32Array.from({ length: numLabels * d }, () => rng.normal() * model.config.initializerRange);
    this.score = ownedVariable(tf.tensor2d(data, [numLabels, d]), true, 'head/score');
    this.variables = [this.score];
  }

  /** Class logits from the last real token: [B, numLabels]. */
  logits(batch: AnyBatchTensors, hooks: ModelHooks, dropoutSeed: number | null = null): tf.Tensor2D {
    const b = expectBatch(batch, 'text');
    return tf.tidy(() => matMul2d(pooledLast(hiddenOf(this.model, b, hooks, dropoutSeed), b, hooks.prefixLength ?? 0), this.score as tf.Tensor2D, false, true));
  }

  loss(batch: AnyBatchTensors, hooks: ModelHooks, dropoutSeed: number | null = null): tf.Scalar {
    const b = expectBatch(batch, 'text');
    return tf.tidy(() => tf.mean(nll(this.logits(b, hooks, dropoutSeed), b.labels!)) as tf.Scalar);
  }

  evaluate(batch: AnyBatchTensors, hooks: ModelHooks) {
    const b = expectBatch(batch, 'text');
    return { ...tf.tidy(() => classificationCounts(this.logits(b, hooks), b.labels!)), count: b.labels!.shape[0] };
  }

  async save() {
    return new Map([['base_model.model.score.weight', await toHost(this.score)] as const]);
  }

  load(tensors: Map<string, HostTensor>): void {
    const data = expectTensor(tensors, 'base_model.model.score.weight', this.score.shape);
    tf.tidy(() => this.score.assign(tf.tensor(data, this.score.shape)));
  }

  dispose(): void {
    this.score.dispose();
  }
}
