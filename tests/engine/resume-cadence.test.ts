import { describe, it, expect } from 'vitest';
import { CheckpointKeeper } from '../../src/engine/experiment/checkpoint-state';
import type { MethodRun, MethodRunState } from '../../src/engine/experiment/method-run';

/** A run whose state export takes `captureMs` of the fake clock and holds `value` in its one tensor. */
function fakeRun(clock: { t: number }, captureMs: number, value: () => number): MethodRun {
  return {
    runId: '0:lora',
    async exportState(): Promise<MethodRunState> {
      clock.t += captureMs;
      const v = new Float32Array([value()]);
      return { runId: '0:lora', method: 'lora', wallMs: 0, trainer: { stepIndex: 0, peakBytes: 0, optimizer: { stepCount: 0, slots: [{ name: 'a', shape: [1], value: v, m: v, v }] } } };
    },
  } as unknown as MethodRun;
}

/** A keeper due every step, with one tensor holding `weight()`, and the steps it handed out. */
function everyStepKeeper(weight: () => number): { keeper: CheckpointKeeper; taken: number[] } {
  const clock = { t: 0 };
  const taken: number[] = [];
  const keeper = new CheckpointKeeper([fakeRun(clock, 0, weight)], (s) => taken.push(s.step), { everySteps: 1, everyMs: 1e9, maxOverheadShare: 0 }, 0, () => clock.t);
  return { keeper, taken };
}

describe('checkpoint cadence', () => {
  it('every N steps or T ms, whichever first, but never more than 1/share of the time', async () => {
    const clock = { t: 0 };
    const taken: number[] = [];
    const keeper = new CheckpointKeeper([fakeRun(clock, 0, () => 1)], (s) => taken.push(s.step), { everySteps: 10, everyMs: 5000, maxOverheadShare: 20 }, 0, () => clock.t);
    // By steps: nothing before 10 steps (fast steps), one at 10.
    for (let step = 1; step <= 10; step++) {
      clock.t += 10;
      await keeper.maybeTake(step);
      keeper.confirm(step);
    }
    // Taken at step 10, handed out only once step 11's loss (from step 10's weights) is finite.
    expect(taken).toEqual([]);
    keeper.confirm(11);
    expect(taken).toEqual([10]);
    // By time: slow steps (3 s each) checkpoint every 2 steps.
    await keeper.maybeTake(11);
    clock.t += 3000;
    await keeper.maybeTake(12);
    clock.t += 3000;
    await keeper.maybeTake(13);
    keeper.confirm(14);
    expect(taken).toEqual([10, 13]);

    // An expensive capture (1 s) stretches the interval to 20 s despite everyMs = 5 s.
    const slow = { t: 0 };
    const slowTaken: number[] = [];
    const costly = new CheckpointKeeper([fakeRun(slow, 1000, () => 1)], (s) => slowTaken.push(s.step), { everySteps: 1000, everyMs: 5000, maxOverheadShare: 20 }, 0, () => slow.t);
    await costly.takeInitial();
    costly.confirm(1);
    for (let step = 1; step <= 40; step++) {
      slow.t += 1000;
      await costly.maybeTake(step);
      costly.confirm(step + 1);
    }
    const gaps = slowTaken.slice(1).map((s, i) => s - slowTaken[i]);
    expect(slowTaken[0]).toBe(0);
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(20);
  });

  it('holds a checkpoint until a later finite loss confirms it, and never hands out non-finite weights', async () => {
    let weight = 1;
    const { keeper, taken } = everyStepKeeper(() => weight);
    await keeper.takeInitial();
    expect(keeper.wantsSync).toBe(true);
    expect(taken).toEqual([]);
    keeper.confirm(1);
    expect(taken).toEqual([0]);
    await keeper.maybeTake(1);
    // The loss of step 2 was NaN: confirm is never called, step 1's checkpoint is never handed out.
    expect(keeper.confirmedStep).toBe(0);
    weight = Number.NaN;
    await keeper.takeNow(2);
    expect(taken).toEqual([0]);
    expect(keeper.confirmedStep).toBe(0);
  });

  it('drops a checkpoint whose weights passed 1e6 (diverging, though the loss was finite) and takes a later one', async () => {
    let weight = 0.5;
    const { keeper, taken } = everyStepKeeper(() => weight);
    await keeper.takeInitial();
    keeper.confirm(1);
    weight = 1e6;
    await keeper.maybeTake(1);
    keeper.confirm(2);
    weight = -1.5e6;
    await keeper.maybeTake(2);
    keeper.confirm(3);
    expect(taken).toEqual([0, 1]);
    expect(keeper.confirmedStep).toBe(1);
    // Dropped, not left pending: the next step needs no sync, and a later healthy one is handed out.
    expect(keeper.wantsSync).toBe(false);
    weight = 3;
    await keeper.maybeTake(3);
    keeper.confirm(4);
    expect(taken).toEqual([0, 1, 3]);
  });
});
