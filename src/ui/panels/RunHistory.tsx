import { useEffect, useState } from 'react';
import { parseExperimentSpec } from '../../engine/experiment/spec';
import { usePersistenceStore } from '../persistence/persistence-store';
import type { RunRecord } from '../persistence/run-db';
import { checkpointOf, forgetRun, installRecorder, loadHistory } from '../persistence/run-recorder';
import { isActive } from '../run-state';
import { openRecord } from '../results-scope-store';
import { useAppStore } from '../store';
import { resumeFromCheckpoint } from '../training-client';

let installed = false;

function describe(record: RunRecord): string {
  return `${record.spec.model} · ${record.spec.task} · ${record.spec.methods.map((m) => m.name).join(', ')}`;
}

/** The first run's last validation loss, else its last training loss. */
function finalMetric(record: RunRecord): string {
  const run = record.runs[0];
  const value = run?.summary?.finalEval?.loss ?? run?.evals.at(-1)?.loss ?? run?.steps.at(-1)?.loss;
  return value === undefined ? '–' : value.toFixed(3);
}

/**
 * The run history: on load, a run that a previous page left training ("Interrupted run … Resume /
 * Discard"), and a small list of past runs (open the link, delete). Runs are saved as they
 * train (see run-recorder); this panel also installs that recorder once.
 */
export function RunHistory() {
  const interrupted = usePersistenceStore((s) => s.interrupted);
  const history = usePersistenceStore((s) => s.history);
  const saveProblem = usePersistenceStore((s) => s.saveProblem);
  const busy = useAppStore((s) => isActive(s.status));
  const backendReady = useAppStore((s) => s.backend !== null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (installed) return;
    installed = true;
    installRecorder();
    void loadHistory();
  }, []);

  const resume = async (record: RunRecord) => {
    setProblem(null);
    try {
      const snapshot = await checkpointOf(record.id);
      if (!snapshot) throw new Error('its checkpoint is missing');
      await resumeFromCheckpoint({ ...record, spec: parseExperimentSpec(record.spec) }, snapshot);
    } catch (error) {
      setProblem(`This run cannot be resumed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return (
    <>
      {interrupted && (
        <section className="panel interrupted-run" aria-labelledby="interrupted-heading" data-testid="interrupted-run">
          <h2 id="interrupted-heading">Interrupted run</h2>
          <p>
            {describe(interrupted)} — step {interrupted.checkpointStep ?? 0} of {interrupted.spec.steps} saved ({new Date(interrupted.updatedAt).toLocaleString()}).
          </p>
          {!interrupted.resumable && <p className="hint">Task streams and sweeps are saved in the history but cannot be resumed.</p>}
          {interrupted.resumable && interrupted.checkpointStep === null && <p className="hint">No checkpoint was saved before the page closed: it can only be run again.</p>}
          <div className="buttons">
            <button
              type="button"
              className="primary"
              disabled={busy || !backendReady || !interrupted.resumable || interrupted.checkpointStep === null}
              onClick={() => void resume(interrupted)}
            >
              Resume from step {interrupted.checkpointStep ?? 0}
            </button>
            <button type="button" onClick={() => void forgetRun(interrupted.id)}>
              Discard
            </button>
          </div>
          {problem && <p className="field-error">{problem}</p>}
        </section>
      )}
      {saveProblem && <p className="hint" role="status">{saveProblem}</p>}
      {history.length > 0 && (
        <details className="panel run-history" data-testid="run-history">
          <summary>Run history ({history.length})</summary>
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th>Model · task · methods</th>
                <th>Final loss</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {history.map((record) => (
                <tr key={record.id} data-status={record.status}>
                  <td>{new Date(record.createdAt).toLocaleString()}</td>
                  <td>{describe(record)}</td>
                  <td>{finalMetric(record)}</td>
                  <td>{record.status}</td>
                  <td>
                    <a
                      href={`#${record.link}`}
                      onClick={(event) => {
                        // Settings and results together; a modified click opens the link elsewhere.
                        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                        if (openRecord(record)) event.preventDefault();
                      }}
                    >
                      Open link
                    </a>{' '}
                    <button type="button" disabled={busy && record.id === usePersistenceStore.getState().recordId} onClick={() => void forgetRun(record.id)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  );
}
