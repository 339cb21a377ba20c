import type { MethodName } from '../methods/types';
import type { StrategyName } from './settings';

/** One task of a stream as the UI shows it on the timeline. */
export interface StreamTaskInfo {
  /** Position in the (seeded) stream order, from 0. */
  index: number;
  /** e.g. "digits 4, 5" or "Jacksonian era". */
  name: string;
  /** Class names in the order of their global class indices. */
  classes: string[];
  trainExamples: number;
  testExamples: number;
}

export interface StreamInfo {
  id: string;
  title: string;
  tasks: StreamTaskInfo[];
}

/** Logit-cache counters of one strategy (cumulative since the run started). */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Estimated time the hits saved: hits × the measured mean time per computed (missed) example. */
  savedMs: number;
}

/** What one strategy measured after training one task and evaluating all seen tasks. */
export interface TaskResult {
  /** The task just trained (stream index). */
  task: number;
  /** Accuracy on each seen task's test set, tasks 0..task, predicting over all seen classes. */
  accuracies: number[];
  /** Correct over the union of all seen test sets. */
  wholeAccuracy: number;
  /** Mean of `accuracies`. */
  averageAccuracy: number;
  /** Training batches this task took (selector and module batches together). */
  batches: number;
  /** Examples those batches held. */
  examples: number;
  /** Examples that ran through the model (the rest came from the logit cache or needed no module). */
  computedExamples: number;
  /** Wall time of this task's training (evaluation excluded). */
  trainMs: number;
  evalMs: number;
  /** Mean training loss over this task's last batches. */
  loss: number | null;
  /** null where the strategy keeps no cache. */
  cache: CacheStats | null;
  /** Trainable elements after this task (modules and heads so far). */
  trainable: number;
}

export interface ContinualSummary {
  runId: string;
  strategy: StrategyName;
  method: MethodName;
  /** matrix[k][j]: accuracy on task j after training task k (j ≤ k). */
  matrix: number[][];
  wholeAccuracy: number[];
  averageAccuracy: number[];
  batchesPerTask: number[];
  trainMsPerTask: number[];
  /** Cost growth: last task over first task. */
  lastOverFirstBatches: number;
  lastOverFirstMs: number;
  /** Hits / (hits + misses) over the run; null without a cache. */
  cacheHitRate: number | null;
  cache: CacheStats | null;
  trainable: number;
  wallMs: number;
}

/** The events a continual experiment adds to the RunEvent stream. */
export type ContinualEvent =
  | {
      type: 'continual-start';
      stream: StreamInfo;
      runs: { runId: string; strategy: StrategyName; method: MethodName; trainable: number }[];
    }
  /** Every few batches while a strategy trains a task. */
  | { type: 'continual-batch'; runId: string; task: number; batch: number; batches: number; loss: number; phase: 'selector' | 'module' }
  | { type: 'continual-task'; runId: string; result: TaskResult }
  | { type: 'continual-end'; runId: string; summary: ContinualSummary };
