import { useEffect } from 'react';
import { experimentLabel, formatChanges, settingChanges } from '../results-scope';
import { installResultsScope, useResultsScopeStore } from '../results-scope-store';
import { isActive } from '../run-state';
import { useAppStore } from '../store';
import { useSweepStore } from '../sweep-store';
import { StepRateCalibrator } from './TimeEstimate';

/**
 * Which experiment the results below belong to ("Results of: tiny-gpt2 · spam · full, lora · 40
 * steps"), whether the settings have moved on since, and, when another model, task, link or
 * preset replaced them, that they are in Run history. Installs the watcher that clears them.
 */
export function ResultsHeading() {
  useEffect(() => installResultsScope(), []);
  const runSpec = useAppStore((s) => s.runSpec);
  const spec = useAppStore((s) => s.spec);
  const active = useAppStore((s) => isActive(s.status));
  const sweep = useSweepStore((s) => s.run);
  const archived = useResultsScopeStore((s) => s.archived);
  const dismiss = useResultsScopeStore((s) => s.dismiss);

  // A sweep's live charts show the variant in progress; its results belong to the sweep.
  const sweepSpec = sweep?.variants[0]?.spec ?? null;
  const shown = sweep && sweepSpec ? sweepSpec : runSpec;
  const label = shown ? (sweep ? `sweep “${sweep.title}” · ${experimentLabel(shown, { methods: false })}` : experimentLabel(shown)) : null;
  // A sweep's variants each set their own method and rates: only the shared settings compare.
  const changes = shown && !active ? settingChanges(shown, spec).filter((c) => !sweep || !(c.setting === 'methods' || c.setting === 'optimizer' || c.setting.endsWith(' options'))) : [];

  return (
    <>
      <StepRateCalibrator />
      {archived && (
        <div className="callout results-archived" role="status" data-testid="results-archived">
          <p>
            The results of {archived} no longer match the settings: they were moved to Run history (its “Open link” shows them again).
          </p>
          <button type="button" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      )}
      {label && (
        <div className="results-of" data-testid="results-of">
          <p>
            Results of: <strong data-testid="results-of-label">{label}</strong>
          </p>
          {changes.length > 0 && (
            <p className="hint" data-testid="results-stale">
              The settings have changed since ({formatChanges(changes)}): run again to get results for them.
            </p>
          )}
        </div>
      )}
    </>
  );
}
