import { STATUS_TEXT } from '../run-state';
import { useAppStore } from '../store';
import { finishedTaskCount } from '../continual/continual-store';
import { isStreamTaskId } from '../continual/stream-switch';

const STAGE_TEXT = { model: 'Loading the model', data: 'Preparing the dataset', setup: 'Setting up the methods', warmup: 'Warming up' } as const;

/** Status and progress of the current run, announced politely to screen readers. */
export function ProgressStatus() {
  const status = useAppStore((s) => s.status);
  const progress = useAppStore((s) => s.progress);
  const error = useAppStore((s) => s.error);
  const step = useAppStore((s) => Math.max(0, ...s.runs.map((r) => r.steps.at(-1)?.step ?? 0)));
  const steps = useAppStore((s) => s.runSpec?.steps ?? null);
  // A task stream counts tasks, not steps (its spec's steps are not used).
  const streamTasks = useAppStore((s) => (s.runSpec && isStreamTaskId(s.runSpec.task) ? (s.continual.stream?.tasks.length ?? 0) : null));
  const tasksLearnt = useAppStore((s) => finishedTaskCount(s.continual));
  return (
    <div className="progress" aria-live="polite" role="status" data-testid="run-status" data-status={status}>
      <p>
        <strong>{STATUS_TEXT[status]}</strong>
        {steps !== null && status !== 'idle' && streamTasks === null && ` · step ${step} of ${steps}`}
        {streamTasks !== null && streamTasks > 0 && status !== 'idle' && ` · ${tasksLearnt} of ${streamTasks} tasks learnt`}
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
