import * as Comlink from 'comlink';
import type { RunEvent } from '../engine/experiment/events';
import type { ExperimentSpec } from '../engine/experiment/spec';
import type { RunOutcome, StartOptions, TrainingWorkerApi } from '../worker/protocol';
import { backendOrderFromQuery } from './backend-order';
import { hubEndpointFromQuery } from './hub-endpoint';
import { useAppStore, type RunSeries } from './store';
import { useSweepStore } from './sweep-store';
import type { TrainingSnapshot } from '../engine/experiment/checkpoint-state';
import { beginRecord, currentRecord, finishRecord, recordCheckpoint, recordFault } from './persistence/run-recorder';
import { usePersistenceStore } from './persistence/persistence-store';
import { seriesAtStep, type RunRecord } from './persistence/run-db';

/**
 * The page's side of the training worker: one worker for the page's lifetime (it keeps the
 * tfjs backend and the loaded checkpoint between runs). Everything the worker says lands in the
 * store; components never talk to the worker directly.
 */

let worker: Comlink.Remote<TrainingWorkerApi> | null = null;
let currentRun: Promise<RunOutcome> | null = null;

function connect(): Comlink.Remote<TrainingWorkerApi> {
  if (!worker) {
    const raw = new Worker(new URL('../worker/training-worker.ts', import.meta.url), { type: 'module', name: 'training' });
    raw.addEventListener('error', (event) => {
      useAppStore.getState().applyEvent({ type: 'error', message: `training worker failed: ${event.message || 'could not start'}` });
    });
    worker = Comlink.wrap<TrainingWorkerApi>(raw);
  }
  return worker;
}

/** The page's one training worker (model loading talks to it too: it holds the checkpoint). */
export function trainingWorker(): Comlink.Remote<TrainingWorkerApi> {
  return connect();
}

/** Starts the backend early so the header can say which one (and on what adapter) at once. */
export async function initTraining(): Promise<void> {
  const store = useAppStore.getState();
  try {
    const assetBase = new URL(import.meta.env.BASE_URL, document.baseURI).href;
    const info = await connect().init({ order: backendOrderFromQuery(location.search), assetBase, hubEndpoint: hubEndpointFromQuery(location.search) });
    store.setBackend(info, null);
  } catch (error) {
    store.setBackend(null, error instanceof Error ? error.message : String(error));
  }
}

/** How long the page waits for a finished run's last streamed events before giving up on them. */
const EVENT_DRAIN_MS = 5000;

/**
 * Runs an experiment in the worker; resolves with its outcome once the store holds every event
 * of the run. The events travel on the callback proxy's own message port and may arrive after
 * the outcome, so the page waits for the last of them (each run's `run-end`, or the `error`)
 * before it calls the run finished: a next run (a sweep's) never receives a late event of this one.
 */
export function startRun(spec: ExperimentSpec, options: StartOptions = {}, continuing: { record: RunRecord; runs: RunSeries[] } | null = null): Promise<RunOutcome> {
  const store = useAppStore.getState();
  store.beginRun(spec);
  // A resumed run keeps its curves up to the checkpoint; the runner continues them.
  if (continuing) useAppStore.setState({ runs: continuing.runs });
  beginRecord(spec, continuing?.record ?? null);
  let runEnds = 0;
  let continualEnds = 0;
  let sawError = false;
  let drained: (() => void) | null = null;
  let outcome: RunOutcome | null = null;
  const isDrained = () =>
    outcome !== null && (outcome.error !== null ? sawError : runEnds >= outcome.summaries.length && continualEnds >= (outcome.continualEnds?.length ?? 0));
  const onEvent = Comlink.proxy((event: RunEvent) => {
    // Checkpoints go to the run history, not the store (large, and no chart needs them).
    if (event.type === 'checkpoint') return recordCheckpoint(event.snapshot);
    if (event.type === 'fault') recordFault(event);
    if (outcome !== null && isDrained()) return; // late and already accounted for
    useAppStore.getState().applyEvent(event);
    if (event.type === 'run-end') runEnds++;
    if (event.type === 'continual-end') continualEnds++;
    if (event.type === 'error') sawError = true;
    if (isDrained()) drained?.();
  });
  currentRun = connect()
    .start(spec, onEvent, options)
    .catch((error: unknown): RunOutcome => ({ summaries: [], error: error instanceof Error ? error.message : String(error) }))
    .then(async (result) => {
      outcome = result;
      if (!isDrained()) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, EVENT_DRAIN_MS);
        });
      }
      // Whatever did not arrive in time comes from the outcome itself.
      const { applyEvent, runs } = useAppStore.getState();
      for (const summary of result.summaries) {
        if (!runs.find((r) => r.runId === summary.runId)?.summary) applyEvent({ type: 'run-end', runId: summary.runId, summary });
      }
      const { promptMaps } = useAppStore.getState();
      for (const map of result.promptMaps ?? []) {
        if (!promptMaps.some((m) => m.runId === map.runId)) applyEvent(map);
      }
      for (const predicted of result.predictions ?? []) {
        if (!useAppStore.getState().runs.find((r) => r.runId === predicted.runId)?.predictions) applyEvent(predicted);
      }
      for (const adapter of result.nolaAdapters ?? []) {
        if (!useAppStore.getState().runs.find((r) => r.runId === adapter.runId)?.nolaAdapter) applyEvent(adapter);
      }
      for (const adapter of result.adapters ?? []) {
        if (!useAppStore.getState().runs.find((r) => r.runId === adapter.runId)?.adapterFiles) applyEvent(adapter);
      }
      for (const end of result.continualEnds ?? []) {
        if (!useAppStore.getState().continual.runs.find((r) => r.runId === end.runId)?.summary) applyEvent(end);
      }
      if (result.error !== null && !sawError) applyEvent({ type: 'error', message: result.error });
      sawError = true;
      runEnds = result.summaries.length;
      continualEnds = result.continualEnds?.length ?? 0;
      const { status, setStatus } = useAppStore.getState();
      if (result.fault) {
        // Paused by a fault: the notice offers the ways on; the settings are editable meanwhile.
        if (!usePersistenceStore.getState().fault) recordFault(result.fault);
        setStatus('stopped');
      } else if (status === 'stopping') setStatus('stopped');
      else if (status !== 'error') setStatus('done');
      useAppStore.setState({ progress: null });
      currentRun = null;
      await finishRecord();
      return result;
    });
  return currentRun;
}

