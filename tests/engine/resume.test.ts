import { describe, it, expect, beforeAll } from 'vitest';
import { tf } from '../../src/engine/tf';
import { useWasmBackend } from './node-backend';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { DEFAULT_SPEC, parseExperimentSpec, type ExperimentSpec } from '../../src/engine/experiment/spec';
import { runExperiment, type RunControl } from '../../src/engine/experiment/runner';
import type { RunEvent } from '../../src/engine/experiment/events';
import type { TrainingSnapshot } from '../../src/engine/experiment/checkpoint-state';
import { TrainingFault } from '../../src/engine/experiment/faults';

beforeAll(async () => {
  await useWasmBackend();
});

const K = 4;

function specOf(overrides: Record<string, unknown> = {}): ExperimentSpec {
  return parseExperimentSpec({
    model: 'tiny-gpt2',
    task: 'lm-spam',
    methods: [
      { name: 'prompt', options: { length: 4 } },
      { name: 'lora', options: { r: 2 } },
    ],
    steps: 2 * K,
    batchSize: 2,
    seqLen: 16,
    seed: 11,
    logEvery: 1,
    eval: { every: 0, maxBatches: 1 },
    ...overrides,
  });
}

interface Recorded {
  losses: Map<string, Array<{ step: number; loss: number }>>;
  checkpoints: TrainingSnapshot[];
}

async function train(spec: ExperimentSpec, resume?: TrainingSnapshot, control?: RunControl): Promise<Recorded> {
  const losses = new Map<string, Array<{ step: number; loss: number }>>();
  const checkpoints: TrainingSnapshot[] = [];
  const record = (e: RunEvent) => {
    if (e.type === 'step') losses.set(e.runId, [...(losses.get(e.runId) ?? []), { step: e.step, loss: e.loss }]);
  };
  await runExperiment(spec, nodeRunnerEnv, record, control, {
    ...(resume ? { resume } : {}),
    onCheckpoint: (s) => checkpoints.push(s),
    // Every K steps, never by wall time: the test decides where the checkpoints fall.
    checkpointCadence: { everySteps: K, everyMs: Number.POSITIVE_INFINITY, maxOverheadShare: 0 },
  });
  return { losses, checkpoints };
}

function tensorsOf(snapshot: TrainingSnapshot): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const run of snapshot.runs) {
    for (const slot of run.trainer.optimizer.slots) {
      out.set(`${run.runId} ${slot.name}`, slot.value);
      out.set(`${run.runId} ${slot.name} m`, slot.m);
      out.set(`${run.runId} ${slot.name} v`, slot.v);
    }
  }
  return out;
}

