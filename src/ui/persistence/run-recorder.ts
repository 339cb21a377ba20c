import { specToHash } from '../../engine/experiment/link';
import type { ExperimentSpec } from '../../engine/experiment/spec';
import type { TrainingSnapshot } from '../../engine/experiment/checkpoint-state';
import { taskById } from '../../engine/data/tasks';
import { useAppStore, type RunStatus } from '../store';
import { useSweepStore } from '../sweep-store';
import { deleteRun, findInterruptedRun, listRunRecords, loadCheckpoint, openRunDb, saveCheckpoint, saveRunRecord, type RecordStatus, type RunDb, type RunRecord } from './run-db';
import { usePersistenceStore, type FaultEvent } from './persistence-store';

/**
 * Writes the current run into the run history as it trains: the record when it starts, the
 * metric series debounced (METRICS_DEBOUNCE_MS after the last change), each checkpoint as it
 * arrives (with the record, in one transaction), and the final status at once. Writes are
 * chained so they land in order. A page that goes away mid-run leaves status "running": on the
 * next load that is how an interrupted run is recognised.
 */

const METRICS_DEBOUNCE_MS = 1000;

let dbPromise: Promise<RunDb | null> | null = null;
let current: RunRecord | null = null;
let writes: Promise<void> = Promise.resolve();
let debounce: ReturnType<typeof setTimeout> | null = null;

function db(): Promise<RunDb | null> {
  dbPromise ??= openRunDb().catch((error: unknown) => {
    usePersistenceStore.setState({ saveProblem: `runs are not saved in this browser: ${error instanceof Error ? error.message : String(error)}` });
    return null;
  });
  return dbPromise;
}

function enqueue(write: (db: RunDb) => Promise<void>): Promise<void> {
  writes = writes.then(async () => {
    const handle = await db();
    if (!handle) return;
    try {
      await write(handle);
    } catch (error) {
      usePersistenceStore.setState({ saveProblem: `the run history could not be saved: ${error instanceof Error ? error.message : String(error)}` });
    }
  });
  return writes;
}

function recordStatus(status: RunStatus): RecordStatus {
  if (status === 'paused') return 'paused';
  if (status === 'done') return 'done';
  if (status === 'stopped' || status === 'stopping') return 'stopped';
  if (status === 'error') return 'error';
  return 'running';
}

function environment(): RunRecord['environment'] {
  const backend = useAppStore.getState().backend;
  return { backend: backend?.backend ?? 'unknown', adapter: backend?.adapter ?? 'unknown', userAgent: navigator.userAgent };
}

/** Starts (or, resuming, continues) the record of a run. */
export function beginRecord(spec: ExperimentSpec, continuing: RunRecord | null): void {
  const now = new Date().toISOString();
  current = continuing
    ? { ...continuing, spec, link: specToHash(spec), status: 'running', message: null, updatedAt: now }
    : {
        id: crypto.randomUUID(),
        createdAt: now,
        updatedAt: now,
        spec,
        link: specToHash(spec),
        environment: environment(),
        status: 'running',
        message: null,
        runs: [],
        checkpointStep: null,
        // A sweep point is one of many runs driven by the page: history, not something to resume alone.
        resumable: !taskById(spec.task).stream && useSweepStore.getState().run?.status !== 'running',
      };
  usePersistenceStore.setState({ recordId: current.id, fault: null, interrupted: null });
  if (!continuing) usePersistenceStore.setState({ latestCheckpoint: null, savedStep: null });
  const record = current;
  void enqueue((handle) => saveRunRecord(handle, record));
}

/** The series and status as the store holds them now. */
function snapshotOfStore(record: RunRecord): RunRecord {
  const { runs, status, promptMaps, continual } = useAppStore.getState();
  return { ...record, runs, promptMaps, continual, status: record.status === 'faulted' ? 'faulted' : recordStatus(status), updatedAt: new Date().toISOString() };
}

/** Metrics changed: written at most once per METRICS_DEBOUNCE_MS. */
function scheduleMetrics(): void {
  if (!current || debounce) return;
  debounce = setTimeout(() => {
    debounce = null;
    if (!current) return;
    current = snapshotOfStore(current);
    const record = current;
    void enqueue((handle) => saveRunRecord(handle, record));
  }, METRICS_DEBOUNCE_MS);
}

export function recordCheckpoint(snapshot: TrainingSnapshot): void {
  usePersistenceStore.setState({ latestCheckpoint: snapshot });
  if (!current) return;
  current = { ...snapshotOfStore(current), checkpointStep: snapshot.step };
  const record = current;
  void enqueue(async (handle) => {
    await saveCheckpoint(handle, record, snapshot);
    if (usePersistenceStore.getState().recordId === record.id) usePersistenceStore.setState({ savedStep: snapshot.step });
  });
}

export function recordFault(fault: FaultEvent): void {
  usePersistenceStore.setState({ fault });
  if (!current) return;
  current = { ...snapshotOfStore(current), status: 'faulted', message: fault.message };
  const record = current;
  void enqueue((handle) => saveRunRecord(handle, record));
}

/** The run ended (done, stopped, failed): its final record now, not debounced. */
export function finishRecord(): Promise<void> {
  if (debounce) clearTimeout(debounce);
  debounce = null;
  if (!current) return writes;
  const ended = snapshotOfStore(current);
  current = { ...ended, message: ended.status === 'error' ? useAppStore.getState().error : ended.message };
  const record = current;
  const written = enqueue((handle) => saveRunRecord(handle, record));
  return written.then(refreshHistory);
}

/** Watches the store while a run is recorded (installed once by the app). */
export function installRecorder(): () => void {
  return useAppStore.subscribe((state, previous) => {
    // Only the run being recorded: results cleared from the screen, or an older run opened from
    // the history, are not this record's series.
    if (!current || state.runSpec !== current.spec) return;
    if (state.runs !== previous.runs || state.continual !== previous.continual || state.promptMaps !== previous.promptMaps) scheduleMetrics();
    if (state.status !== previous.status && (state.status === 'paused' || state.status === 'running')) {
      current = snapshotOfStore(current);
      const record = current;
      void enqueue((handle) => saveRunRecord(handle, record));
    }
  });
}

/** On load: a run a previous page left running, and the history list. */
export async function loadHistory(): Promise<void> {
  const handle = await db();
  if (!handle) return;
  const except = new Set(current ? [current.id] : []);
  const [interrupted, history] = await Promise.all([findInterruptedRun(handle, except), listRunRecords(handle)]);
  usePersistenceStore.setState({ interrupted, history });
}

export async function refreshHistory(): Promise<void> {
  const handle = await db();
  if (handle) usePersistenceStore.setState({ history: await listRunRecords(handle) });
}

export async function forgetRun(id: string): Promise<void> {
  await enqueue((handle) => deleteRun(handle, id));
  const { interrupted } = usePersistenceStore.getState();
  if (interrupted?.id === id) usePersistenceStore.setState({ interrupted: null });
  await refreshHistory();
}

export async function checkpointOf(id: string): Promise<TrainingSnapshot | null> {
  const handle = await db();
  return handle ? loadCheckpoint(handle, id) : null;
}

/** The record being written (for a resume of the same run). */
export function currentRecord(): RunRecord | null {
  return current;
}
