import { STATUS_TEXT } from '../run-state';
import { useAppStore } from '../store';

const STAGE_TEXT = { model: 'Loading the model', data: 'Preparing the dataset', setup: 'Setting up the methods', warmup: 'Warming up' } as const;

/** Status and progress of the current run, announced politely to screen readers. */
export function ProgressStatus() {
  const status = useAppStore((s) => s.status);
  const progress = useAppStore((s) => s.progress);
  const error = useAppStore((s) => s.error);
  const step = useAppStore((s) => Math.max(0, ...s.runs.map((r) => r.steps.at(-1)?.step ?? 0)));
  const steps = useAppStore((s) => s.runSpec?.steps ?? null);
  return (
    <div className="progress" aria-live="polite" role="status" data-testid="run-status" data-status={status}>
      <p>
        <strong>{STATUS_TEXT[status]}</strong>
        {steps !== null && status !== 'idle' && ` · step ${step} of ${steps}`}
        {progress && ` · ${STAGE_TEXT[progress.stage]}: ${progress.message}`}
      </p>
      {progress && (
        <progress aria-label={STAGE_TEXT[progress.stage]} max={1} {...(progress.fraction !== null ? { value: progress.fraction } : {})} />
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