export function pauseRun(): void {
  useAppStore.getState().setStatus('paused');
  void connect().pause();
}

export function resumeRun(): void {
  useAppStore.getState().setStatus('running');
  void connect().resume();
}

export async function stopRun(): Promise<void> {
  if (!currentRun) return;
  useAppStore.getState().setStatus('stopping');
  await connect().stop();
  await currentRun;
}

/** Stops a run in progress (if any) and clears every result, a sweep's too. The edited spec stays. */
export async function resetRun(): Promise<void> {
  await stopRun();
  useAppStore.getState().clearResults();
  usePersistenceStore.setState({ fault: null });
  useSweepStore.getState().clear();
}

/** What a resume may change: a smaller batch (out of memory) or learning rate (divergence). */
export interface ResumeChanges {
  batchSize?: number;
  /** Multiplies every group's learning rate. */
  lrScale?: number;
  /** Replaces the learning rates (the defaults, after an absurd one). */
  lr?: ExperimentSpec['optimizer']['lr'];
}

/**
 * Continues a run from a checkpoint in the worker: the charts are restored from the saved series
 * cut back to the checkpoint's step (curves and weights agree), the record goes on. After a lost
 * device the worker first gets a new one.
 */
export async function resumeFromCheckpoint(record: RunRecord, snapshot: TrainingSnapshot, changes: ResumeChanges = {}): Promise<RunOutcome | null> {
  if (usePersistenceStore.getState().fault?.kind === 'device-lost') {
    try {
      useAppStore.setState({ progress: { stage: 'setup', message: 're-creating the GPU device', fraction: null } });
      const info = await connect().recoverDevice();
      useAppStore.getState().setBackend(info, null);
    } catch (error) {
      useAppStore.getState().applyEvent({ type: 'error', message: `the GPU device could not be re-created: ${error instanceof Error ? error.message : String(error)}` });
      return null;
    }
  }
  const base = record.spec;
  const lr = changes.lr ?? Object.fromEntries(Object.entries(base.optimizer.lr).map(([group, rate]) => [group, rate * (changes.lrScale ?? 1)]));
  const spec: ExperimentSpec = {
    ...base,
    batchSize: changes.batchSize ?? base.batchSize,
    optimizer: { ...base.optimizer, lr: lr as ExperimentSpec['optimizer']['lr'] },
  };
  useAppStore.getState().setSpec(spec);
  usePersistenceStore.setState({ fault: null, interrupted: null, latestCheckpoint: snapshot });
  return startRun(spec, { resume: snapshot }, { record, runs: seriesAtStep(record.runs, snapshot.step) });
}

/** The record of the run this page trained last (for the fault notice's resume). */
export function lastRecord(): RunRecord | null {
  return currentRecord();
}

/** `?debug=faults` only: destroys the worker's real GPUDevice mid-run. */
export function simulateDeviceLoss(): Promise<boolean> {
  return Promise.resolve(connect().simulateDeviceLoss());
}
