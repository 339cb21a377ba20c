import { tf } from '../tf';
import type { LogitCache } from './logit-cache';
import { memoryRepresentatives } from './emr-memory';
import { argmaxRows, createModule, hostLogits, meanNll, optimizerFor, trainPhase, upload, withBatch, type Learner, type LearnerContext, type TaskTraining } from './learner';
import type { PetModule } from './pet-module';
import { ReplayBatcher, type OldSource } from './replay';
import type { ContinualExample } from './streams';
import { disposeBatch } from '../train/batch-tensors';

type SingleStrategy = 'sequential' | 'emr' | 'static';

/**
 * The strategies with one PET module for the whole stream, its classifier growing by the new
 * task's classes at every task; they differ only in where a batch's old rows come from:
 * - sequential: none (the lower bound: it forgets);
 * - EMR: a fixed memory per class, chosen by K-Means on features after each task;
 * - Static ConPET: all past data, hierarchically sampled (dynamic replay).
 * Every task trains `batchesPerTask` batches, so the cost per task is constant.
 */
export class SingleModuleLearner implements Learner {
  readonly cache: LogitCache | null = null;
  private readonly module: PetModule;
  /** EMR's memory: representatives of every class seen. */
  private readonly memory: ContinualExample[] = [];

  constructor(
    readonly strategy: SingleStrategy,
    private readonly ctx: LearnerContext,
  ) {
    this.module = createModule('module', ctx);
  }

  private oldSource(task: number): OldSource<ContinualExample> {
    if (this.strategy === 'emr') return { kind: 'memory', pool: this.memory };
    if (this.strategy === 'static') return { kind: 'history', tasks: this.ctx.stream.tasks.slice(0, task).map((t) => t.train) };
    return { kind: 'none' };
  }

  async learnTask(task: number): Promise<TaskTraining> {
    const { ctx } = this;
    const current = ctx.stream.tasks[task];
    this.module.classifier.addBlock(current.info.classes.length, ctx.rng.fork(`classifier:${task}`));
    const batcher = new ReplayBatcher(current.train, this.oldSource(task), ctx.spec.batchSize, ctx.settings.oldPerNew, ctx.rng.fork(`batches:${task}`));
    const optimizer = optimizerFor(this.module.paramGroups, ctx.spec);
    let result;
    try {
      result = await trainPhase(ctx, task, 'module', optimizer, ctx.settings.batchesPerTask, () => batcher.next(), async (rows) => {
        const batch = upload(ctx, rows);
        const labels = Int32Array.from(rows, (r) => r.label);
        return { loss: () => meanNll(this.module.logits(batch), labels), computed: rows.length, dispose: () => disposeBatch(batch) };
      });
    } finally {
      optimizer.dispose();
    }
    if (this.strategy === 'emr') await this.remember(task);
    return { batches: ctx.settings.batchesPerTask, examples: result.examples, computedExamples: result.computed, loss: result.loss };
  }

  /** Adds each new class's K-Means representatives (on the features after this task) to the memory. */
  private async remember(task: number): Promise<void> {
    const { ctx } = this;
    const current = ctx.stream.tasks[task];
    const classes = current.info.classes.length;
    for (let c = 0; c < classes; c++) {
      const label = current.classOffset + c;
      const examples = current.train.filter((e) => e.label === label);
      const features: Float32Array[] = [];
      for (let i = 0; i < examples.length; i += ctx.spec.batchSize) {
        // Features of every example of the class, then K-Means: seconds per class on a slow GPU.
        ctx.onPhase?.(
          `choosing EMR's memory for task ${task + 1}: features of class ${current.info.classes[c]} (${c + 1} of ${classes}), ${i} of ${examples.length} examples`,
          (c + (0.9 * i) / Math.max(1, examples.length)) / classes,
        );
        const chunk = examples.slice(i, i + ctx.spec.batchSize);
        const f = withBatch(ctx, chunk, (batch) => tf.tidy(() => this.module.features(batch)));
        const data = (await f.data()) as Float32Array;
        const d = f.shape[1];
        f.dispose();
        chunk.forEach((_, r) => features.push(data.slice(r * d, (r + 1) * d)));
      }
      ctx.onPhase?.(`choosing EMR's memory for task ${task + 1}: K-Means over class ${current.info.classes[c]} (${c + 1} of ${classes})`, (c + 0.9) / classes);
      const seed = ctx.rng.fork(`memory:${label}`).nextU32();
      for (const i of memoryRepresentatives(features, ctx.settings.memoryPerClass, seed)) this.memory.push(examples[i]);
    }
  }

  /** The memory's examples (EMR), for tests and the UI. */
  get memoryExamples(): readonly ContinualExample[] {
    return this.memory;
  }

  async predict(examples: readonly ContinualExample[]): Promise<Int32Array> {
    return argmaxRows(await hostLogits(this.ctx, this.module, examples));
  }

  trainableElements(): number {
    return this.module.trainableElements;
  }

  dispose(): void {
    this.module.dispose();
  }
}
