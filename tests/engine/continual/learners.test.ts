import { beforeAll, describe, expect, it } from 'vitest';
import { loadBaseCheckpoint, type BaseCheckpoint } from '../../../src/engine/experiment/base-model';
import { modelSource, readDataFile } from '../../../src/cli/node-env';
import { taskById } from '../../../src/engine/data/tasks';
import { createRng } from '../../../src/engine/data/rng';
import { buildModel } from '../../../src/engine/models/families';
import { parseExperimentSpec } from '../../../src/engine/experiment/spec';
import { buildTaskStream, type ContinualExample, type TaskStream } from '../../../src/engine/continual/streams';
import { DynamicLearner } from '../../../src/engine/continual/dynamic-learner';
import { SingleModuleLearner } from '../../../src/engine/continual/single-module-learner';
import { hostLogits, type LearnerContext } from '../../../src/engine/continual/learner';
import { tf } from '../../../src/engine/tf';
import { useWasmBackend } from '../node-backend';

/**
 * The learners on the real tiny-vit and Split-MNIST, with a few batches per task: teacher
 * forcing, the logit cache (exact, and never used for a module still training), EMR's memory.
 */

let vit: BaseCheckpoint;
let stream: TaskStream;

beforeAll(async () => {
  await useWasmBackend();
  vit = await loadBaseCheckpoint(modelSource('tiny-vit'));
  stream = buildTaskStream(taskById('split-mnist'), await readDataFile('mnist.json'), vit, 64, 1);
});

const NO_CONTROL = { stopped: () => false, waitWhilePaused: async () => {} };

function context(continual: Record<string, unknown>, seed = 1): LearnerContext {
  const spec = parseExperimentSpec({ model: 'tiny-vit', task: 'split-mnist', methods: [{ name: 'lora', options: { r: 4 } }], batchSize: 4, seed, continual });
  return { stream, settings: spec.continual, spec, method: spec.methods[0], base: vit, model: buildModel(vit.model, vit.weights), rng: createRng(seed), control: NO_CONTROL, onLoss: () => {} };
}

function dispose(ctx: LearnerContext, learner: { dispose(): void }): void {
  learner.dispose();
  ctx.model.dispose();
}

/** The first `n` test examples of each of tasks 0…last. */
function testRows(last: number, n: number): ContinualExample[] {
  return stream.tasks.slice(0, last + 1).flatMap((t) => t.test.slice(0, n));
}

describe('Dynamic ConPET: module selection', () => {
  it('teacher forcing keeps the true module among the top-t in training, and only replaces the lowest pick', async () => {
    const ctx = context({ topT: 2, batchesPerTask: 2, selectorBatches: 2 });
    const learner = new DynamicLearner('dynamic', ctx);
    try {
      for (let k = 0; k <= 2; k++) await learner.learnTask(k);
      const rows = testRows(2, 8);
      const free = (await learner.activeModules(rows, 2, false)).active;
      const forced = (await learner.activeModules(rows, 2, true)).active;
      let replaced = 0;
      rows.forEach((row, i) => {
        expect(new Set(free[i]).size).toBe(2);
        expect(forced[i]).toContain(row.task);
        if (free[i].includes(row.task)) expect(forced[i]).toEqual(free[i]);
        else {
          expect(forced[i]).toEqual([free[i][0], row.task]);
          replaced++;
        }
      });
      // A selector trained for two batches misses some rows' tasks: the replacement was exercised.
      expect(replaced).toBeGreaterThan(0);
      // t = 1 in training: the row's own module alone.
      const ctx1 = context({ topT: 1 });
      const one = new DynamicLearner('dynamic', ctx1);
      expect((await one.activeModules(rows, 2, true)).active).toEqual(rows.map((r) => [r.task]));
      dispose(ctx1, one);
    } finally {
      dispose(ctx, learner);
    }
  });
});

describe('Dynamic ConPET: concatenated logits', () => {
  it("trains on every module's logits concatenated, inactive modules at the constant α", async () => {
    const alpha = -3;
    const ctx = context({ topT: 1, batchesPerTask: 1, selectorBatches: 1, lowLogit: alpha });
    const learner = new DynamicLearner('dynamic', ctx);
    try {
      await learner.learnTask(0);
      await learner.learnTask(1);
      const rows = [stream.tasks[0].train[0], stream.tasks[1].train[0], stream.tasks[1].train[1], stream.tasks[0].train[7]];
      const prepared = await learner.prepareModuleBatch(1, rows);
      const loss = prepared.loss ? (await prepared.loss().data())[0] : NaN;
      prepared.dispose();
      // Independently: each row's own module's logits (t = 1, teacher forced), α for the other
      // task's two classes, cross-entropy in float64, averaged.
      let sum = 0;
      for (const row of rows) {
        const own = (await hostLogits(ctx, learner.taskModules[row.task], [row]))[0];
        const scores = row.task === 0 ? [own[0], own[1], alpha, alpha] : [alpha, alpha, own[0], own[1]];
        const max = Math.max(...scores);
        const logSum = max + Math.log(scores.reduce((a, x) => a + Math.exp(x - max), 0));
        sum += logSum - scores[row.label];
      }
      expect(Math.abs(loss - sum / rows.length)).toBeLessThan(1e-4);
    } finally {
      dispose(ctx, learner);
    }
  });
});

