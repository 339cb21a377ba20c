import type { z } from 'zod';
import type { tf } from '../tf';
import type { BackboneModel } from '../models/model';
import type { ModelHooks, ModelShape } from '../models/hooks';
import type { Rng } from '../data/rng';
import type { HostTensor } from '../io/safetensors';
import type { ParamPlacement } from './param-placement-parts';

export type MethodName = 'full' | 'head' | 'prompt' | 'lora' | 'dept' | 'deep-prompt' | 'apt' | 'nola';
export type TaskKind = 'lm' | 'classify' | 'image-classify' | 'seq2seq';

/** Where a method's trainable tensors come from, each group with its own learning rate. */
export interface ParamGroup {
  /** e.g. "prompt", "lora", "model", "head"; the spec sets an LR per group name. */
  name: string;
  variables: tf.Variable[];
}

/** What a method trains, split as the UI shows it: the method's own tensors and the task head. */
export interface TrainableCount {
  method: number;
  head: number;
}

/** The task-dependent part every method needs to size itself. */
export interface TaskShape {
  kind: TaskKind;
  /** Classes of a classification head (0 for language modelling; label words for seq2seq). */
  numLabels: number;
  /**
   * Input tokens per example (before any prompt): DePT's s sizes its position-wise update.
   * Images: the patches; text-to-text: the encoder's tokens.
   */
  seqLen: number;
}

/** A method's saved adapter: its config (JSON) and tensors, PEFT-style. */
export interface AdapterFiles {
  config: Record<string, unknown>;
  tensors: Map<string, HostTensor>;
}

export interface AttachedMethod {
  readonly hooks: ModelHooks;
  /** Trainable tensors, by group. The task head is added by the task, not here. */
  readonly paramGroups: ParamGroup[];
  /** If true the task's LM head is an untied trainable copy (head-only training on LM). */
  readonly trainsLmHead?: boolean;
  /** The adapter tensors and config as they would be saved (host copies). */
  saveAdapter(): Promise<AdapterFiles>;
  /** Loads saved tensors into this attached method; validates names and shapes first. */
  loadAdapter(files: AdapterFiles): void;
  /** Folds the update into the base weights (PEFT's merge_adapter); forward is then unchanged. */
  merge?(): void;
  /** Undoes `merge`. */
  unmerge?(): void;
  dispose(): void;
}

/**
 * Everything about a method that needs no tensors: its name, config schema and defaults, exact
 * parameter formulas, placement and why it may not apply. The page (src/ui) works from these
 * alone (methods/catalog.ts), so it never imports tfjs; each lives in `<method>-info.ts`.
 */
export interface MethodInfo<C> {
  name: MethodName;
  title: string;
  /** One sentence for the UI and the CLI. */
  summary: string;
  schema: z.ZodType<C>;
  defaults: C;
  /** Exact trainable-element count, from shapes alone; equals what `attach` creates. */
  trainableParams(model: ModelShape, task: TaskShape, config: C): TrainableCount;
  /**
   * Rows this method prepends to the input (its prompt length), from the config alone, so the
   * runner and the UI can check seqLen + prefix ≤ n_positions before attaching. Absent = 0.
   */
  prefixLength?(config: C): number;
  /**
   * Bytes of the method's trained tensors as its adapter stores them, from shapes alone (the
   * task head apart). Absent = 4 per trainable element (float32); NOLA stores a seed and
   * quantized coefficients instead.
   */
  storedBytes?(model: ModelShape, task: TaskShape, config: C): number;
  /**
   * Where the trainable parameters sit (embeddings, each layer's attention and MLP, head,
   * other), from shapes alone; sums exactly to `trainableParams` (method + head). Absent = the
   * method's count under "other" and the head under "head".
   */
  paramPlacement?(model: ModelShape, task: TaskShape, config: C): ParamPlacement;
  /**
   * Why this configuration cannot run on this model and task (the UI shows it beside the method
   * instead of hiding the method), or null. Absent = always applicable.
   */
  unsupportedReason?(model: ModelShape, task: TaskShape, config: C): string | null;
}

/** A method with its tensor part: `attach` builds its trainable tensors on a model (methods/registry.ts). */
export interface MethodDefinition<C> extends MethodInfo<C> {
  attach(model: BackboneModel, task: TaskShape, config: C, rng: Rng): AttachedMethod;
}

export class AdapterError extends Error {
  override name = 'AdapterError';
}

/** The adapter bytes of a method's own tensors: its `storedBytes`, else float32 per element. */
export function methodStoredBytes<C>(method: MethodInfo<C>, model: ModelShape, task: TaskShape, config: C): number {
  return method.storedBytes ? method.storedBytes(model, task, config) : 4 * method.trainableParams(model, task, config).method;
}

/**
 * Head parameters a task adds on top of any method: GPT2ForSequenceClassification's `score`
 * (no bias), ViTForImageClassification's `classifier` (with bias); language modelling and
 * text-to-text reuse the model's LM head (0).
 */
export function taskHeadParams(model: ModelShape, task: TaskShape): number {
  if (task.kind === 'classify') return task.numLabels * model.hidden;
  if (task.kind === 'image-classify') return task.numLabels * (model.hidden + 1);
  return 0;
}

/** Rows of the LM head that head-only training unties and trains (LM and text-to-text). */
export function lmHeadParams(model: ModelShape): number {
  return model.vocabSize * model.hidden;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