describe('training resumes exactly from a checkpoint', () => {
  it('k steps → checkpoint → new run resumed → k more: the same losses and final weights as 2k straight, no tensor leaks', async () => {
    const spec = specOf();
    const tensorsBefore = tf.memory().numTensors;
    const straight = await train(spec);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    // The untrained state, the confirmed step-K checkpoint, and the final state.
    expect(straight.checkpoints.map((c) => c.step)).toEqual([0, K, 2 * K]);
    const atK = straight.checkpoints[1];
    expect(atK.runs.map((r) => [r.runId, r.trainer.stepIndex, r.trainer.optimizer.stepCount])).toEqual([
      ['0:prompt', K, K],
      ['1:lora', K, K],
    ]);

    const resumed = await train(spec, atK);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    for (const runId of ['0:prompt', '1:lora']) {
      const expected = straight.losses.get(runId)?.filter((p) => p.step > K);
      expect(expected?.map((p) => p.step)).toEqual([5, 6, 7, 8]);
      // Exactly equal: same kernels on the same inputs in the same order.
      expect(resumed.losses.get(runId), runId).toEqual(expected);
    }
    const finalStraight = tensorsOf(straight.checkpoints.at(-1)!);
    const finalResumed = tensorsOf(resumed.checkpoints.at(-1)!);
    expect([...finalResumed.keys()]).toEqual([...finalStraight.keys()]);
    expect(finalStraight.size).toBeGreaterThan(6);
    for (const [name, values] of finalStraight) {
      const other = finalResumed.get(name)!;
      let maxDiff = 0;
      for (let i = 0; i < values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(values[i] - other[i]));
      expect(maxDiff, name).toBe(0);
    }
    // The weights did move between K and 2K (the comparison is not of two untouched copies).
    const loraAtK = tensorsOf(atK);
    const [someLora] = [...finalStraight.keys()].filter((k) => k.startsWith('1:lora') && !k.endsWith(' m') && !k.endsWith(' v'));
    expect(finalStraight.get(someLora)).not.toEqual(loraAtK.get(someLora));
  }, 120_000);

  it('refuses a checkpoint of another experiment, naming the run and the tensor, and leaks nothing', async () => {
    const { checkpoints } = await train(specOf({ steps: 1 }));
    const snapshot = checkpoints[0];
    const tensorsBefore = tf.memory().numTensors;
    const otherRank = specOf({ methods: [{ name: 'prompt', options: { length: 4 } }, { name: 'lora', options: { r: 4 } }] });
    await expect(runExperiment(otherRank, nodeRunnerEnv, () => {}, undefined, { resume: snapshot })).rejects.toThrow(/run 1:lora: tensor ".*lora.*" has shape \[.*2.*\] in the checkpoint but \[.*4.*\] here/);
    const otherMethods = specOf({ methods: [{ name: 'lora', options: { r: 2 } }, { name: 'prompt', options: { length: 4 } }] });
    await expect(runExperiment(otherMethods, nodeRunnerEnv, () => {}, undefined, { resume: snapshot })).rejects.toThrow(/run 0:lora: the checkpoint holds run 0:prompt/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 60_000);
});

describe('a NaN loss pauses the run at the last good checkpoint', () => {
  it('an absurd learning rate diverges: a nan fault naming the run and step, with a checkpoint from before; resuming with a sane rate finishes', async () => {
    // AdamW at LR 10 with weight decay 1 multiplies every weight by −9 per step: LoRA's B·A overflows within 30 steps.
    const diverging = { kind: 'adamw', lr: { lora: 10 }, weightDecay: 1, clipNorm: null };
    const spec = specOf({ methods: [{ name: 'lora', options: { r: 2 } }], optimizer: diverging, schedule: { kind: 'constant', warmupSteps: 0 }, steps: 30 });
    const checkpoints: TrainingSnapshot[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const lossAt = new Map<number, number>();
    const failure = await runExperiment(spec, nodeRunnerEnv, (e) => void (e.type === 'step' && lossAt.set(e.step, e.loss)), undefined, {
      onCheckpoint: (s) => checkpoints.push(s),
      checkpointCadence: { everySteps: 1, everyMs: Number.POSITIVE_INFINITY, maxOverheadShare: 0 },
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(failure).toBeInstanceOf(TrainingFault);
    const fault = failure as TrainingFault;
    expect(fault.kind).toBe('nan');
    expect(fault.runId).toBe('0:lora');
    expect(fault.message).toMatch(/learning rate/);
    // The checkpoint offered is one whose weights produced a finite loss.
    expect(fault.checkpointStep).toBe(checkpoints.at(-1)!.step);
    expect(fault.checkpointStep).toBeLessThan(fault.step - 1);

    // The loss does not show the divergence: layer norms keep it finite and flat while the
    // weights grow ×9 per step. The checkpoint offered is from before the weights passed 1e6,
    // not merely from before the NaN. (How many steps the NaN takes to come depends on rounding:
    // Adam turns gradients that are pure rounding noise into full-size steps here. The plain
    // tfjs composition took ~20; the fused blocks, whose float32 rounding differs, take ~8.)
    const lossesUpToFault = [...lossAt.values()];
    expect(Math.max(...lossesUpToFault)).toBeLessThan(3 * lossAt.get(1)!);
    const offered = checkpoints.at(-1)!;
    const largest = Math.max(...offered.runs.flatMap((r) => r.trainer.optimizer.slots.map((s) => s.value.reduce((m, x) => Math.max(m, Math.abs(x)), 0))));
    expect(largest).toBeLessThanOrEqual(1e6);
    expect(largest).toBeGreaterThan(1);

    // What the fault notice's "Resume with the default learning rates" does: the same optimizer
    // (AdamW, weight decay 1), the default rates.
    const sane = specOf({ methods: [{ name: 'lora', options: { r: 2 } }], optimizer: { ...diverging, lr: DEFAULT_SPEC.optimizer.lr }, schedule: { kind: 'constant', warmupSteps: 0 }, steps: 30 });
    const events: RunEvent[] = [];
    const summaries = await runExperiment(sane, nodeRunnerEnv, (e) => events.push(e), undefined, { resume: checkpoints.at(-1)! });
    expect(summaries[0].steps).toBe(30);
    const steps = events.filter((e): e is Extract<RunEvent, { type: 'step' }> => e.type === 'step');
    expect(steps[0].step).toBe(fault.checkpointStep! + 1);
    expect(steps.every((s) => Number.isFinite(s.loss))).toBe(true);
  }, 60_000);

  it('a lost device reported by the control stops stepping at once as a device-lost fault', async () => {
    let stepsSeen = 0;
    const lost = new TrainingFault('device-lost', 'The GPU device was lost (destroyed)', 0, null);
    const control: RunControl = {
      stopped: () => false,
      waitWhilePaused: async () => {},
      externalFault: () => (stepsSeen >= 3 ? lost : null),
    };
    const events: RunEvent[] = [];
    const error = await runExperiment(specOf(), nodeRunnerEnv, (e) => {
      events.push(e);
      if (e.type === 'step') stepsSeen++;
    }, control).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingFault);
    expect((error as TrainingFault).kind).toBe('device-lost');
    expect((error as TrainingFault).message).toBe(lost.message);
    // Noticed right after run 1:lora's step 2 (before its metrics went out): the fault names where stepping stopped.
    expect([(error as TrainingFault).step, (error as TrainingFault).runId]).toEqual([2, '1:lora']);
    // Two runs alternate: the check after the fourth step stops everything before its event.
    expect(events.filter((e) => e.type === 'step').length).toBe(3);
    expect(events.some((e) => e.type === 'run-end')).toBe(false);
  }, 60_000);
});
