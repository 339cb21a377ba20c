import { tf } from '../tf';
import { disposeBatch } from '../train/batch-tensors';
import { LogitCache } from './logit-cache';
import { argmaxRows, createModule, hostLogits, meanNll, optimizerFor, trainPhase, upload, type Learner, type LearnerContext, type PreparedBatch, type TaskTraining } from './learner';
import type { PetModule } from './pet-module';
import { Cycler, ReplayBatcher } from './replay';
import type { ContinualExample } from './streams';

/**
 * Dynamic ConPET (paper §III-C, Algorithm 1) and its "Limitless" upper bound. A task-specific PET
 * module M_j per task and a module selector (itself a PET module whose classifier predicts the
 * task). At task k:
 * 1. the selector's classifier grows by one row (dimension expansion) and it trains for iter1
 *    batches (new + replayed old examples) to predict the task id;
 * 2. M_k is created and trains for iter2 batches: each row activates its top-t modules by the
 *    selector's score, with teacher forcing (the row's true module is always active); inactive
 *    modules' classes get the constant low logit α; the logits of all modules are concatenated and
 *    the cross-entropy is over every class seen. Only M_k updates.
 * Frozen modules (M_j, j < k, and the selector once its phase is over) are served by the logit
 * cache. Limitless drops the batch limit: both phases pass over all data seen so far.
 */
export class DynamicLearner implements Learner {
  readonly cache: LogitCache;
  private readonly selector: PetModule;
  private readonly modules: PetModule[] = [];

  constructor(
    readonly strategy: 'dynamic' | 'limitless',
    private readonly ctx: LearnerContext,
  ) {
    this.cache = new LogitCache(ctx.settings.cache);
    this.selector = createModule('selector', ctx);
  }

  /** The task modules trained so far, M_0 … M_k. */
  get taskModules(): readonly PetModule[] {
    return this.modules;
  }

  /** The selector changes at every task, so its cache entries are per task. */
  selectorId(task: number): string {
    return `selector@${task}`;
  }

  moduleId(task: number): string {
    return `task${task}`;
  }

  /**
   * Batches of each phase: the limits (Dynamic), or epochs over all seen data (Limitless). The
   * first task has no selector phase: with one task seen there is nothing to tell apart (its
   * one-way classifier row is still added, so the selector has a row per task).
   */
  batchesFor(task: number): { selector: number; module: number } {
    const { settings, stream, spec } = this.ctx;
    if (this.strategy === 'dynamic') return { selector: task === 0 ? 0 : settings.selectorBatches, module: settings.batchesPerTask };
    const seen = stream.tasks.slice(0, task + 1).reduce((n, t) => n + t.train.length, 0);
    const n = Math.ceil((settings.limitlessEpochs * seen) / spec.batchSize);
    return { selector: task === 0 ? 0 : n, module: n };
  }

  private rowSource(task: number, phase: string): () => ContinualExample[] {
    const { stream, spec, settings, rng } = this.ctx;
    const r = rng.fork(`${phase}:${task}`);
    if (this.strategy === 'limitless') {
      const all = new Cycler(stream.tasks.slice(0, task + 1).flatMap((t) => t.train), r);
      return () => all.take(spec.batchSize);
    }
    const history = stream.tasks.slice(0, task).map((t) => t.train);
    const batcher = new ReplayBatcher(stream.tasks[task].train, { kind: 'history', tasks: history }, spec.batchSize, settings.oldPerNew, r);
    return () => batcher.next();
  }

  async learnTask(task: number): Promise<TaskTraining> {
    const { ctx } = this;
    const n = this.batchesFor(task);

    // Phase 1: the selector, one more task to tell apart.
    if (task > 0) this.cache.forget(this.selectorId(task - 1));
    this.selector.classifier.addBlock(1, ctx.rng.fork(`selector-row:${task}`));
    const selectorOptimizer = optimizerFor(this.selector.paramGroups, ctx.spec);
    let first;
    try {
      first = await trainPhase(ctx, task, 'selector', selectorOptimizer, n.selector, this.rowSource(task, 'selector'), async (rows) => {
        const batch = upload(ctx, rows, (e) => e.task);
        const labels = Int32Array.from(rows, (r) => r.task);
        return { loss: () => meanNll(this.selector.logits(batch), labels), computed: rows.length, dispose: () => disposeBatch(batch) };
      });
    } finally {
      selectorOptimizer.dispose();
    }
    this.cache.freeze(this.selectorId(task));

    // Phase 2: the task's own module.
    const module = createModule(this.moduleId(task), ctx);
    module.classifier.addBlock(ctx.stream.tasks[task].info.classes.length, ctx.rng.fork(`classifier:${task}`));
    this.modules.push(module);
    const moduleOptimizer = optimizerFor(module.paramGroups, ctx.spec);
    let second;
    try {
      second = await trainPhase(ctx, task, 'module', moduleOptimizer, n.module, this.rowSource(task, 'module'), (rows) => this.prepareModuleBatch(task, rows));
    } finally {
      moduleOptimizer.dispose();
    }
    this.cache.freeze(this.moduleId(task));
    return {
      batches: n.selector + n.module,
      examples: first.examples + second.examples,
      computedExamples: first.computed + second.computed,
      loss: second.loss,
    };
  }

