import type { RunStatus } from './store';

/** A run holds the worker: the spec cannot be edited and Run is not offered. */
export function isActive(status: RunStatus): boolean {
  return status === 'loading' || status === 'running' || status === 'paused' || status === 'stopping';
}

export const STATUS_TEXT: Record<RunStatus, string> = {
  idle: 'Ready',
  loading: 'Preparing',
  running: 'Training',
  paused: 'Paused',
  stopping: 'Stopping after this step',
  stopped: 'Stopped',
  done: 'Finished',
  error: 'Failed',
};
