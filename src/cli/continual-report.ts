import type { RunEvent } from '../engine/experiment/events';
import type { CacheStats, ContinualSummary, StreamInfo, TaskResult } from '../engine/continual/events';
import { STRATEGY_TITLES, type StrategyName } from '../engine/continual/settings';

/**
 * Readable lines for a continual run in the terminal (`train` on a task stream writes them to
 * stderr; stdout keeps the JSON events): the stream and strategies at the start, one line per
 * strategy and task as it finishes (accuracy on each seen task, whole and average accuracy,
 * batches, training ms, the task's cache hits and misses), and at the end each strategy's
 * accuracy matrix and a summary table (final accuracies, first/last task cost, cache).
 */
export class ContinualReporter {
  private stream: StreamInfo | null = null;
  private readonly strategies = new Map<string, StrategyName>();
  /** Each run's cumulative cache counters after its previous task (TaskResult.cache is cumulative). */
  private readonly lastCache = new Map<string, CacheStats>();
  private readonly summaries: ContinualSummary[] = [];

  /** The lines an event adds (none for the events this report does not show). */
  onEvent(event: RunEvent): string[] {
    switch (event.type) {
      case 'continual-start': {
        this.stream = event.stream;
        for (const run of event.runs) this.strategies.set(run.runId, run.strategy);
        const tasks = event.stream.tasks.map((t) => `${t.index + 1}. ${t.name} (${t.classes.length} classes, ${t.trainExamples} train / ${t.testExamples} test)`);
        return [
          `stream ${event.stream.title}: ${event.stream.tasks.length} tasks in this order — ${tasks.join('; ')}`,
          `strategies (trainable elements after the last task): ${event.runs.map((r) => `${STRATEGY_TITLES[r.strategy]} ${int(r.trainable)}`).join(', ')}`,
        ];
      }
      case 'continual-task':
        return [this.taskLine(event.runId, event.result)];
      case 'continual-end':
        this.summaries.push(event.summary);
        return [];
      default:
        return [];
    }
  }

  private taskLine(runId: string, r: TaskResult): string {
    const title = this.title(runId);
    const total = this.stream?.tasks.length;
    const name = this.stream?.tasks[r.task]?.name;
    const seen = r.accuracies.map(pct).join(' | ');
    let cache = '';
    if (r.cache) {
      const before = this.lastCache.get(runId) ?? { hits: 0, misses: 0, savedMs: 0 };
      this.lastCache.set(runId, r.cache);
      const hits = r.cache.hits - before.hits;
      const misses = r.cache.misses - before.misses;
      cache = `; cache ${int(hits)} hits / ${int(misses)} misses${hits + misses > 0 ? ` (${pct(hits / (hits + misses))}%)` : ''}`;
    }
    return (
      `[${title}] task ${r.task + 1}${total ? `/${total}` : ''}${name ? ` (${name})` : ''}: seen tasks ${seen} %; whole ${pct(r.wholeAccuracy)}%, average ${pct(r.averageAccuracy)}%; ` +
      `${int(r.batches)} batches (${int(r.computedExamples)} of ${int(r.examples)} examples computed), train ${int(r.trainMs)} ms, eval ${int(r.evalMs)} ms${cache}`
    );
  }

  private title(runId: string): string {
    const strategy = this.strategies.get(runId);
    return strategy ? STRATEGY_TITLES[strategy] : runId;
  }

  /** The accuracy matrices and the summary table, once every strategy has ended. */
  finish(): string[] {
    if (this.summaries.length === 0) return [];
    const lines: string[] = [];
    for (const s of this.summaries) lines.push('', ...accuracyMatrixLines(s));
    lines.push('', 'summary:', ...summaryTableLines(this.summaries));
    return lines;
  }
}

/** "Dynamic ConPET — accuracy, % (row: after training task k; column: task evaluated)" and the rows. */
export function accuracyMatrixLines(s: ContinualSummary): string[] {
  const tasks = s.matrix.length;
  const header = ['after', ...Array.from({ length: tasks }, (_, j) => `task ${j + 1}`), 'whole', 'average'];
  const rows = s.matrix.map((row, k) => [`task ${k + 1}`, ...Array.from({ length: tasks }, (_, j) => (j < row.length ? pct(row[j]) : '')), pct(s.wholeAccuracy[k]), pct(s.averageAccuracy[k])]);
  return [`${STRATEGY_TITLES[s.strategy]} — accuracy, % (row: after training task k; column: task evaluated):`, ...alignedTable([header, ...rows])];
}

/** One row per strategy: final accuracies, cost of the first and last task, cache. */
export function summaryTableLines(summaries: readonly ContinualSummary[]): string[] {
  const header = ['strategy', 'trainable', 'final whole %', 'final average %', 'batches first→last', 'last/first', 'train ms first→last', 'last/first', 'cache hit rate', 'est. saved ms'];
  const rows = summaries.map((s) => [
    STRATEGY_TITLES[s.strategy],
    int(s.trainable),
    pct(s.wholeAccuracy.at(-1) ?? NaN),
    pct(s.averageAccuracy.at(-1) ?? NaN),
    `${int(s.batchesPerTask[0] ?? NaN)}→${int(s.batchesPerTask.at(-1) ?? NaN)}`,
    times(s.lastOverFirstBatches),
    `${int(s.trainMsPerTask[0] ?? NaN)}→${int(s.trainMsPerTask.at(-1) ?? NaN)}`,
    times(s.lastOverFirstMs),
    s.cacheHitRate === null ? '–' : `${pct(s.cacheHitRate)}%`,
    s.cache === null ? '–' : int(s.cache.savedMs),
  ]);
  return alignedTable([header, ...rows]);
}

/** Columns padded to their widest cell: the first left-aligned, the rest right-aligned. */
function alignedTable(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');
const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');
