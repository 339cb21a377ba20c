/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { initBackend, type BackendInfo } from '../engine/backend';
import type { RunEvent } from '../engine/experiment/events';
import { runExperiment } from '../engine/experiment/runner';
import type { NolaConfig } from '../engine/methods/nola';
import { fromBase64Url, nolaAdapterText } from '../engine/methods/nola-adapter-codec';
import { promptMapEvents } from '../engine/experiment/prompt-map-events';
import { predictionEvents } from '../engine/experiment/prediction-events';
import { parseExperimentSpec, type ExperimentSpec } from '../engine/experiment/spec';
import { browserRunnerEnv } from './browser-env';
import { WorkerModels } from './model-loader';
import { DEFAULT_HUB_ENDPOINT } from '../engine/io/model-ref';
import type { ModelLoadProgress, RunOutcome, StartOptions, TrainingWorkerApi } from './protocol';
import { TrainingFault } from '../engine/experiment/faults';
import { destroyDevice, deviceFault, deviceIsLost, diagnoseDeviceFault, recreateWebgpuBackend, watchDevice } from './device-faults';
import { runAdapterFiles } from '../engine/experiment/run-adapter';
import { PausableControl } from './run-control';
import { WASM_BINARY_URLS } from './wasm-binaries';

/**
 * The training worker: owns tfjs (WebGPU works in dedicated workers in Chromium), runs one
 * experiment at a time and streams its events to the page, so the page never blocks on a
 * step. RPC is comlink: the page calls these methods; events come back through a proxied
 * callback.
 */

let assetBase = '';
let backend: Promise<BackendInfo> | null = null;
let control: PausableControl | null = null;
let hubEndpoint = DEFAULT_HUB_ENDPOINT;
/** The loaded checkpoint, reused by the next run of the same model (no re-download). */
const models = new WorkerModels(() => assetBase, () => hubEndpoint);

