import { create } from 'zustand';
import type { RunEvent } from '../../engine/experiment/events';
import type { TrainingSnapshot } from '../../engine/experiment/checkpoint-state';
import type { RunRecord } from './run-db';

export type FaultEvent = Extract<RunEvent, { type: 'fault' }>;

/**
 * What the page knows about saving and resuming runs: the record it is writing, the last good
 * checkpoint (kept in memory too, so a resume after a fault does not depend on IndexedDB), the
 * fault that paused the run, an interrupted run found on load, and the history list.
 */
export interface PersistenceState {
  /** The history record of the current (or last) run. */
  recordId: string | null;
  latestCheckpoint: TrainingSnapshot | null;
  /** The step of the last checkpoint written to IndexedDB (what a reload resumes from). */
  savedStep: number | null;
  fault: FaultEvent | null;
  /** A run left running or paused by a page that went away (found on load). */
  interrupted: RunRecord | null;
  history: RunRecord[];
  /** Why the run history cannot be written (no IndexedDB, quota), shown once. */
  saveProblem: string | null;
}

export const usePersistenceStore = create<PersistenceState>()(() => ({
  recordId: null,
  latestCheckpoint: null,
  savedStep: null,
  fault: null,
  interrupted: null,
  history: [],
  saveProblem: null,
}));
