import type { MethodRun, MethodRunState } from './method-run';
import type { ExperimentSpec } from './spec';

/**
 * A side-by-side experiment's training state after `step` steps: per run, every trainable
 * tensor (method and head, in the optimizer's order, named and shaped), Adam's m and v and step
 * count, the trainer's step index. With it (and the same spec) `runExperiment` continues at step
 * `step + 1` exactly as if it had never stopped: the batch streams are seeded and are replayed
 * host-side, dropout is seeded by the step index. It is plain data (typed arrays), so it crosses
 * postMessage and IndexedDB by structured clone, and it is also the trained adapter state.
 */
export interface TrainingSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** Steps every run has completed. */
  step: number;
  runs: MethodRunState[];
}

export const SNAPSHOT_FORMAT = 'peft-playground/checkpoint';
export const SNAPSHOT_VERSION = 1;

/** Reads every run's state (GPU downloads: callers decide how often, see CheckpointCadence). */
export async function captureSnapshot(runs: readonly MethodRun[], step: number): Promise<TrainingSnapshot> {
  const states: MethodRunState[] = [];
  for (const run of runs) states.push(await run.exportState());
  return { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, step, runs: states };
}

/**
 * Checks a snapshot against the experiment about to resume from it: same runs in the same order
 * with the same methods, a step inside the run. Tensor names and shapes are checked per run by
 * `restoreSnapshot`, before anything is assigned. Throws naming what differs.
 */
export function checkSnapshotFits(snapshot: TrainingSnapshot, spec: ExperimentSpec): void {
  if (snapshot?.format !== SNAPSHOT_FORMAT || snapshot.version !== SNAPSHOT_VERSION) {
    throw new Error(`not a training checkpoint of version ${SNAPSHOT_VERSION} (format ${String(snapshot?.format)}, version ${String(snapshot?.version)})`);
  }
  if (!Number.isInteger(snapshot.step) || snapshot.step < 0 || snapshot.step > spec.steps) {
    throw new Error(`checkpoint step ${snapshot.step} is outside this experiment's 0…${spec.steps} steps`);
  }
  if (snapshot.runs.length !== spec.methods.length) {
    throw new Error(`the checkpoint holds ${snapshot.runs.length} runs, the experiment has ${spec.methods.length} methods`);
  }
  spec.methods.forEach((m, i) => {
    const saved = snapshot.runs[i];
    const runId = `${i}:${m.name}`;
    if (saved.runId !== runId || saved.method !== m.name) throw new Error(`run ${runId}: the checkpoint holds run ${saved.runId} (${saved.method}) in its place`);
    if (saved.trainer.stepIndex !== snapshot.step) throw new Error(`run ${runId}: trained ${saved.trainer.stepIndex} steps, the checkpoint says ${snapshot.step}`);
  });
}

/**
 * Puts a snapshot into freshly built runs. Every run's tensors are validated before the first
 * assignment, so a checkpoint that does not fit leaves every run untouched.
 */
export function restoreSnapshot(runs: readonly MethodRun[], snapshot: TrainingSnapshot): void {
  if (runs.length !== snapshot.runs.length) throw new Error(`the checkpoint holds ${snapshot.runs.length} runs, the experiment has ${runs.length}`);
  // Validation pass: restoreState validates before assigning, but run 2 failing must not leave run 1 restored.
  runs.forEach((run, i) => validateRunState(run, snapshot.runs[i]));
  runs.forEach((run, i) => run.restoreState(snapshot.runs[i]));
}

function validateRunState(run: MethodRun, saved: MethodRunState): void {
  const owner = `run ${run.runId}`;
  if (saved.runId !== run.runId || saved.method !== run.methodName) throw new Error(`${owner}: the checkpoint holds run ${saved.runId} (${saved.method}) in its place`);
  const variables = run.trainer.optimizer.variables;
  const slots = saved.trainer.optimizer.slots;
  if (slots.length !== variables.length) throw new Error(`${owner}: the checkpoint has ${slots.length} trainable tensors, this run has ${variables.length}`);
  variables.forEach((v, i) => {
    const s = slots[i];
    if (s.shape.length !== v.shape.length || s.shape.some((d, k) => d !== v.shape[k])) {
      throw new Error(`${owner}: tensor "${s.name}" has shape [${s.shape.join(', ')}] in the checkpoint but [${v.shape.join(', ')}] here`);
    }
  });
}

/** The first tensor holding NaN or ±Infinity ("run 0:lora, lora/…/A"), or null if all are finite. */
export function firstNonFiniteTensor(snapshot: TrainingSnapshot): string | null {
  for (const run of snapshot.runs) {
    for (const slot of run.trainer.optimizer.slots) {
      for (const values of [slot.value, slot.m, slot.v]) {
        for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return `run ${run.runId}, ${slot.name}`;
      }
    }
  }
  return null;
}

/**
 * The largest weight a checkpoint offered as "good" may hold. Divergence is gradual: a too-large
 * learning rate grows the weights step by step (AdamW at LR 10, weight decay 1: ×9 per step)
 * while layer norms keep the loss finite and flat, until products of weights overflow float32
 * (3.4e38). Resumed at any learning rate, such weights overflow again. Below 1e6, products of
 * two weights times activations, and their squares in a layer norm's variance, stay far inside
 * float32; trained transformer and PET weights are orders of magnitude smaller.
 */
