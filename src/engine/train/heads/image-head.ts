import { tf } from '../../tf';
import { matMul2d } from '../../blocks/linear';
import type { VitModel } from '../../models/vit';
import type { ModelHooks } from '../../models/hooks';
import type { HostTensor } from '../../io/safetensors';
import type { Rng } from '../../data/rng';
import type { TaskShape } from '../../methods/types';
import { expectTensor, toHost } from '../../methods/host';
import { ownedVariable } from '../../models/layers';
import { expectBatch, type AnyBatchTensors } from '../batch-tensors';
import type { TaskHead } from '../task-head';
import { classificationCounts, nll } from './losses';

const WEIGHT = 'base_model.model.classifier.weight';
const BIAS = 'base_model.model.classifier.bias';

/** The final hidden state of the CLS token (row 0; prompts sit after it): [B, d]. */
export function clsFeatures(model: VitModel, pixels: tf.Tensor4D, hooks: ModelHooks, dropoutSeed: number | null): tf.Tensor2D {
  return tf.tidy(() => {
    const hidden = model.forward(pixels, { hooks, dropoutSeed });
    const [n, , d] = hidden.shape;
    return tf.slice(hidden, [0, 0, 0], [n, 1, d]).reshape([n, d]) as tf.Tensor2D;
  });
}

/**
 * ViTForImageClassification's head for a new task: `classifier` (weight [numLabels, d] and bias)
 * on the final hidden state of the CLS token (row 0; prompts sit after it). A fresh head, as
 * `from_pretrained(..., num_labels=n, ignore_mismatched_sizes=True)` makes one: the checkpoint's
 * own classifier knows other classes. Weights N(0, initializer_range), bias 0 (HF's _init_weights).
 */
export class ImageClassifyHead implements TaskHead {
  readonly task: TaskShape;
  readonly variables: tf.Variable[];
  readonly tensorNames = [WEIGHT, BIAS];
  private readonly weight: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(private readonly model: VitModel, numLabels: number, seqLen: number, rng: Rng) {
    this.task = { kind: 'image-classify', numLabels, seqLen };
    const d = model.shape.hidden;
    const data = Float32Array.from({ length: numLabels * d }, () => rng.normal() * model.initializerRange);
    this.weight = ownedVariable(tf.tensor2d(data, [numLabels, d]), true, 'head/classifier.weight');
    this.bias = ownedVariable(tf.zeros([numLabels]), true, 'head/classifier.bias');
    this.variables = [this.weight, this.bias];
  }

  /** Class logits [B, numLabels] from the CLS row. */
  logits(batch: AnyBatchTensors, hooks: ModelHooks, dropoutSeed: number | null = null): tf.Tensor2D {
    const b = expectBatch(batch, 'image');
    return tf.tidy(() => tf.add(matMul2d(clsFeatures(this.model, b.pixels, hooks, dropoutSeed), this.weight as tf.Tensor2D, false, true), this.bias) as tf.Tensor2D);
  }

  loss(batch: AnyBatchTensors, hooks: ModelHooks, dropoutSeed: number | null = null): tf.Scalar {
    const b = expectBatch(batch, 'image');
    return tf.tidy(() => tf.mean(nll(this.logits(b, hooks, dropoutSeed), b.labels)) as tf.Scalar);
  }

  evaluate(batch: AnyBatchTensors, hooks: ModelHooks) {
    const b = expectBatch(batch, 'image');
    return { ...tf.tidy(() => classificationCounts(this.logits(b, hooks), b.labels)), count: b.labels.shape[0] };
  }

  async save() {
    return new Map([
      [WEIGHT, await toHost(this.weight)],
      [BIAS, await toHost(this.bias)],
    ]);
  }

  load(tensors: Map<string, HostTensor>): void {
    const weight = expectTensor(tensors, WEIGHT, this.weight.shape);
    const bias = expectTensor(tensors, BIAS, this.bias.shape);
    tf.tidy(() => {
      this.weight.assign(tf.tensor(weight, this.weight.shape));
      this.bias.assign(tf.tensor(bias, this.bias.shape));
    });
  }

  dispose(): void {
    this.weight.dispose();
    this.bias.dispose();
  }
}