  /**
   * The modules active for each row: its top-t tasks by the selector (tasks 0…lastTask); with
   * teacher forcing the row's own task replaces the lowest-ranked pick if the selector missed it.
   * With t = 1 and teacher forcing that is the row's own task alone, and the selector is not run.
   */
  async activeModules(rows: readonly ContinualExample[], lastTask: number, teacherForcing: boolean): Promise<{ active: number[][]; computed: number }> {
    const t = this.ctx.settings.topT;
    if (t > lastTask) return { active: rows.map(() => Array.from({ length: lastTask + 1 }, (_, j) => j)), computed: 0 };
    if (t === 1 && teacherForcing) return { active: rows.map((r) => [r.task]), computed: 0 };
    const { logits, computed } = await this.frozenLogits(this.selector, this.selectorId(lastTask), rows);
    const active = rows.map((row, i) => {
      const picks = Array.from(logits[i], (score, j) => [score, j] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, t)
        .map(([, j]) => j);
      if (teacherForcing && !picks.includes(row.task)) picks[t - 1] = row.task;
      return picks;
    });
    return { active, computed };
  }

  /** Logits of a frozen module for rows: cached ones served, the rest computed (and cached). */
  async frozenLogits(module: PetModule, id: string, rows: readonly ContinualExample[]): Promise<{ logits: Float32Array[]; computed: number }> {
    const out: Float32Array[] = new Array(rows.length);
    const missing: number[] = [];
    rows.forEach((row, i) => {
      const hit = this.cache.enabled ? this.cache.get(id, row.id) : undefined;
      if (hit) out[i] = hit;
      else missing.push(i);
    });
    if (missing.length > 0) {
      const started = performance.now();
      const computed = await hostLogits(this.ctx, module, missing.map((i) => rows[i]));
      this.cache.computed(missing.length, performance.now() - started);
      missing.forEach((i, m) => {
        out[i] = computed[m];
        if (this.cache.enabled) this.cache.put(id, rows[i].id, computed[m]);
      });
    }
    return { logits: out, computed: missing.length };
  }

  /**
   * The host part of concatenated logits [rows, classes of tasks 0…lastTask]: α everywhere, then
   * each frozen module's logits in its rows and columns (modules `skip` and up are left at α).
   */
  private async frozenScores(rows: readonly ContinualExample[], active: number[][], lastTask: number, skip: number): Promise<{ scores: Float32Array; width: number; computed: number }> {
    const tasks = this.ctx.stream.tasks;
    const width = tasks[lastTask].classOffset + tasks[lastTask].info.classes.length;
    const scores = new Float32Array(rows.length * width).fill(this.ctx.settings.lowLogit);
    let computed = 0;
    for (let j = 0; j < Math.min(skip, this.modules.length); j++) {
      const mine = rows.map((_, i) => i).filter((i) => active[i].includes(j));
      if (mine.length === 0) continue;
      const result = await this.frozenLogits(this.modules[j], this.moduleId(j), mine.map((i) => rows[i]));
      computed += result.computed;
      mine.forEach((i, m) => scores.set(result.logits[m], i * width + tasks[j].classOffset));
    }
    return { scores, width, computed };
  }

  /** One batch of phase 2: frozen modules from the cache, M_task with gradients on its active rows. */
  async prepareModuleBatch(task: number, rows: ContinualExample[]): Promise<PreparedBatch> {
    const selection = await this.activeModules(rows, task, true);
    const fixed = await this.frozenScores(rows, selection.active, task, task);
    const mine = rows.map((_, i) => i).filter((i) => selection.active[i].includes(task));
    const labels = Int32Array.from(rows, (r) => r.label);
    const computed = selection.computed + fixed.computed + mine.length;
    if (mine.length === 0) return { loss: null, computed, dispose: () => {} };
    const batch = upload(this.ctx, mine.map((i) => rows[i]));
    const module = this.modules[task];
    const offset = this.ctx.stream.tasks[task].classOffset;
    const alpha = this.ctx.settings.lowLogit;
    return {
      loss: () =>
        tf.tidy(() => {
          // Row i of `placement` picks M_task's logits for the batch row it belongs to; its columns
          // are the last ones (the newest task's classes), where `fixed` holds α for every row.
          const placement = new Float32Array(rows.length * mine.length);
          mine.forEach((i, m) => (placement[i * mine.length + m] = 1));
          const own = tf.sub(module.logits(batch), alpha);
          const placed = tf.matMul(tf.tensor2d(placement, [rows.length, mine.length]), own);
          const total = tf.add(tf.tensor2d(fixed.scores, [rows.length, fixed.width]), tf.pad(placed, [[0, 0], [offset, 0]])) as tf.Tensor2D;
          return meanNll(total, labels);
        }),
      computed,
      dispose: () => disposeBatch(batch),
    };
  }

  async predict(examples: readonly ContinualExample[], lastTask: number): Promise<Int32Array> {
    const { active } = await this.activeModules(examples, lastTask, false);
    const { scores, width } = await this.frozenScores(examples, active, lastTask, lastTask + 1);
    return argmaxRows(Array.from({ length: examples.length }, (_, i) => scores.subarray(i * width, (i + 1) * width)));
  }

  trainableElements(): number {
    return this.selector.trainableElements + this.modules.reduce((n, m) => n + m.trainableElements, 0);
  }

  dispose(): void {
    this.selector.dispose();
    for (const m of this.modules) m.dispose();
  }
}