export const MAX_GOOD_WEIGHT = 1e6;

/** The first tensor whose values exceed ±MAX_GOOD_WEIGHT ("run 0:lora, lora/…/A"), or null. */
export function firstDivergedTensor(snapshot: TrainingSnapshot): string | null {
  for (const run of snapshot.runs) {
    for (const slot of run.trainer.optimizer.slots) {
      for (let i = 0; i < slot.value.length; i++) if (Math.abs(slot.value[i]) > MAX_GOOD_WEIGHT) return `run ${run.runId}, ${slot.name}`;
    }
  }
  return null;
}

/** Bytes of tensor data in a snapshot (values, m and v, float32). */
export function snapshotBytes(snapshot: TrainingSnapshot): number {
  let bytes = 0;
  for (const run of snapshot.runs) for (const slot of run.trainer.optimizer.slots) bytes += slot.value.byteLength + slot.m.byteLength + slot.v.byteLength;
  return bytes;
}

/**
 * When to checkpoint. A checkpoint downloads every trainable tensor three times (value, m, v):
 * for LoRA on GPT-2 small that is a few MB and milliseconds, for full fine-tuning 1.5 GB and
 * seconds. So: every `everySteps` steps or `everyMs` of wall time, whichever comes first (a
 * reload loses at most that much), but never more often than keeps checkpointing under
 * 1/`maxOverheadShare` of the time (the interval grows with the last capture's cost).
 */
export interface CheckpointCadence {
  everySteps: number;
  everyMs: number;
  /** Checkpoint time ≤ 1/this of training time (20: ≤ 5 %). */
  maxOverheadShare: number;
}

export const DEFAULT_CHECKPOINT_CADENCE: CheckpointCadence = { everySteps: 25, everyMs: 5000, maxOverheadShare: 20 };

/**
 * The runner's checkpoint bookkeeping. A checkpoint is only handed out once it is known good:
 * the weights of step k produce the loss of step k+1, so a snapshot taken at k waits ("pending")
 * until a later synced step's losses came out finite, and is dropped if its weights passed
 * MAX_GOOD_WEIGHT — then a NaN fault can always point at a checkpoint from before the divergence. Pause, stop and the end hand theirs out at once: they
 * are exactly what a resume continues from.
 */
export class CheckpointKeeper {
  private pending: TrainingSnapshot | null = null;
  private lastTakenStep: number;
  private lastTakenAt: number;
  private lastCaptureMs = 0;
  /** The step of the last checkpoint handed out (null: none yet). */
  confirmedStep: number | null = null;

  constructor(
    private readonly runs: readonly MethodRun[],
    private readonly deliver: ((snapshot: TrainingSnapshot) => void) | undefined,
    private readonly cadence: CheckpointCadence,
    startStep: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastTakenStep = startStep;
    this.lastTakenAt = now();
    // A resumed run starts from a checkpoint the page already holds.
    if (startStep > 0) this.confirmedStep = startStep;
  }

  get enabled(): boolean {
    return this.deliver !== undefined;
  }

  /** The next step should be synced: a pending checkpoint waits for its loss. */
  get wantsSync(): boolean {
    return this.pending !== null;
  }

  /** Takes a checkpoint at `step` if the cadence says so; it stays pending until confirmed. */
  async maybeTake(step: number): Promise<void> {
    if (!this.enabled || this.pending) return;
    const elapsed = this.now() - this.lastTakenAt;
    const due = step - this.lastTakenStep >= this.cadence.everySteps || elapsed >= this.cadence.everyMs;
    if (!due || elapsed < this.lastCaptureMs * this.cadence.maxOverheadShare) return;
    this.pending = await this.capture(step);
  }

  /** Takes the first checkpoint (the untrained state), pending like any other. */
  async takeInitial(): Promise<void> {
    if (this.enabled && this.confirmedStep === null) this.pending = await this.capture(0);
  }

  /**
   * The losses of a synced step after `step` were finite: the pending checkpoint is good — unless
   * its weights are already diverging, then it is dropped (a later one is taken in its place).
   */
  confirm(step: number): void {
    if (this.pending && this.pending.step < step) {
      if (firstDivergedTensor(this.pending) === null) this.hand(this.pending);
      this.pending = null;
    }
  }

  /** Pause, stop or end: the state at `step` is handed out now (if not already). */
  async takeNow(step: number): Promise<void> {
    if (!this.enabled || this.confirmedStep === step) return;
    this.pending = null;
    const snapshot = await this.capture(step);
    const bad = firstNonFiniteTensor(snapshot);
    if (bad === null) this.hand(snapshot);
  }

  private async capture(step: number): Promise<TrainingSnapshot> {
    const started = this.now();
    const snapshot = await captureSnapshot(this.runs, step);
    this.lastCaptureMs = this.now() - started;
    this.lastTakenStep = step;
    this.lastTakenAt = this.now();
    return snapshot;
  }

  private hand(snapshot: TrainingSnapshot): void {
    // A finite loss can follow weights that hold an Inf only in an unused row; never hand those out.
    if (firstNonFiniteTensor(snapshot) !== null) return;
    this.confirmedStep = snapshot.step;
    this.deliver?.(snapshot);
  }
}
