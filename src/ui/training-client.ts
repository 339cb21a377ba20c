import * as Comlink from 'comlink';
import type { RunEvent } from '../engine/experiment/events';
import type { ExperimentSpec } from '../engine/experiment/spec';
import type { TrainingWorkerApi } from '../worker/protocol';
import { backendOrderFromQuery } from './backend-order';
import { useAppStore } from './store';

/**
 * The page's side of the training worker: one worker for the page's lifetime (it keeps the
 * tfjs backend and the loaded checkpoint between runs). Everything the worker says lands in the
 * store; components never talk to the worker directly.
 */

let worker: Comlink.Remote<TrainingWorkerApi> | null = null;
let currentRun: Promise<void> | null = null;

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

/** Starts the backend early so the header can say which one (and on what adapter) at once. */
export async function initTraining(): Promise<void> {
  const store = useAppStore.getState();
  try {
    const assetBase = new URL(import.meta.env.BASE_URL, document.baseURI).href;
    const info = await connect().init({ order: backendOrderFromQuery(location.search), assetBase });
    store.setBackend(info, null);
  } catch (error) {
    store.setBackend(null, error instanceof Error ? error.message : String(error));
  }
}

export function startRun(spec: ExperimentSpec): Promise<void> {
  const store = useAppStore.getState();
  store.beginRun(spec);
  const onEvent = Comlink.proxy((event: RunEvent) => useAppStore.getState().applyEvent(event));
  currentRun = connect()
    .start(spec, onEvent)
    .catch((error: unknown) => {
      useAppStore.getState().applyEvent({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    })
    .finally(() => {
      const { status, setStatus } = useAppStore.getState();
      if (status === 'stopping') setStatus('stopped');
      else if (status !== 'error') setStatus('done');
      useAppStore.setState({ progress: null });
      currentRun = null;
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

/** Stops a run in progress (if any) and clears every result. The edited spec stays. */
export async function resetRun(): Promise<void> {
  await stopRun();
  useAppStore.getState().clearResults();
}
