import { useModelShape, useTaskShape } from '../model-info';
import { runBlockers } from '../run-blockers';
import { modelRunBlocker } from '../model-loading/model-readiness';
import { useModelLoadStore } from '../model-loading/model-load-store';
import { useModelPreviewProblem } from '../model-loading/model-preview';
import { isActive } from '../run-state';
import { useAppStore } from '../store';
import { pauseRun, resetRun, resumeRun, startRun, stopRun } from '../training-client';
import { CopyLinkButton } from './CopyLinkButton';
import { usePersistenceStore } from '../persistence/persistence-store';

export function RunControls() {
  const spec = useAppStore((s) => s.spec);
  const status = useAppStore((s) => s.status);
  const backend = useAppStore((s) => s.backend);
  const fromLink = useAppStore((s) => s.fromLink);
  const hasResults = useAppStore((s) => s.runs.length > 0 || s.continual.runs.length > 0 || s.status === 'error');
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  const previewProblem = useModelPreviewProblem(spec.model);
  const modelBlocker = useModelLoadStore((s) => modelRunBlocker(spec.model, s.ready, (s.cached ?? []).map((c) => c.model), previewProblem));
  const blockers = [...(modelBlocker ? [modelBlocker] : []), ...runBlockers(spec, model.state === 'ready' ? model.value.shape : null, task.state === 'ready' ? task.value : null)];
  const active = isActive(status);
  const savedStep = usePersistenceStore((s) => s.savedStep);
  const canRun = !active && backend !== null && blockers.length === 0;
  return (
    <section className="panel run-controls" aria-labelledby="run-heading">
      <h2 id="run-heading">Run</h2>
      {fromLink && !active && <p className="callout">This experiment was opened from a link. Press Run to replay it on your GPU.</p>}
      <div className="buttons">
        <button type="button" className="primary" disabled={!canRun} onClick={() => void startRun(spec)}>
          Run
        </button>
        {status === 'paused' ? (
          <button type="button" onClick={resumeRun}>
            Resume
          </button>
        ) : (
          <button type="button" disabled={status !== 'running'} onClick={pauseRun}>
            Pause
          </button>
        )}
        <button type="button" disabled={!(status === 'running' || status === 'paused' || status === 'loading')} onClick={() => void stopRun()}>
          Stop
        </button>
        <button type="button" disabled={!hasResults || status === 'stopping'} onClick={() => void resetRun()}>
          Reset
        </button>
      </div>
      {backend === null && <p className="hint">Waiting for the training backend to start…</p>}
      {savedStep !== null && (
        <p className="hint" data-testid="checkpoint-status" data-step={savedStep}>
          Checkpoint saved in this browser at step {savedStep}: a reload or a GPU fault resumes from there.
        </p>
      )}
      {blockers.length > 0 && (
        <ul className="field-error" aria-label="Why Run is unavailable">
          {blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
      <CopyLinkButton />
    </section>
  );
}
