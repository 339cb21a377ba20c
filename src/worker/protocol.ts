import type { BackendInfo, BackendName } from '../engine/backend';
import type { RunEvent } from '../engine/experiment/events';
import type { ExperimentSpec } from '../engine/experiment/spec';

/**
 * What the page may ask of the training worker (called through comlink). Types only, so the
 * page can import this file without pulling the worker's code into its bundle.
 */
export interface TrainingWorkerApi {
  /**
   * Starts a tfjs backend, trying `order` (null: webgpu → webgl → wasm → cpu). `assetBase` is the
   * app's base URL (absolute): models and datasets are fetched below it.
   */
  init(options: { order: BackendName[] | null; assetBase: string }): Promise<BackendInfo>;
  /**
   * Trains the experiment, streaming events to `onEvent` (a comlink proxy); resolves when the run
   * ends, is stopped or fails (a failure is streamed as an `error` event, never thrown).
   */
  start(spec: ExperimentSpec, onEvent: (event: RunEvent) => void): Promise<void>;
  pause(): void;
  resume(): void;
  /** Ends the run after the current step; the runner still reports the summaries so far. */
  stop(): void;
}