describe('Dynamic ConPET: logit cache', () => {
  it('serves exactly what the frozen module computes, and never changes a prediction', async () => {
    const settings = { topT: 2, batchesPerTask: 2, selectorBatches: 2 };
    const ctxCached = context({ ...settings, cache: true });
    const ctxPlain = context({ ...settings, cache: false });
    const cached = new DynamicLearner('dynamic', ctxCached);
    const plain = new DynamicLearner('dynamic', ctxPlain);
    try {
      const costCached: number[] = [];
      const costPlain: number[] = [];
      for (let k = 0; k <= 2; k++) {
        costCached.push((await cached.learnTask(k)).computedExamples);
        costPlain.push((await plain.learnTask(k)).computedExamples);
      }
      const rows = testRows(2, 6);
      const module0 = cached.taskModules[0];
      const first = await cached.frozenLogits(module0, cached.moduleId(0), rows);
      const again = await cached.frozenLogits(module0, cached.moduleId(0), rows);
      expect(again.computed).toBe(0);
      // Recomputed outside the cache, on the learner trained the same way without one.
      const fresh = await hostLogits(ctxPlain, plain.taskModules[0], rows);
      rows.forEach((_, i) => {
        expect(Array.from(again.logits[i])).toEqual(Array.from(first.logits[i]));
        for (let j = 0; j < fresh[i].length; j++) expect(Math.abs(again.logits[i][j] - fresh[i][j])).toBeLessThan(1e-5);
      });
      expect(Array.from(await cached.predict(rows, 2))).toEqual(Array.from(await plain.predict(rows, 2)));
      // Never more work with the cache; a second evaluation of the same rows runs nothing new.
      expect(costCached.reduce((a, b) => a + b)).toBeLessThanOrEqual(costPlain.reduce((a, b) => a + b));
      const before = cached.cache.stats();
      await cached.predict(rows, 2);
      const after = cached.cache.stats();
      expect(after.misses).toBe(before.misses);
      expect(after.hits).toBeGreaterThan(before.hits);
    } finally {
      dispose(ctxCached, cached);
      dispose(ctxPlain, plain);
    }
  });

  it('is never read for a module while it trains', async () => {
    const ctx = context({ topT: 2, batchesPerTask: 2, selectorBatches: 2 });
    const learner = new DynamicLearner('dynamic', ctx);
    const reads: { task: number; module: string; frozen: boolean }[] = [];
    let training = -1;
    const get = learner.cache.get.bind(learner.cache);
    learner.cache.get = (moduleId, exampleId) => {
      reads.push({ task: training, module: moduleId, frozen: learner.cache.isFrozen(moduleId) });
      return get(moduleId, exampleId);
    };
    try {
      for (let k = 0; k <= 3; k++) {
        training = k;
        await learner.learnTask(k);
      }
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) {
        expect(read.frozen).toBe(true);
        expect(read.module).not.toBe(learner.moduleId(read.task));
      }
      // Frozen task modules and the selector of the task being learned (after its phase) were read.
      expect(reads.some((r) => r.module === learner.selectorId(r.task))).toBe(true);
      expect(reads.some((r) => r.module === learner.moduleId(0) && r.task > 0)).toBe(true);
    } finally {
      dispose(ctx, learner);
    }
  });
});

describe('EMR memory', () => {
  it('keeps memoryPerClass representatives of every class seen, drawn from its training examples', async () => {
    const ctx = context({ memoryPerClass: 3, batchesPerTask: 2 });
    const learner = new SingleModuleLearner('emr', ctx);
    try {
      await learner.learnTask(0);
      await learner.learnTask(1);
      const memory = learner.memoryExamples;
      expect(memory).toHaveLength(12);
      for (let label = 0; label < 4; label++) {
        const kept = memory.filter((e) => e.label === label);
        expect(kept).toHaveLength(3);
        expect(new Set(kept.map((e) => e.id)).size).toBe(3);
        const task = stream.tasks[Math.floor(label / 2)];
        for (const e of kept) expect(task.train).toContain(e);
      }
    } finally {
      dispose(ctx, learner);
    }
  });
});

describe('memory hygiene', () => {
  it('a learner frees every tensor it made', async () => {
    const before = tf.memory().numTensors;
    const ctx = context({ topT: 2, batchesPerTask: 1, selectorBatches: 1 });
    const learner = new DynamicLearner('dynamic', ctx);
    for (let k = 0; k <= 2; k++) await learner.learnTask(k);
    await learner.predict(testRows(2, 2), 2);
    dispose(ctx, learner);
    expect(tf.memory().numTensors).toBe(before);
  });
});
