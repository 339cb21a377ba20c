import { formatCount, formatMs, formatPercent } from '../format';
import { strategyFigures, type StrategyRun } from './continual-store';
import { STRATEGY_COLOURS, strategyRunTitle } from './strategy-style';

function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${ratio.toFixed(2)}×`;
}

function percentOrDash(fraction: number | null): string {
  return fraction === null ? '—' : formatPercent(fraction);
}

/**
 * One row per strategy: where it ends (whole and average accuracy after the last task), what it
 * trains, and how its cost grows (last task over first; ConPET stays near 1×, Limitless grows),
 * with the logit cache's hit rate and the time its hits saved. Filled live, completed by the
 * strategy's summary.
 */
export function ContinualSummaryTable({ runs, tasks }: { runs: readonly StrategyRun[]; tasks: number }) {
  return (
    <div className="table-scroll">
      <table className="summary" data-testid="continual-summary">
        <thead>
          <tr>
            <th scope="col">Strategy · PET method</th>
            <th scope="col">Tasks learnt</th>
            <th scope="col" title="Correct over the union of every test set seen, after the last task learnt">Whole accuracy</th>
            <th scope="col" title="Mean of the per-task accuracies after the last task learnt">Average accuracy</th>
            <th scope="col">Trainable params</th>
            <th scope="col" title="Training batches of the last task over those of the first">Batches last / first</th>
            <th scope="col" title="Training time of the last task over that of the first">Time last / first</th>
            <th scope="col" title="Frozen modules' logits served from the cache: hits over lookups">Cache hit rate</th>
            <th scope="col" title="Hits × the measured mean time of a computed example">Est. time saved</th>
            <th scope="col">Wall time</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const f = strategyFigures(run);
            return (
              <tr key={run.runId} data-strategy={run.strategy} data-run={run.runId} data-final={f.final}>
                <th scope="row">
                  <span className="swatch" style={{ background: STRATEGY_COLOURS[run.strategy] }} aria-hidden="true" />
                  {strategyRunTitle(run)}
                </th>
                <td data-col="tasks">
                  {f.tasksDone} of {tasks}
                </td>
                <td data-col="whole" data-value={f.wholeAccuracy ?? ''}>
                  {percentOrDash(f.wholeAccuracy)}
                </td>
                <td data-col="average" data-value={f.averageAccuracy ?? ''}>
                  {percentOrDash(f.averageAccuracy)}
                </td>
                <td data-col="trainable" data-value={f.trainable}>
                  {formatCount(f.trainable)}
                </td>
                <td data-col="batches-ratio" data-value={f.batchesRatio ?? ''}>
                  {formatRatio(f.batchesRatio)}
                </td>
                <td data-col="ms-ratio" data-value={f.msRatio ?? ''}>
                  {formatRatio(f.msRatio)}
                </td>
                <td data-col="cache-hit-rate" data-value={f.cacheHitRate ?? ''}>
                  {percentOrDash(f.cacheHitRate)}
                </td>
                <td data-col="saved" data-value={f.savedMs ?? ''}>
                  {f.savedMs === null ? '—' : formatMs(f.savedMs)}
                </td>
                <td data-col="wall">{f.wallMs === null ? '—' : formatMs(f.wallMs)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
