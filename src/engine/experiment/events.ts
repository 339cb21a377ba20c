import type { BackendInfo } from '../backend';
import type { EvalMetrics, StepMetrics } from '../train/trainer';
import type { MethodName, TrainableCount } from '../methods/types';
import type { PromptAttentionMap } from '../methods/prompt-attention-map';
import type { Prediction } from './prediction-events';
import type { ContinualEvent } from '../continual/events';
import type { TrainingSnapshot } from './checkpoint-state';
import type { FaultKind } from './faults';

/**
 * The phases of a run besides its steps: loading the model, preparing data, attaching methods,
 * the first step's kernel compilation, and after training decoding predictions (T5, ViT) and
 * finishing (attention maps, adapter files); a task stream adds EMR's memory selection.
 */
export type ProgressStage = 'model' | 'data' | 'setup' | 'warmup' | 'decode' | 'finish' | 'memory';

/** The metric stream from the engine to whoever listens (CLI lines, the app's store). */
export type RunEvent =
  | { type: 'backend'; info: BackendInfo }
  /** What a phase without steps is doing (loading, compiling, decoding, choosing a memory); `fraction` of it done when known. */
  | { type: 'progress'; stage: ProgressStage; message: string; fraction: number | null }
  | {
      type: 'run-start';
      runId: string;
      method: MethodName;
      options: Record<string, unknown>;
      trainable: TrainableCount;
      totalParams: number;
      seqLen: number;
    }
  | ({ type: 'step'; runId: string } & StepMetrics)
  | ({ type: 'eval'; runId: string } & EvalMetrics)
  | { type: 'run-end'; runId: string; summary: RunSummary }
  /** After training, for runs with prompts (deep prompt, APT): how much each token of one example draws from them. */
  | { type: 'prompt-map'; runId: string; method: MethodName; tokens: string[]; map: PromptAttentionMap }
  /** After training, for NOLA runs: the trained coefficients as the `nola.adapter` option text (a link can carry it). */
  | { type: 'nola-adapter'; runId: string; text: string; bytes: number }
  /** After training (app runs that are not task streams): the run's adapter files, as `train --save-adapter` writes them. */
  | { type: 'adapter'; runId: string; files: { config: string; weights: Uint8Array } }
  /** After training, for image and text-to-text tasks: predictions on the first validation examples. */
  | { type: 'predictions'; runId: string; predictions: Prediction[] }
  | ContinualEvent
  /** Training state known good after `snapshot.step` steps (app runs; see CheckpointKeeper): what a resume continues from. */
  | { type: 'checkpoint'; snapshot: TrainingSnapshot }
  /**
   * The run stopped stepping on a NaN/Inf loss, an out-of-memory error or a lost GPU device; the
   * page offers to resume from `checkpointStep` (null: no checkpoint yet, start again).
   */
  | { type: 'fault'; kind: FaultKind; runId: string | null; step: number; message: string; checkpointStep: number | null }
  | { type: 'error'; message: string };

export interface RunSummary {
  runId: string;
  method: MethodName;
  trainable: TrainableCount;
  /** Bytes the method's adapter stores (the task head apart). */
  storedBytes: number;
  totalParams: number;
  steps: number;
  finalTrainLoss: number | null;
  finalEval: EvalMetrics | null;
  /** Mean over logged steps after the first (which includes shader compilation). */
  meanTokensPerSec: number | null;
  meanStepMs: number | null;
  peakGpuBytes: number;
  /** Bytes this run's own tensors hold (weights, trainable tensors, optimizer state). */
  runBytes: number | null;
  /**
   * Bytes the last training step allocated at its high point beyond what was held before it
   * (activations, gradients, optimizer temporaries); runBytes + this = the run's training peak.
   */
  stepExtraBytes: number | null;
  /** The memory-profiled step's peak split into parts (runBytes + stepExtraBytes in all); null before it ran. */
  stepMemory: StepMemory | null;
  /** Time spent in this run's steps and evaluations (other runs' steps excluded). */
  wallMs: number;
}

/**
 * One training step's peak memory by part, in bytes (float32 throughout): what PEFT saves is
 * visible here. `activations` is the rest of the step's peak after gradients: what the forward
 * keeps for the backward (`keptActivations`, measured at the end of the forward) plus the
 * backward's and the update's working tensors.
 */
export interface StepMemory {
  /** Frozen base weights of the run's own model copy. */
  weights: number;
  /** Trainable tensors: the method's, the head's (the whole model under full fine-tuning). */
  trainable: number;
  /** Adam's m and v. */
  optimizer: number;
  /** One gradient per trainable element. */
  gradients: number;
  activations: number;
  keptActivations: number;
}
