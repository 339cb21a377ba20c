import { tf } from '../tf';
import type { Rng } from '../data/rng';
import type { BaseCheckpoint } from '../experiment/base-model';
import type { RunControl } from '../experiment/runner';
import type { ExperimentSpec, MethodSpec } from '../experiment/spec';
import { methodByName } from '../methods/registry';
import type { ParamGroup, TaskShape } from '../methods/types';
import type { BackboneModel } from '../models/model';
import { GroupedAdam } from '../train/optimizer';
import { batchToTensors, disposeBatch, type AnyBatchTensors } from '../train/batch-tensors';
import { nll } from '../train/heads/losses';
import type { LogitCache } from './logit-cache';
import { PetModule } from './pet-module';
import type { ContinualSettings, StrategyName } from './settings';
import type { ContinualExample, TaskStream } from './streams';

/** What a strategy needs: the stream, the settings, its own model copy and a seeded rng. */
export interface LearnerContext {
  stream: TaskStream;
  settings: ContinualSettings;
  spec: ExperimentSpec;
  /** The PET method every module of the strategy uses (spec.methods[0]). */
  method: MethodSpec;
  base: BaseCheckpoint;
  model: BackboneModel;
  rng: Rng;
  control: RunControl;
  /** Reports a training loss (every few batches). */
  onLoss(task: number, batch: number, batches: number, loss: number, phase: 'selector' | 'module'): void;
  /** Work between tasks that takes seconds (EMR's memory selection), with the fraction done when known. */
  onPhase?(message: string, fraction: number | null): void;
}

/** What training one task cost. */
export interface TaskTraining {
  batches: number;
  /** Rows in those batches. */
  examples: number;
  /** Rows that ran through the model (the rest were served by the logit cache or need no module). */
  computedExamples: number;
  /** The last reported training loss. */
  loss: number | null;
}

/** One continual-learning strategy: learns tasks in order and predicts over every class seen. */
export interface Learner {
  readonly strategy: StrategyName;
  readonly cache: LogitCache | null;
  learnTask(task: number): Promise<TaskTraining>;
  /** Predicted global class of each example, over the classes of tasks 0…lastTask. */
  predict(examples: readonly ContinualExample[], lastTask: number): Promise<Int32Array>;
  /** Trainable elements now (counted from the variables). */
  trainableElements(): number;
  dispose(): void;
}

/** The TaskShape a stream's PET method sizes itself with (classes of the whole stream). */
export function streamTaskShape(stream: TaskStream): TaskShape {
  return { kind: stream.kind, numLabels: stream.numClasses, seqLen: stream.inputLength };
}

/** Attaches the strategy's PET method to the shared backbone as a new module. */
export function createModule(id: string, ctx: LearnerContext): PetModule {
  const definition = methodByName(ctx.method.name);
  const method = definition.attach(ctx.model, streamTaskShape(ctx.stream), ctx.method.options, ctx.rng.fork(`module:${id}`));
  return new PetModule(id, ctx.model, method);
}

/** Adam over the given groups at the spec's learning rates (constant within a task). */
export function optimizerFor(groups: ParamGroup[], spec: ExperimentSpec): GroupedAdam {
  const withLr = groups
    .filter((g) => g.variables.length > 0)
    .map((g) => {
      const lr = (spec.optimizer.lr as Record<string, number>)[g.name];
      if (lr === undefined) throw new Error(`no learning rate for parameter group "${g.name}"`);
      return { name: g.name, variables: g.variables, lr };
    });
  return new GroupedAdam(withLr, spec.optimizer);
}

/** Mean cross-entropy of `logits` [B, C] against host labels. */
export function meanNll(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => tf.mean(nll(logits, tf.tensor1d(labels, 'int32'))) as tf.Scalar);
}

/** A prepared batch: the loss closure run under the gradient tape, and what to free afterwards. */
export interface PreparedBatch {
  /** null when no trainable module is active for any row (Limitless batches of old tasks only). */
  loss: (() => tf.Scalar) | null;
  /** Rows that ran through the model for this batch. */
  computed: number;
  dispose(): void;
}

/**
 * The training loop of one phase: `batches` optimizer steps on rows from `nextRows`, the loss
 * read back only every few batches (a read waits for the device), stop/pause honoured between
 * batches. Returns rows trained, rows computed and the last loss read.
 */
export async function trainPhase(
  ctx: LearnerContext,
  task: number,
  phase: 'selector' | 'module',
  optimizer: GroupedAdam,
  batches: number,
  nextRows: () => ContinualExample[],
  prepare: (rows: ContinualExample[]) => Promise<PreparedBatch>,
): Promise<{ examples: number; computed: number; loss: number | null }> {
  const reportEvery = Math.max(1, Math.ceil(batches / 10));
  let examples = 0;
  let computed = 0;
  let last: number | null = null;
  for (let i = 0; i < batches; i++) {
    await ctx.control.waitWhilePaused();
    if (ctx.control.stopped()) break;
    const rows = nextRows();
    const prepared = await prepare(rows);
    examples += rows.length;
    computed += prepared.computed;
    const lossOf = prepared.loss;
    if (lossOf === null) {
      prepared.dispose();
      continue;
    }
    let value: tf.Scalar;
    try {
      const result = tf.variableGrads(lossOf, optimizer.variables);
      value = result.value;
      optimizer.apply(result.grads, 1).dispose();
      tf.dispose(result.grads);
    } finally {
      prepared.dispose();
    }
    if ((i + 1) % reportEvery === 0 || i === batches - 1) {
      last = (await value.data())[0];
      ctx.onLoss(task, i + 1, batches, last, phase);
    }
    value.dispose();
  }
  return { examples, computed, loss: last };
}

/** Uploads a packed batch; the caller disposes it. */
export function upload(ctx: LearnerContext, rows: readonly ContinualExample[], labelOf?: (e: ContinualExample) => number): AnyBatchTensors {
  return batchToTensors(ctx.stream.pack(rows, labelOf), ctx.stream.inputLength);
}

/** Runs `f` on an uploaded batch of `rows` and frees the batch. */
export function withBatch<T>(ctx: LearnerContext, rows: readonly ContinualExample[], f: (batch: AnyBatchTensors) => T): T {
  const batch = upload(ctx, rows);
  try {
    return f(batch);
  } finally {
    disposeBatch(batch);
  }
}

/** Host logits [rows × C] of a module with no gradient, in `batchSize` chunks. */
export async function hostLogits(ctx: LearnerContext, module: PetModule, rows: readonly ContinualExample[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const size = ctx.spec.batchSize;
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size);
    const logits = withBatch(ctx, chunk, (batch) => module.logits(batch));
    const data = (await logits.data()) as Float32Array;
    const c = logits.shape[1];
    logits.dispose();
    chunk.forEach((_, r) => out.push(data.slice(r * c, (r + 1) * c)));
  }
  return out;
}

/** Index of the largest value of each row. */
export function argmaxRows(rows: readonly Float32Array[]): Int32Array {
  return Int32Array.from(rows, (row) => {
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    return best;
  });
}
