import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import type { BackboneModel } from '../models/model';
import type { ModelShape } from '../models/hooks';
import { Gpt2Model } from '../models/gpt2';
import { VitModel } from '../models/vit';
import { T5Model } from '../models/t5';
import { ownedVariable } from '../models/layers';
import type { Rng } from '../data/rng';
import type { AttachedMethod, ParamGroup } from '../methods/types';
import { expectBatch, type AnyBatchTensors } from '../train/batch-tensors';
import { clsFeatures } from '../train/heads/image-head';
import { hiddenOf, pooledLast } from '../train/heads/text-heads';
import { lastTokenSelector } from '../train/heads/losses';

/**
 * A PET module of continual learning: an attached method (its hooks on the shared frozen
 * backbone) and a classifier that grows by blocks of rows — one block per task (a task module's
 * classes, or one row per task for the module selector: the paper's "dimension expansion").
 */

/**
 * The pooled features a classifier reads, as Hugging Face's sequence classifiers pool them:
 * ViT's CLS token (ViTForImageClassification), GPT-2's last real token
 * (GPT2ForSequenceClassification), and T5ForSequenceClassification's representation — the
 * decoder run on the input shifted right, read at the input's last real token (its `</s>`; HF
 * reads the eos position). ConPET concatenates per-class logits across modules, so T5 classifies
 * here instead of writing the label as text.
 */
export function featuresOf(model: BackboneModel, batch: AnyBatchTensors, module: AttachedMethod): tf.Tensor2D {
  if (model instanceof VitModel) return clsFeatures(model, expectBatch(batch, 'image').pixels, module.hooks, null);
  if (model instanceof Gpt2Model) {
    const b = expectBatch(batch, 'text');
    return tf.tidy(() => pooledLast(hiddenOf(model, b, module.hooks, null), b, module.hooks.prefixLength ?? 0));
  }
  if (model instanceof T5Model) {
    const b = expectBatch(batch, 'text');
    return tf.tidy(() => {
      const [n, seq] = b.inputIds.shape;
      const encoder = model.encode(b.inputIds, b.attentionMask, { hooks: module.hooks });
      // HF's _shift_right on the input ids (padding stays pad; no −100 in inputs).
      const start = tf.fill([n, 1], model.config.decoderStartTokenId, 'int32');
      const shifted = tf.concat([start, tf.slice(b.inputIds, [0, 0], [n, seq - 1])], 1) as tf.Tensor2D;
      const hidden = model.decode(shifted, encoder, { hooks: module.hooks });
      return tf.matMul(lastTokenSelector(b.attentionMask, 0, hidden.shape[1]), hidden).squeeze([1]) as tf.Tensor2D;
    });
  }
  throw new Error(`continual streams need a classifier on ViT, GPT-2 or T5; a ${model.family} model has none`);
}

/**
 * Std of a new classifier row: the model's initializer_range (GPT-2, ViT); for T5, HF's init of
 * T5ClassificationHead's out_proj, factor · d_model^-½ (T5's own factor · 1 would give logits of
 * the size of the hidden norm).
 */
function classifierInitStd(model: BackboneModel): number {
  return model.family === 't5' ? model.initializerRange / Math.sqrt(model.shape.hidden) : model.initializerRange;
}

/** Rows grown block by block; logits are the blocks' rows in order (features · Wᵀ + b). */
export class BlockClassifier {
  private readonly weights: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];

  constructor(
    private readonly shape: ModelShape,
    private readonly initializerRange: number,
    private readonly name: string,
  ) {}

  /** Adds `rows` new classes, N(0, initializer_range) weights and zero bias (HF's _init_weights). */
  addBlock(rows: number, rng: Rng): void {
    const d = this.shape.hidden;
    const data = Float32Array.from({ length: rows * d }, () => rng.normal() * this.initializerRange);
    const i = this.weights.length;
    this.weights.push(ownedVariable(tf.tensor2d(data, [rows, d]), true, `${this.name}/block${i}.weight`));
    if (this.shape.family === 'vit') this.biases.push(ownedVariable(tf.zeros([rows]), true, `${this.name}/block${i}.bias`));
  }

  get rows(): number {
    return this.weights.reduce((n, w) => n + w.shape[0], 0);
  }

  get variables(): tf.Variable[] {
    return [...this.weights, ...this.biases];
  }

  logits(features: tf.Tensor2D): tf.Tensor2D {
    if (this.weights.length === 0) throw new Error(`${this.name} has no classes yet`);
    return tf.tidy(() => {
      const w = this.weights.length === 1 ? this.weights[0] : tf.concat(this.weights, 0);
      const out = matMul2d(features, w as tf.Tensor2D, false, true);
      if (this.biases.length === 0) return out;
      return tf.add(out, this.biases.length === 1 ? this.biases[0] : tf.concat(this.biases, 0)) as tf.Tensor2D;
    });
  }

  dispose(): void {
    tf.dispose([...this.weights, ...this.biases]);
  }
}

export class PetModule {
  readonly classifier: BlockClassifier;

  constructor(
    readonly id: string,
    private readonly model: BackboneModel,
    readonly method: AttachedMethod,
  ) {
    this.classifier = new BlockClassifier(model.shape, classifierInitStd(model), id);
  }

  /** Logits over the classifier's rows for a batch; under a gradient tape when training. */
  logits(batch: AnyBatchTensors): tf.Tensor2D {
    return tf.tidy(() => this.classifier.logits(featuresOf(this.model, batch, this.method)));
  }

  features(batch: AnyBatchTensors): tf.Tensor2D {
    return featuresOf(this.model, batch, this.method);
  }

  /** The method's groups and the classifier as "head". */
  get paramGroups(): ParamGroup[] {
    return [...this.method.paramGroups, { name: 'head', variables: this.classifier.variables }];
  }

  get trainableElements(): number {
    return this.paramGroups.reduce((n, g) => n + g.variables.reduce((k, v) => k + v.size, 0), 0);
  }

  dispose(): void {
    this.classifier.dispose();
    this.method.dispose();
  }
}
