import type { BackendInfo, BackendName } from '../engine/backend';
import type { RunEvent, RunSummary } from '../engine/experiment/events';
import type { ExperimentSpec } from '../engine/experiment/spec';

/**
 * What the page may ask of the training worker (called through comlink). Types only, so the
 * page can import this file without pulling the worker's code into its bundle.
 */
/** How a run ended: its summaries (partial if stopped), or the error that ended it. */
export interface RunOutcome {
  summaries: RunSummary[];
  error: string | null;
  /** Prompt attention maps sent after training (deep prompt, APT), again here since they come after the run-ends. */
  promptMaps?: Array<Extract<RunEvent, { type: 'prompt-map' }>>;
  /** NOLA runs' trained adapters (link text), for the same reason. */
  nolaAdapters?: Array<Extract<RunEvent, { type: 'nola-adapter' }>>;
  /** Image and text-to-text runs' predictions on the first validation examples, likewise. */
  predictions?: Array<Extract<RunEvent, { type: 'predictions' }>>;
  /** A task stream's strategies' final events (it has no run-ends to wait for). */
  continualEnds?: Array<Extract<RunEvent, { type: 'continual-end' }>>;
}

export interface TrainingWorkerApi {
  /**
   * Starts a tfjs backend, trying `order` (null: webgpu → webgl → wasm → cpu). `assetBase` is the
   * app's base URL (absolute): models and datasets are fetched below it.
   */
  init(options: { order: BackendName[] | null; assetBase: string }): Promise<BackendInfo>;
  /**
   * Trains the experiment, streaming events to `onEvent` (a comlink proxy); resolves when the run
   * ends, is stopped or fails, with its outcome (a failure is also streamed as an `error` event,
   * never thrown). The outcome is the reliable end: the proxy's events travel on their own
   * message port and may arrive after it.
   */
  start(spec: ExperimentSpec, onEvent: (event: RunEvent) => void): Promise<RunOutcome>;
  pause(): void;
  resume(): void;
  /** Ends the run after the current step; the runner still reports the summaries so far. */
  stop(): void;
}
