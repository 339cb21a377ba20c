import { tf } from '../tf';
import { matMul2d } from '../kernels/matmul';
import type { Gpt2Model } from '../models/gpt2';
import type { HostTensor } from '../io/safetensors';
import type { Rng } from '../data/rng';
import type { Batch } from '../data/types';
import type { TaskShape } from '../methods/types';
import { expectTensor, toHost } from '../methods/host';
import { ownedVariable } from '../models/layers';

/**
 * The task's end of the model: turns hidden states into a loss and evaluation counts.
 * Language modelling uses the (tied) LM head; classification pools the last real token and
 * applies `score` [numLabels, d], as GPT2ForSequenceClassification.
 */
export interface TaskHead {
  readonly task: TaskShape;
  /** Trainable head tensors (the "head" parameter group). */
  readonly variables: tf.Variable[];
  /** Mean loss of a batch; `hidden` is [B, prefix + T, d]. */
  loss(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number): tf.Scalar;
  /** Sum of losses, number of loss terms, and correct predictions (classification). */
  evaluate(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number): { lossSum: tf.Scalar; count: number; correct: tf.Scalar | null };
  /** Logits of the last real position of each row ([B, vocab] or [B, numLabels]). */
  lastLogits(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number): tf.Tensor2D;
  /** Head tensors as saved in an adapter file, under PEFT's names. */
  save(): Promise<Map<string, HostTensor>>;
  /** Names `save` writes, to tell head tensors from method tensors when loading. */
  readonly tensorNames: string[];
  load(tensors: Map<string, HostTensor>): void;
  dispose(): void;
}

export interface BatchTensors {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** [B] class ids (classification only). */
  labels: tf.Tensor1D | null;
  /** Real tokens in the batch, for tokens/s. */
  realTokens: number;
  /** Next-token targets (mask ones past each row's first position), for the LM loss average. */
  lmTargets: number;
}

export function batchToTensors(batch: Batch): BatchTensors {
  let realTokens = 0;
  let lmTargets = 0;
  for (let i = 0; i < batch.attentionMask.length; i++) {
    realTokens += batch.attentionMask[i];
    if (i % batch.seqLen !== 0) lmTargets += batch.attentionMask[i];
  }
  return {
    inputIds: tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLen], 'int32'),
    attentionMask: tf.tensor2d(batch.attentionMask, [batch.batchSize, batch.seqLen], 'int32'),
    labels: batch.kind === 'classify' ? tf.tensor1d(batch.labels, 'int32') : null,
    realTokens,
    lmTargets,
  };
}

export function disposeBatch(b: BatchTensors): void {
  b.inputIds.dispose();
  b.attentionMask.dispose();
  b.labels?.dispose();
}

/** Per-row negative log-likelihood of `labels` under `logits` [N, C] (one-hot form: no gather gradient needed). */
function nll(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const logProbs = tf.logSoftmax(logits, -1);
  return tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1]).toFloat()), -1));
}

/** One-hot over positions of each row's last real token, shifted past the prompt: [B, 1, P+T]. */
function lastTokenSelector(attentionMask: tf.Tensor2D, prefix: number, total: number): tf.Tensor3D {
  const lastIndex = tf.add(tf.sub(tf.sum(attentionMask, 1), 1), prefix).toInt() as tf.Tensor1D;
  return tf.oneHot(lastIndex, total).toFloat().expandDims(1) as tf.Tensor3D;
}

class LmHead implements TaskHead {
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

  /** Logits predicting token t+1 at each real position t, and the targets; prompt rows dropped. */
  private shifted(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number) {
    const [b, , d] = hidden.shape;
    const t = batch.inputIds.shape[1];
    const inputs = tf.slice(hidden, [0, prefix, 0], [b, t - 1, d]) as tf.Tensor3D;
    const logits = this.model.lmLogits(inputs, this.head()).reshape([b * (t - 1), -1]) as tf.Tensor2D;
    const targets = tf.slice(batch.inputIds, [0, 1], [b, t - 1]).reshape([-1]) as tf.Tensor1D;
    const mask = tf.slice(batch.attentionMask, [0, 1], [b, t - 1]).reshape([-1]).toFloat() as tf.Tensor1D;
    return { logits, targets, mask };
  }

  loss(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number): tf.Scalar {
    return tf.tidy(() => {
      const { logits, targets, mask } = this.shifted(hidden, batch, prefix);
      return tf.div(tf.sum(tf.mul(nll(logits, targets), mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    });
  }

  evaluate(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number) {
    const lossSum = tf.tidy(() => {
      const { logits, targets, mask } = this.shifted(hidden, batch, prefix);
      return tf.sum(tf.mul(nll(logits, targets), mask)) as tf.Scalar;
    });
    // The number of targets is counted on the host from the mask. (Reading it back with dataSync
    // would stall the GPU, and on WebGPU in Chromium a synchronous read loses the device.)
    return { lossSum, count: batch.lmTargets, correct: null };
  }

  lastLogits(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = tf.matMul(lastTokenSelector(batch.attentionMask, prefix, hidden.shape[1]), hidden).squeeze([1]) as tf.Tensor2D;
      return matMul2d(pooled, this.head(), false, true);
    });
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

class ClassifyHead implements TaskHead {
  readonly task: TaskShape;
  readonly variables: tf.Variable[];
  readonly tensorNames = ['base_model.model.score.weight'];
  private readonly score: tf.Variable;

  constructor(model: Gpt2Model, numLabels: number, seqLen: number, rng: Rng) {
    this.task = { kind: 'classify', numLabels, seqLen };
    const d = model.config.nEmbd;
    // HF initialises the new `score` Linear with N(0, initializer_range).
    const data = Float32Array.from({ length: numLabels * d }, () => rng.normal() * model.config.initializerRange);
    this.score = ownedVariable(tf.tensor2d(data, [numLabels, d]), true, 'head/score');
    this.variables = [this.score];
  }

  lastLogits(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = tf.matMul(lastTokenSelector(batch.attentionMask, prefix, hidden.shape[1]), hidden).squeeze([1]) as tf.Tensor2D;
      return matMul2d(pooled, this.score as tf.Tensor2D, false, true);
    });
  }

  loss(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number): tf.Scalar {
    return tf.tidy(() => tf.mean(nll(this.lastLogits(hidden, batch, prefix), batch.labels!)) as tf.Scalar);
  }

  evaluate(hidden: tf.Tensor3D, batch: BatchTensors, prefix: number) {
    return tf.tidy(() => {
      const logits = this.lastLogits(hidden, batch, prefix);
      const labels = batch.labels!;
      const correct = tf.sum(tf.equal(tf.argMax(logits, -1), labels).toFloat()) as tf.Scalar;
      return { lossSum: tf.sum(nll(logits, labels)) as tf.Scalar, count: labels.shape[0], correct };
    });
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

export function createTaskHead(model: Gpt2Model, task: TaskShape, options: { trainsLmHead: boolean; rng: Rng }): TaskHead {
  return task.kind === 'lm' ? new LmHead(model, options.trainsLmHead, task.seqLen) : new ClassifyHead(model, task.numLabels, task.seqLen, options.rng);
}
