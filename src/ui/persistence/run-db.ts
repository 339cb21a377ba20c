import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ExperimentSpec } from '../../engine/experiment/spec';
import type { TrainingSnapshot } from '../../engine/experiment/checkpoint-state';
import type { RunSeries } from '../store';
import type { RunEvent } from '../../engine/experiment/events';
import type { ContinualState } from '../continual/continual-store';

/**
 * The run history in IndexedDB: one record per started run (spec, link, environment, status,
 * the metric series as the store holds them) and, in a second store, its last checkpoint (the
 * training state, which is also the trained adapter). Records are written often (metrics ~1 s)
 * and checkpoints rarely and large, so they live apart; a checkpoint and the record that points
 * at it are written in one transaction. Every write is one transaction: it lands whole or not
 * at all (a failed put aborts it and the previous version stays).
 */

export const RUN_DB_NAME = 'peft-playground-runs';
const RUN_DB_VERSION = 1;

export type RecordStatus = 'running' | 'paused' | 'done' | 'stopped' | 'faulted' | 'error';

export interface RunEnvironment {
  backend: string;
  adapter: string;
  userAgent: string;
}

export interface RunRecord {
  id: string;
  /** ISO dates. */
  createdAt: string;
  updatedAt: string;
  spec: ExperimentSpec;
  /** The experiment as a link hash (specToHash), to open it again. */
  link: string;
  environment: RunEnvironment;
  status: RecordStatus;
  /** Why it stopped, for faulted and failed runs. */
  message: string | null;
  /** The metric series as the store held them at `updatedAt`. */
  runs: RunSeries[];
  /** The prompt attention maps (deep prompt, APT) and a task stream's results, to show again (absent in older records). */
  promptMaps?: Array<Extract<RunEvent, { type: 'prompt-map' }>>;
  continual?: ContinualState;
  /** Steps of the last saved checkpoint (null: none saved). */
  checkpointStep: number | null;
  /** Side-by-side runs resume from their checkpoint; task streams and sweeps are history only. */
  resumable: boolean;
}

interface CheckpointRow {
  id: string;
  snapshot: TrainingSnapshot;
}

interface RunDbSchema extends DBSchema {
  runs: { key: string; value: RunRecord; indexes: { 'by-created': string } };
  checkpoints: { key: string; value: CheckpointRow };
}

export type RunDb = IDBPDatabase<RunDbSchema>;

/**
 * Runs the writes of one transaction and waits for its commit. A put of a value that cannot be
 * cloned throws synchronously, after earlier puts were queued, and a transaction with no pending
 * request commits on its own: so any throw aborts it explicitly, or half of it would land.
 */
async function writeAll<T extends { done: Promise<void>; abort(): void }>(tx: T, writes: Array<(tx: T) => Promise<unknown>>): Promise<void> {
  const requests: Array<Promise<unknown>> = [];
  try {
    for (const write of writes) requests.push(write(tx));
  } catch (error) {
    // The queued requests and the transaction reject with AbortError: expected, not unhandled.
    for (const request of [...requests, tx.done]) request.catch(() => {});
    tx.abort();
    throw error;
  }
  await Promise.all([...requests, tx.done]);
}

export function openRunDb(name = RUN_DB_NAME): Promise<RunDb> {
  return openDB<RunDbSchema>(name, RUN_DB_VERSION, {
    upgrade(db) {
      const runs = db.createObjectStore('runs', { keyPath: 'id' });
      runs.createIndex('by-created', 'createdAt');
      db.createObjectStore('checkpoints', { keyPath: 'id' });
    },
  });
}

/** Writes (creates or replaces) a run's record. */
export async function saveRunRecord(db: RunDb, record: RunRecord): Promise<void> {
  await writeAll(db.transaction('runs', 'readwrite'), [(tx) => tx.store.put(record)]);
}

/** Writes a checkpoint and its record (with `checkpointStep`) in one transaction. */
export async function saveCheckpoint(db: RunDb, record: RunRecord, snapshot: TrainingSnapshot): Promise<void> {
  if (snapshot.step !== record.checkpointStep) throw new Error(`record says checkpoint step ${record.checkpointStep}, the checkpoint is of step ${snapshot.step}`);
  await writeAll(db.transaction(['runs', 'checkpoints'], 'readwrite'), [(tx) => tx.objectStore('checkpoints').put({ id: record.id, snapshot }), (tx) => tx.objectStore('runs').put(record)]);
}

export async function loadRunRecord(db: RunDb, id: string): Promise<RunRecord | null> {
  return (await db.get('runs', id)) ?? null;
}

export async function loadCheckpoint(db: RunDb, id: string): Promise<TrainingSnapshot | null> {
  return (await db.get('checkpoints', id))?.snapshot ?? null;
}

/** Every record, newest first. */
export async function listRunRecords(db: RunDb): Promise<RunRecord[]> {
  return (await db.getAllFromIndex('runs', 'by-created')).reverse();
}

/** Deletes a record and its checkpoint together. */
export async function deleteRun(db: RunDb, id: string): Promise<void> {
  await writeAll(db.transaction(['runs', 'checkpoints'], 'readwrite'), [(tx) => tx.objectStore('runs').delete(id), (tx) => tx.objectStore('checkpoints').delete(id)]);
}

/**
 * The newest run that was training (or paused) when its page went away: a status of running or
 * paused on load means nobody finished it. `except` leaves out runs this page is recording.
 */
export async function findInterruptedRun(db: RunDb, except: ReadonlySet<string> = new Set()): Promise<RunRecord | null> {
  return (await listRunRecords(db)).find((r) => (r.status === 'running' || r.status === 'paused') && !except.has(r.id)) ?? null;
}

/**
 * The series cut back to a checkpoint's step: after a resume the curves continue from where
 * the weights are, so points trained after the checkpoint (and lost with the page) are dropped.
 */
export function seriesAtStep(runs: readonly RunSeries[], step: number): RunSeries[] {
  return runs.map((run) => ({
    runId: run.runId,
    method: run.method,
    trainable: run.trainable,
    totalParams: run.totalParams,
    steps: run.steps.filter((p) => p.step <= step),
    evals: run.evals.filter((p) => p.step <= step),
    summary: null,
  }));
}
