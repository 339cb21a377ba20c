import type { ContinualEvent, ContinualSummary, StreamInfo, TaskResult } from '../../src/engine/continual/events';
import type { StrategyName } from '../../src/engine/continual/settings';

/** A split-mnist-like stream of `tasks` tasks of two digits each. */
export function streamInfo(tasks = 5): StreamInfo {
  return {
    id: 'split-mnist',
    title: 'Split-MNIST',
    tasks: Array.from({ length: tasks }, (_, i) => ({ index: i, name: `digits ${2 * i}, ${2 * i + 1}`, classes: [String(2 * i), String(2 * i + 1)], trainExamples: 10, testExamples: 4 })),
  };
}

export function startEvent(strategies: StrategyName[], tasks = 5): ContinualEvent {
  return {
    type: 'continual-start',
    stream: streamInfo(tasks),
    runs: strategies.map((strategy, i) => ({ runId: `${i}:${strategy}`, strategy, method: 'lora' as const, trainable: 1000 + i })),
  };
}

/** A result whose accuracy on task j after task k is `accuracy(k, j)`. */
export function taskResult(task: number, accuracy: (k: number, j: number) => number, extra: Partial<TaskResult> = {}): TaskResult {
  const accuracies = Array.from({ length: task + 1 }, (_, j) => accuracy(task, j));
  return {
    task,
    accuracies,
    wholeAccuracy: accuracies.reduce((a, b) => a + b, 0) / accuracies.length,
    averageAccuracy: accuracies.reduce((a, b) => a + b, 0) / accuracies.length,
    batches: 2,
    examples: 8,
    computedExamples: 8,
    trainMs: 100 * (task + 1),
    evalMs: 5,
    loss: 0.5,
    cache: null,
    trainable: 500 + task,
    ...extra,
  };
}

export function summaryOf(runId: string, strategy: StrategyName, results: TaskResult[], extra: Partial<ContinualSummary> = {}): ContinualSummary {
  return {
    runId,
    strategy,
    method: 'lora',
    matrix: results.map((r) => r.accuracies),
    wholeAccuracy: results.map((r) => r.wholeAccuracy),
    averageAccuracy: results.map((r) => r.averageAccuracy),
    batchesPerTask: results.map((r) => r.batches),
    trainMsPerTask: results.map((r) => r.trainMs),
    lastOverFirstBatches: 1,
    lastOverFirstMs: 1,
    cacheHitRate: null,
    cache: null,
    trainable: results.at(-1)?.trainable ?? 0,
    wallMs: 1234,
    ...extra,
  };
}