/** A comlink callback proxy holds a MessagePort until released. */
function releaseProxy(callback: unknown): void {
  (callback as Partial<Comlink.Remote<unknown>>)[Comlink.releaseProxy]?.();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const api: TrainingWorkerApi = {
  init(options) {
    assetBase = options.assetBase;
    hubEndpoint = options.hubEndpoint;
    backend ??= initBackend({ ...(options.order ? { order: options.order } : {}), wasmPaths: WASM_BINARY_URLS }).then((info) => {
      watchDevice();
      return info;
    });
    return backend;
  },

  async start(spec: ExperimentSpec, onEvent: (event: RunEvent) => void, options: StartOptions = {}) {
    if (control) throw new Error('a run is already in progress');
    if (!backend) throw new Error('init() must be called before start()');
    if (deviceIsLost()) throw new Error('the GPU device was lost: recoverDevice() first');
    const ownControl = new PausableControl(deviceFault, diagnoseDeviceFault);
    control = ownControl;
    // comlink proxy calls return promises; events are fire-and-forget, but if the page is gone
    // (the call rejects) there is nobody to train for: stop.
    const continualEnds: NonNullable<RunOutcome['continualEnds']> = [];
    const emit = (event: RunEvent) => {
      if (event.type === 'continual-end') continualEnds.push(event);
      Promise.resolve(onEvent(event)).catch(() => ownControl.stop());
    };
    try {
      emit({ type: 'backend', info: await backend });
      // The page validated the spec already; the worker does not trust its caller either.
      const checked = parseExperimentSpec(spec);
      const env = browserRunnerEnv(assetBase, hubEndpoint);
      const checkpoint = await models.checkpoint(checked.model, (p) =>
        emit({
          type: 'progress',
          stage: 'model',
          message: downloadText(p),
          fraction: p.totalBytes ? p.loadedBytes / p.totalBytes : null,
        }),
      );
      const promptMaps: NonNullable<RunOutcome['promptMaps']> = [];
      const nolaAdapters: NonNullable<RunOutcome['nolaAdapters']> = [];
      const predictions: NonNullable<RunOutcome['predictions']> = [];
      const adapters: NonNullable<RunOutcome['adapters']> = [];
      const summaries = await runExperiment(checked, env, emit, ownControl, {
        preloaded: checkpoint,
        ...(options.initialAdapters ? { initialAdapters: options.initialAdapters } : {}),
        ...(options.resume ? { resume: options.resume } : {}),
        // Task streams have no checkpoints (the runner never calls this for them).
        onCheckpoint: (snapshot) => emit({ type: 'checkpoint', snapshot }),
        // Deep prompt and APT runs: where each token draws from the prompts (APT's Fig. 3). A view
        // only: if it fails, the run's results still stand.
        afterTraining: async (runs, data, base) => {
          try {
            if (base.tokenizer && runs.some((r) => r.methodName === 'deep-prompt' || r.methodName === 'apt')) {
              emit({ type: 'progress', stage: 'finish', message: 'measuring the prompt attention map', fraction: null });
            }
            for (const event of base.tokenizer ? await promptMapEvents(runs, data, base.tokenizer) : []) {
              if (event.type === 'prompt-map') promptMaps.push(event);
              emit(event);
            }
          } catch (error) {
            console.warn('prompt attention map failed:', error);
          }
          // Image and text-to-text runs: what each predicts for the first validation examples.
          try {
            const decodes = data.shape.kind === 'seq2seq';
            const predicted = await predictionEvents(runs, data, base, undefined, ({ runId, done, total }) =>
              emit({
                type: 'progress',
                stage: 'decode',
                message: `${runId}: ${decodes ? 'decoding answers for' : 'classifying'} validation examples, ${done} of ${total}`,
                fraction: total > 0 ? done / total : null,
              }),
            );
            for (const event of predicted) {
              if (event.type === 'predictions') predictions.push(event);
              emit(event);
            }
          } catch (error) {
            console.warn('predictions failed:', error);
          }
          // NOLA on language modelling (no trained head): the adapter is small enough for the link.
          for (const run of runs.filter((r) => r.methodName === 'nola' && r.trainable.head === 0)) {
            try {
              const text = await nolaAdapterText(run.method, base.shape, run.methodSpec.options as unknown as NolaConfig);
              const event = { type: 'nola-adapter' as const, runId: run.runId, text, bytes: fromBase64Url(text).length };
              nolaAdapters.push(event);
              emit(event);
            } catch (error) {
              console.warn('NOLA adapter encoding failed:', error);
            }
          }
          // Every run's adapter files, as `train --save-adapter` writes them, for "Download adapter".
          // Full fine-tuning is left out: its file would be a copy of the whole model, not an adapter.
          const adapterRuns = runs.filter((r) => r.methodName !== 'full');
          for (const [i, run] of adapterRuns.entries()) {
            emit({ type: 'progress', stage: 'finish', message: `${run.runId}: packing the adapter files`, fraction: i / adapterRuns.length });
            try {
              const event = { type: 'adapter' as const, runId: run.runId, files: await runAdapterFiles(run, data, checked.model) };
              adapters.push(event);
              emit(event);
            } catch (error) {
              console.warn('adapter files failed:', error);
            }
          }
        },
      });
      return { summaries, error: null, promptMaps, nolaAdapters, predictions, adapters, continualEnds };
    } catch (error) {
      if (error instanceof TrainingFault) {
        const fault = { type: 'fault' as const, kind: error.kind, runId: error.runId, step: error.step, message: error.message, checkpointStep: error.checkpointStep };
        emit(fault);
        return { summaries: [], error: null, fault };
      }
      emit({ type: 'error', message: messageOf(error) });
      return { summaries: [], error: messageOf(error) };
    } finally {
      control = null;
      // The callback is a comlink proxy holding a MessagePort; one is made per run.
      (onEvent as Partial<Comlink.Remote<unknown>>)[Comlink.releaseProxy]?.();
    }
  },

  loadModel(model, onProgress) {
    return models.load(model, (p) => void onProgress(p)).finally(() => releaseProxy(onProgress));
  },
  loadModelFiles(name, files, onProgress) {
    return models.loadFiles(name, files, (p) => void onProgress(p)).finally(() => releaseProxy(onProgress));
  },
  cancelModelLoad() {
    models.cancel();
  },

  pause() {
    control?.pause();
  },
  resume() {
    control?.resume();
  },
  stop() {
    control?.stop();
  },
  async recoverDevice() {
    if (control) throw new Error('a run is in progress');
    backend = recreateWebgpuBackend(WASM_BINARY_URLS);
    return backend;
  },
  simulateDeviceLoss() {
    return destroyDevice();
  },
};

Comlink.expose(api);

function bytesText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** "downloading model.safetensors: 1.2 MiB of 5.4 MiB at 800.0 KiB/s, 6 s left". */
function downloadText(p: ModelLoadProgress): string {
  return (
    `${p.fromCache ? 'reading' : 'downloading'} ${p.file}: ${bytesText(p.loadedBytes)}` +
    (p.totalBytes ? ` of ${bytesText(p.totalBytes)}` : '') +
    (p.bytesPerSec ? ` at ${bytesText(p.bytesPerSec)}/s` : '') +
    (p.etaSec !== null && Number.isFinite(p.etaSec) ? `, ${Math.ceil(p.etaSec)} s left` : '')
  );
}
