import { tf } from '../tf';
import { kernelCalls } from './kernel-count';
import { countDispatches } from './dispatch-count';
import type { Batch } from '../data/types';
import type { MethodRun } from '../experiment/method-run';

/**
 * Per-step measurements of one run, for the engine scorecard. Timed steps are ordinary synced
 * training steps (what the runner does on a logged step); everything that instruments the step
 * (tf.profile, the end-of-forward probe) runs in a separate step that is never timed.
 */

/** Host-side count of the tokens a batch trains on (images: their patches), as the trainer counts them. */
export function batchTokens(batch: Batch, tokensPerImage: number): number {
  const sum = (values: Int32Array) => values.reduce((a, b) => a + b, 0);
  switch (batch.kind) {
    case 'image':
      return batch.batchSize * tokensPerImage;
    case 'seq2seq':
      return sum(batch.attentionMask) + sum(batch.labelMask);
    default:
      return sum(batch.attentionMask);
  }
}

/** Wall time of one ordinary training step (upload to the loss read back), and the run's own bytes. */
export async function timedStep(run: MethodRun, batch: Batch): Promise<{ ms: number; runBytes: number }> {
  const started = performance.now();
  const metrics = await run.step(batch, true);
  const ms = performance.now() - started;
  if (!metrics || !Number.isFinite(metrics.loss)) throw new Error(`${run.runId}: step gave loss ${metrics?.loss}`);
  return { ms, runBytes: metrics.runBytes };
}

export interface KernelCount {
  name: string;
  count: number;
}

/** One training step under tf.profile, with the trainer's forward probe set. */
export interface InstrumentedStep {
  /**
   * Kernels tfjs ran in the whole step (upload, forward, backward, optimizer): tf.profile's
   * entries that name a kernel of the backend (see kernel-count.ts).
   */
  kernelCalls: number;
  /** Most frequent kernel names, most first. */
  topKernels: KernelCount[];
  /** GPU compute dispatches of the step (webgpu only; see dispatch-count.ts), else null. */
  dispatches: number | null;
  /** tfjs bytes held just before the step (weights, optimizer state, caches, other runs). */
  bytesBefore: number;
  /** tf.profile's peakBytes (the largest post-kernel snapshot) minus `bytesBefore`. */
  peakStepBytes: number;
  /**
   * Bytes alive at the end of the forward pass, inside tf.variableGrads, minus `bytesBefore`,
   * less the 4-byte loss: what the step keeps for backward (saved activations and the batch's
   * own few-KB tensors). Null when the trainer has no forward probe.
   */
  keptBytes: number | null;
}

/** The part of the Trainer the probe sets: called inside variableGrads right after the loss. */
interface ProbedTrainer {
  forwardProbe?: (() => void) | null;
}

const LOSS_BYTES = 4;

/**
 * Records tfjs's bytes before a step and at the end of its forward pass (the trainer's probe),
 * for an untimed step that may fail: a step that dies in backward still says what its forward kept.
 */
export function watchForward(run: MethodRun): { bytesBefore: number; forwardEndBytes: number | null; stop(): void } {
  const trainer = run.trainer as unknown as ProbedTrainer;
  const watch = { bytesBefore: tf.memory().numBytes, forwardEndBytes: null as number | null, stop: () => {} };
  if ('forwardProbe' in trainer) {
    trainer.forwardProbe = () => (watch.forwardEndBytes = tf.memory().numBytes);
    watch.stop = () => (trainer.forwardProbe = null);
  }
  return watch;
}

export async function instrumentedStep(run: MethodRun, batch: Batch, topN = 8): Promise<InstrumentedStep> {
  const trainer = run.trainer as unknown as ProbedTrainer;
  const hasProbe = 'forwardProbe' in trainer;
  let forwardEndBytes: number | null = null;
  const bytesBefore = tf.memory().numBytes;
  if (hasProbe) trainer.forwardProbe = () => (forwardEndBytes = tf.memory().numBytes);
  let profile: Awaited<ReturnType<typeof tf.profile>>;
  let dispatches: number | null = null;
  const profiled = () =>
    tf.profile(async () => {
      const metrics = await run.step(batch, true);
      if (!metrics || !Number.isFinite(metrics.loss)) throw new Error(`${run.runId}: profiled step gave loss ${metrics?.loss}`);
      return [];
    });
  try {
    if (tf.getBackend() === 'webgpu') {
      const counted = await countDispatches(profiled);
      profile = counted.result;
      dispatches = counted.dispatches;
    } else {
      profile = await profiled();
    }
  } finally {
    if (hasProbe) trainer.forwardProbe = null;
  }
  // Real kernels only: tf.profile also lists customGrad wrappers (`unnamed scope`, `*__op`), which run none.
  const kernels = kernelCalls(profile);
  const counts = new Map<string, number>();
  for (const kernel of kernels) counts.set(kernel.name, (counts.get(kernel.name) ?? 0) + 1);
  const topKernels = [...counts.entries()]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name))
    .slice(0, topN);
  return {
    kernelCalls: kernels.length,
    topKernels,
    dispatches,
    bytesBefore,
    peakStepBytes: Math.max(0, profile.peakBytes - bytesBefore),
    keptBytes: forwardEndBytes === null ? null : Math.max(0, forwardEndBytes - bytesBefore - LOSS_BYTES),
  };
}
