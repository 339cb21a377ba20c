import { useEffect, useRef, useState } from 'react';
import type { ProgressStage } from '../../engine/experiment/events';
import { isActive, STATUS_TEXT } from '../run-state';
import { useAppStore } from '../store';
import { finishedTaskCount } from '../continual/continual-store';
import { isStreamTaskId } from '../continual/stream-switch';
import { continualMsLeft, formatDuration, formatElapsed, phaseMsLeft, trainingEta } from '../time-estimate';
import { formatMs } from '../format';

const STAGE_TEXT: Record<ProgressStage, string> = {
  model: 'Loading the model',
  data: 'Preparing the dataset',
  setup: 'Setting up the methods',
  warmup: 'Warming up',
  decode: 'Predicting after training',
  finish: 'Finishing',
  memory: 'Between tasks',
};

/** A clock that ticks every second while `on` (elapsed times and estimates move with it). */
function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [on]);
  return now;
}

/**
 * Status and progress of the current run, announced politely to screen readers; below it, not
 * announced (it changes every second), how long the current phase has taken and an estimate of
 * what is left once something has been measured.
 */
export function ProgressStatus() {
  const status = useAppStore((s) => s.status);
  const progress = useAppStore((s) => s.progress);
  const error = useAppStore((s) => s.error);
  const runs = useAppStore((s) => s.runs);
  const continual = useAppStore((s) => s.continual);
  const step = Math.max(0, ...runs.map((r) => r.steps.at(-1)?.step ?? 0));
  const steps = useAppStore((s) => s.runSpec?.steps ?? null);
  // A task stream counts tasks, not steps (its spec's steps are not used).
  const streamTasks = useAppStore((s) => (s.runSpec && isStreamTaskId(s.runSpec.task) ? (s.continual.stream?.tasks.length ?? 0) : null));
  const tasksLearnt = finishedTaskCount(continual);
  const active = isActive(status);
  const now = useNow(active);

  // When the current phase began: a new stage (or none, training) starts a new one.
  const phaseKey = progress ? progress.stage : status === 'running' ? 'training' : null;
  const phase = useRef<{ key: string | null; since: number }>({ key: null, since: Date.now() });
  if (phase.current.key !== phaseKey) phase.current = { key: phaseKey, since: Date.now() };
  const elapsed = Math.max(0, now - phase.current.since);

  let estimate: string | null = null;
  if (active && status !== 'paused') {
    if (progress) {
      const left = phaseMsLeft(elapsed, progress.fraction);
      estimate = `${STAGE_TEXT[progress.stage]}: ${formatElapsed(elapsed)} so far` + (left !== null ? ` · ${formatDuration(left)} left (estimate from the ${Math.round((progress.fraction ?? 0) * 100)}% done)` : '');
    } else if (streamTasks !== null) {
      const left = continualMsLeft(continual);
      if (left !== null) estimate = `Training: ${formatDuration(left)} left (estimate: tasks left × measured time per task)`;
    } else if (steps !== null) {
      const eta = trainingEta(runs, step, steps);
      if (eta) estimate = `Training: ${formatDuration(eta.msLeft)} left (estimate: ${eta.stepsLeft} ${eta.stepsLeft === 1 ? 'step' : 'steps'} × ${formatMs(eta.stepMs)} measured per step)`;
    }
  }

  return (
    <>
      <div className="progress" aria-live="polite" role="status" data-testid="run-status" data-status={status} data-stage={progress?.stage ?? ''}>
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
      {estimate && (
        <p className="hint run-eta" data-testid="run-eta">
          {estimate}
        </p>
      )}
    </>
  );
}
