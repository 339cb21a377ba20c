import type { BackendInfo, BackendName } from '../engine/backend';
import type { RunEvent, RunSummary } from '../engine/experiment/events';
import type { ExperimentSpec } from '../engine/experiment/spec';
import type { ModelFamily } from '../engine/models/hooks';
import type { HostTensor } from '../engine/io/safetensors';
import type { TrainingSnapshot } from '../engine/experiment/checkpoint-state';

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
  /** Trained runs' adapter files (PEFT layout), likewise. */
  adapters?: Array<Extract<RunEvent, { type: 'adapter' }>>;
  /** A task stream's strategies' final events (it has no run-ends to wait for). */
  continualEnds?: Array<Extract<RunEvent, { type: 'continual-end' }>>;
  /** The fault that paused the run (also streamed as a `fault` event); `error` is null then. */
  fault?: Extract<RunEvent, { type: 'fault' }>;
}

/** What a run starts from besides its spec. */
export interface StartOptions {
  /** Per method index: an imported adapter's tensors (parseAdapterFiles), applied before the first evaluation. */
  initialAdapters?: Array<Map<string, HostTensor> | null>;
  /** Continue from this checkpoint of the same experiment (side-by-side runs only). */
  resume?: TrainingSnapshot;
}

/** A checkpoint file arriving: from the network (with rate and time left) or from the cache. */
export interface ModelLoadProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number | null;
  bytesPerSec: number | null;
  etaSec: number | null;
  fromCache: boolean;
}

/** How a model load ended. A failed or cancelled load keeps nothing (worker or cache). */
export type ModelLoadOutcome =
  | {
      ok: true;
      model: string;
      family: ModelFamily;
      totalParams: number;
      /** Bytes of the weights as loaded (float32 on the host). */
      weightBytes: number;
      /** Loaded from the browser's cache without network. */
      fromCache: boolean;
      /** Why the checkpoint could not be cached (quota), though it loaded. */
      cacheProblem: string | null;
    }
  | { ok: false; model: string; error: string; cancelled: boolean };

export interface TrainingWorkerApi {
  /**
   * Starts a tfjs backend, trying `order` (null: webgpu → webgl → wasm → cpu). `assetBase` is the
   * app's base URL (absolute): models and datasets are fetched below it.
   */
  init(options: { order: BackendName[] | null; assetBase: string; hubEndpoint: string }): Promise<BackendInfo>;
  /**
   * Loads a checkpoint (built-in id, hub repo id or URL) so runs of it start at once: streamed,
   * cached in the browser, validated. Resolves with the outcome, never throws.
   */
  loadModel(model: string, onProgress: (progress: ModelLoadProgress) => void): Promise<ModelLoadOutcome>;
  /** Loads files the user dropped (paths relative to the folder) as model "local:<name>". */
  loadModelFiles(name: string, files: Record<string, Uint8Array>, onProgress: (progress: ModelLoadProgress) => void): Promise<ModelLoadOutcome>;
  /** Cancels the model load in progress (its outcome says cancelled). */
  cancelModelLoad(): void;
  /**
   * Trains the experiment, streaming events to `onEvent` (a comlink proxy); resolves when the run
   * ends, is stopped or fails, with its outcome (a failure is also streamed as an `error` event,
   * never thrown). The outcome is the reliable end: the proxy's events travel on their own
   * message port and may arrive after it.
   */
  start(spec: ExperimentSpec, onEvent: (event: RunEvent) => void, options?: StartOptions): Promise<RunOutcome>;
  pause(): void;
  resume(): void;
  /** Ends the run after the current step; the runner still reports the summaries so far. */
  stop(): void;
  /** After a `device-lost` fault: a new WebGPU device and backend (the checkpoint survives on the page). */
  recoverDevice(): Promise<BackendInfo>;
  /** Test and `?debug=faults` only: destroys the real GPUDevice mid-run. False off WebGPU. */
  simulateDeviceLoss(): boolean;
}
