import { useMemo } from 'react';
import { STRATEGY_TITLES } from '../../engine/continual/settings';
import { formatCount, formatMs, formatPercent } from '../format';
import { useAppStore } from '../store';
import { AccuracyMatrix } from './AccuracyMatrix';
import { accuracyMatrix, finishedTaskCount, trainingTaskIndex, type ContinualState } from './continual-store';
import { ContinualSummaryTable } from './ContinualSummaryTable';
import { isStreamTaskId } from './stream-switch';
import { STRATEGY_COLOURS, strategyRunTitle } from './strategy-style';
import { StreamTimeline } from './StreamTimeline';
import { TaskChart } from './TaskChart';
import './continual.css';
import { ACCURACY_MEASURES, BATCHES_MEASURE, TRAIN_MS_MEASURE, taskChartData } from './task-series';

/** The results show the stream view when the last run (or, before any, the edited spec) is a task stream. */
export function useShowsStream(): boolean {
  return useAppStore((s) => isStreamTaskId((s.runSpec ?? s.spec).task));
}

/** "Dynamic ConPET · LoRA: task 3, module batch 12 of 40", or null when nothing trains. */
export function activityText(state: ContinualState): string | null {
  const { active } = state;
  if (!active) return null;
  const run = state.runs.find((r) => r.runId === active.runId);
  if (!run) return null;
  const phase = active.phase === 'selector' ? 'selector' : 'module';
  return `${strategyRunTitle(run)}: task ${active.task + 1}, ${phase} batch ${active.batch} of ${active.batches}`;
}

/**
 * Continual learning on a task stream, live: the stream, each strategy's accuracy matrix, its
 * accuracy after every task, what each task cost, and the summary per strategy.
 */
export function ContinualView() {
  const continual = useAppStore((s) => s.continual);
  const strategies = useAppStore((s) => (s.runSpec ?? s.spec).continual.strategies);
  const { stream, runs } = continual;
  const tasks = stream?.tasks.length ?? 0;
  const taskNames = useMemo(() => stream?.tasks.map((t) => t.name) ?? [], [stream]);
  const accuracy = useMemo(() => taskChartData(runs, tasks, ACCURACY_MEASURES), [runs, tasks]);
  const trainMs = useMemo(() => taskChartData(runs, tasks, TRAIN_MS_MEASURE), [runs, tasks]);
  const batches = useMemo(() => taskChartData(runs, tasks, BATCHES_MEASURE), [runs, tasks]);
  return (
    <section className="panel continual" aria-labelledby="continual-heading" data-testid="continual-view">
      <h2 id="continual-heading">Continual learning{stream ? `: ${stream.title}` : ''}</h2>
      {!stream ? (
        <p className="hint">
          Press Run to learn the stream task by task with {strategies.map((s) => STRATEGY_TITLES[s]).join(', ')}. The tasks appear here in the order the seed
          draws; after each task every strategy is tested on all tasks seen so far.
        </p>
      ) : (
        <>
          <StreamTimeline stream={stream} trainingTask={trainingTaskIndex(continual)} finishedTasks={finishedTaskCount(continual)} activity={activityText(continual)} />
          <h3>Accuracy matrices</h3>
          <p className="hint">Row: after training task k; column: accuracy on task j. A column that fades downwards is forgetting.</p>
          <div className="matrix-grid">
            {runs.map((run) => (
              <AccuracyMatrix
                key={run.runId}
                title={strategyRunTitle(run)}
                strategy={run.strategy}
                colour={STRATEGY_COLOURS[run.strategy]}
                rows={accuracyMatrix(run, tasks)}
                taskNames={taskNames}
              />
            ))}
          </div>
          <div className="chart-grid">
            <TaskChart
              title="Accuracy after each task (solid: whole, dashed: average)"
              description="Whole accuracy (correct over every test example seen) and average accuracy (mean over the tasks seen) after each task, one colour per strategy."
              data={accuracy}
              tasks={tasks}
              format={formatPercent}
              domain={[0, 1]}
              testId="chart-continual-accuracy"
            />
            <TaskChart
              title="Training time per task"
              description="Wall time each strategy spent training each task, evaluation excluded. With a batch limit it stays flat; without one (Limitless) it grows with the data seen."
              data={trainMs}
              tasks={tasks}
              format={formatMs}
              testId="chart-continual-time"
            />
            <TaskChart
              title="Training batches per task"
              description="Batches each strategy trained per task, selector and module batches together."
              data={batches}
              tasks={tasks}
              format={formatCount}
              integer
              testId="chart-continual-batches"
            />
          </div>
          <h3>Summary per strategy</h3>
          <ContinualSummaryTable runs={runs} tasks={tasks} />
        </>
      )}
    </section>
  );
}
