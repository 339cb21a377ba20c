import type { tf } from '../tf';
import type { BackboneModel } from '../models/model';
import type { ModelHooks } from '../models/hooks';
import { Gpt2Model } from '../models/gpt2';
import { VitModel } from '../models/vit';
import { T5Model } from '../models/t5';
import type { HostTensor } from '../io/safetensors';
import type { Rng } from '../data/rng';
import type { TaskShape } from '../methods/types';
import type { AnyBatchTensors } from './batch-tensors';
import { ClassifyHead, LmHead } from './heads/text-heads';
import { ImageClassifyHead } from './heads/image-head';
import { Seq2SeqHead } from './heads/seq2seq-head';

export { batchToTensors, disposeBatch, type AnyBatchTensors, type BatchTensors } from './batch-tensors';

/**
 * The task's end of the model: runs the model's forward for a batch (under the method's hooks)
 * and turns it into a loss and evaluation counts. One head per model family and task kind:
 * GPT-2 language modelling and classification, ViT image classification, T5 text-to-text.
 */
export interface TaskHead {
  readonly task: TaskShape;
  /** Trainable head tensors (the "head" parameter group). */
  readonly variables: tf.Variable[];
  /** Mean loss of a batch; `dropoutSeed` null = no dropout. */
  loss(batch: AnyBatchTensors, hooks: ModelHooks, dropoutSeed?: number | null): tf.Scalar;
  /**
   * Sum of losses over `count` loss terms (tokens or examples) and correct predictions out of
   * `examples` (default `count`); `correct` is null where there is no accuracy (language modelling).
   */
  evaluate(batch: AnyBatchTensors, hooks: ModelHooks): { lossSum: tf.Scalar; count: number; correct: tf.Scalar | null; examples?: number };
  /**
   * Logits of each row's prediction: [B, numLabels] for classification, next-token [B, vocab] at
   * the last real position for language modelling. Absent for text-to-text (decode instead).
   */
  logits?(batch: AnyBatchTensors, hooks: ModelHooks): tf.Tensor2D;
  /** Head tensors as saved in an adapter file, under PEFT's names. */
  save(): Promise<Map<string, HostTensor>>;
  /** Names `save` writes, to tell head tensors from method tensors when loading. */
  readonly tensorNames: string[];
  load(tensors: Map<string, HostTensor>): void;
  dispose(): void;
}

export function createTaskHead(model: BackboneModel, task: TaskShape, options: { trainsLmHead: boolean; rng: Rng }): TaskHead {
  if (model instanceof Gpt2Model) {
    if (task.kind === 'lm') return new LmHead(model, options.trainsLmHead, task.seqLen);
    if (task.kind === 'classify') return new ClassifyHead(model, task.numLabels, task.seqLen, options.rng);
  } else if (model instanceof VitModel) {
    if (task.kind === 'image-classify') return new ImageClassifyHead(model, task.numLabels, task.seqLen, options.rng);
  } else if (model instanceof T5Model) {
    if (task.kind === 'seq2seq') return new Seq2SeqHead(model, options.trainsLmHead, task);
  }
  throw new Error(`a ${model.family} model has no head for ${task.kind} tasks`);
}
