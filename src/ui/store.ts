import { create } from 'zustand';
import type { BackendInfo } from '../engine/backend';
import type { ProgressStage, RunEvent, RunSummary } from '../engine/experiment/events';
import type { Prediction } from '../engine/experiment/prediction-events';
import { DEFAULT_SPEC, parseExperimentSpec, type ExperimentSpec } from '../engine/experiment/spec';
import { METHOD_NAMES } from '../engine/methods/catalog';
import type { MethodName, TrainableCount } from '../engine/methods/types';
import { applyContinualEvent, EMPTY_CONTINUAL, type ContinualState } from './continual/continual-store';

/**
 * The app's one store. Data flows one way: the spec is edited here, sent to the worker, and the
 * worker's events come back through `applyEvent`; components only read. No tensors live here.
 */

export type RunStatus = 'idle' | 'loading' | 'running' | 'paused' | 'stopping' | 'stopped' | 'done' | 'error';

export interface StepPoint {
  step: number;
  loss: number;
  stepMs: number;
  tokensPerSec: number;
  gpuBytes: number;
  peakGpuBytes: number;
  runBytes: number;
}

export interface EvalPoint {
  step: number;
  loss: number;
  accuracy: number | null;
  perplexity: number | null;
  /** What the metric is over: validation examples (accuracy) or target tokens (perplexity); absent in older exports. */
  count?: number;
}

/** One method's run as the charts and the table see it. */
export interface RunSeries {
  runId: string;
  method: MethodName;
  trainable: TrainableCount;
  totalParams: number;
  steps: StepPoint[];
  evals: EvalPoint[];
  summary: RunSummary | null;
  /** NOLA runs, after training: the trained coefficients as the `nola.adapter` option (base64url). */
  nolaAdapter?: { text: string; bytes: number };
  /** Image and text-to-text runs: predictions on the first validation examples (after training). */
  predictions?: Prediction[];
  /** Runs read from an exported file: the machine they ran on (its adapter), shown in labels. */
  importedFrom?: string;
  /** After training: the run's adapter files (PEFT layout), for "Download adapter". */
  adapterFiles?: { config: string; weights: Uint8Array };
}

export interface Progress {
  stage: ProgressStage;
  message: string;
  fraction: number | null;
}

export interface AppState {
  /** The experiment being edited (always valid: fields only commit values the schema accepts). */
  spec: ExperimentSpec;
  /** Options of methods the user unticked, so ticking them again restores the edits. */
  stashedOptions: Partial<Record<MethodName, Record<string, unknown>>>;
  /** Problems found in the link the page was opened with; shown until dismissed. */
  notices: string[];
  /** The spec came from a link (and has not been run yet): the UI offers to replay it. */
  fromLink: boolean;
  backend: BackendInfo | null;
  backendError: string | null;
  status: RunStatus;
  progress: Progress | null;
  error: string | null;
  /** The spec of the current or last run: the charts' axes and the table follow it, not edits. */
  runSpec: ExperimentSpec | null;
  runs: RunSeries[];
  /** Deep prompt / APT runs' prompt attention maps, sent after training. */
  promptMaps: Array<Extract<RunEvent, { type: 'prompt-map' }>>;
  /**
   * Runs imported from exported files, charted and tabled beside this page's runs; kept when a
   * new run starts, until removed.
   */
  importedRuns: RunSeries[];
  /** A task stream's run (split-mnist, sotu-eras): the stream and each strategy's results. */
  continual: ContinualState;
  /**
   * The methods ticked before a task stream was chosen (a stream trains one), restored when a
   * task that is not a stream is chosen again; null when there is nothing to restore.
   */
  methodsBeforeStream: ExperimentSpec['methods'] | null;

  setSpec(spec: ExperimentSpec): void;
  loadLink(spec: ExperimentSpec, notices: string[], fromLink: boolean): void;
  toggleMethod(name: MethodName, selected: boolean, defaults: Record<string, unknown>): void;
  setMethodOptions(name: MethodName, options: Record<string, unknown>): void;
  /** Task streams: `name` becomes the one method (its stashed options, else `defaults`). */
  chooseOnlyMethod(name: MethodName, defaults: Record<string, unknown>): void;
  /** Sets the spec after a task change and what to restore when leaving a task stream. */
  setSpecAndMethodStash(spec: ExperimentSpec, methodsBeforeStream: ExperimentSpec['methods'] | null): void;
  dismissNotice(index: number): void;
  dismissAllNotices(): void;
  setBackend(info: BackendInfo | null, error: string | null): void;
  beginRun(spec: ExperimentSpec): void;
  setStatus(status: RunStatus): void;
  applyEvent(event: RunEvent): void;
  clearResults(): void;
  addImportedRuns(runs: RunSeries[]): void;
  clearImportedRuns(): void;
}

/** Keeps the methods in the registry's order, so colours and table rows stay put. */
function sortByRegistry(methods: ExperimentSpec['methods']): ExperimentSpec['methods'] {
  return [...methods].sort((a, b) => METHOD_NAMES.indexOf(a.name) - METHOD_NAMES.indexOf(b.name));
}

function updateRun(runs: RunSeries[], runId: string, update: (run: RunSeries) => RunSeries): RunSeries[] {
  return runs.map((run) => (run.runId === runId ? update(run) : run));
}

export const useAppStore = create<AppState>()((set, get) => ({
  // Completed by the schemas, so every method option has a value for its input.
  spec: parseExperimentSpec(DEFAULT_SPEC),
  stashedOptions: {},
  notices: [],
  fromLink: false,
  backend: null,
  backendError: null,
  status: 'idle',
  progress: null,
  error: null,
  runSpec: null,
  runs: [],
  promptMaps: [],
  importedRuns: [],
  continual: EMPTY_CONTINUAL,
  methodsBeforeStream: null,

  setSpec: (spec) => set({ spec }),
  loadLink: (spec, notices, fromLink) => set({ spec, notices, fromLink, stashedOptions: {}, methodsBeforeStream: null }),

  toggleMethod(name, selected, defaults) {
    const { spec, stashedOptions } = get();
    const present = spec.methods.find((m) => m.name === name);
    if (selected && !present) {
      const options = stashedOptions[name] ?? defaults;
      set({ spec: { ...spec, methods: sortByRegistry([...spec.methods, { name, options }]) } });
    } else if (!selected && present) {
      set({
        spec: { ...spec, methods: spec.methods.filter((m) => m.name !== name) },
        stashedOptions: { ...stashedOptions, [name]: present.options },
      });
    }
  },

  setMethodOptions(name, options) {
    const { spec } = get();
    set({ spec: { ...spec, methods: spec.methods.map((m) => (m.name === name ? { name, options } : m)) } });
  },

  chooseOnlyMethod(name, defaults) {
    const { spec, stashedOptions } = get();
    const current = spec.methods.find((m) => m.name === name);
    if (current && spec.methods.length === 1) return;
    const stashed = Object.fromEntries(spec.methods.filter((m) => m.name !== name).map((m) => [m.name, m.options]));
    set({
      spec: { ...spec, methods: [{ name, options: current?.options ?? stashedOptions[name] ?? defaults }] },
      stashedOptions: { ...stashedOptions, ...stashed },
    });
  },

  setSpecAndMethodStash: (spec, methodsBeforeStream) => set({ spec, methodsBeforeStream }),

  dismissNotice: (index) => set({ notices: get().notices.filter((_, i) => i !== index) }),
  dismissAllNotices: () => set({ notices: [] }),
  setBackend: (backend, backendError) => set({ backend, backendError }),

  beginRun: (spec) =>
    set({ runSpec: spec, runs: [], promptMaps: [], continual: EMPTY_CONTINUAL, fromLink: false, status: 'loading', error: null, progress: { stage: 'model', message: 'starting the worker', fraction: null } }),

  setStatus: (status) => set({ status }),

  applyEvent(event) {
    const state = get();
    switch (event.type) {
      case 'backend':
        set({ backend: event.info });
        return;
      case 'progress':
        set({ progress: { stage: event.stage, message: event.message, fraction: event.fraction } });
        return;
      case 'run-start': {
        // A resumed run already holds its series up to the checkpoint: they continue.
        const runs: RunSeries[] = state.runs.some((r) => r.runId === event.runId)
          ? state.runs
          : [...state.runs, { runId: event.runId, method: event.method, trainable: event.trainable, totalParams: event.totalParams, steps: [], evals: [], summary: null }];
        // Once every run is set up, the first GPU work (the untrained evaluation, then the
        // first step) compiles the shaders: seconds to tens of seconds with nothing to show.
        const allSetUp = runs.length === state.runSpec?.methods.length;
        set({ runs, ...(allSetUp ? { progress: { stage: 'warmup', message: 'compiling GPU kernels (first evaluation and step)', fraction: null } } : {}) });
        return;
      }
      case 'step': {
        const point: StepPoint = {
          step: event.step,
          loss: event.loss,
          stepMs: event.stepMs,
          tokensPerSec: event.tokensPerSec,
          gpuBytes: event.gpuBytes,
          peakGpuBytes: event.peakGpuBytes,
          runBytes: event.runBytes,
        };
        set({
          runs: updateRun(state.runs, event.runId, (run) => ({ ...run, steps: [...run.steps, point] })),
          // The first step ends the warm-up (kernel compilation); nothing is pending after it.
          progress: state.progress?.stage === 'warmup' ? null : state.progress,
          status: state.status === 'loading' ? 'running' : state.status,
        });
        return;
      }
      case 'eval': {
        const point: EvalPoint = { step: event.step, loss: event.loss, accuracy: event.accuracy, perplexity: event.perplexity, count: event.examples ?? event.count };
        set({
          runs: updateRun(state.runs, event.runId, (run) => ({ ...run, evals: [...run.evals, point] })),
        });
        return;
      }
      case 'run-end':
        set({ runs: updateRun(state.runs, event.runId, (run) => ({ ...run, summary: event.summary })) });
        return;
      case 'prompt-map':
        set({ promptMaps: [...state.promptMaps, event] });
        return;
      case 'predictions':
        set({ runs: updateRun(state.runs, event.runId, (run) => ({ ...run, predictions: event.predictions })) });
        return;
      case 'nola-adapter':
        set({ runs: updateRun(state.runs, event.runId, (run) => ({ ...run, nolaAdapter: { text: event.text, bytes: event.bytes } })) });
        return;
      case 'adapter':
        set({ runs: updateRun(state.runs, event.runId, (run) => ({ ...run, adapterFiles: event.files })) });
        return;
      case 'continual-start':
        // The first batches compile the GPU kernels: seconds with nothing to show.
        set({
          continual: applyContinualEvent(state.continual, event),
          progress: { stage: 'warmup', message: 'compiling GPU kernels (first batches)', fraction: null },
        });
        return;
      case 'continual-batch':
        set({
          continual: applyContinualEvent(state.continual, event),
          // Training again: the warm-up (or EMR's memory selection before this task) is over.
          progress: state.progress?.stage === 'warmup' || state.progress?.stage === 'memory' ? null : state.progress,
          status: state.status === 'loading' ? 'running' : state.status,
        });
        return;
      case 'continual-task':
      case 'continual-end':
        // EMR's memory selection ends before its task's result.
        set({ continual: applyContinualEvent(state.continual, event), ...(state.progress?.stage === 'memory' ? { progress: null } : {}) });
        return;
      case 'error':
        set({ status: 'error', error: event.message, progress: null });
        return;
    }
  },

  clearResults: () => set({ runs: [], promptMaps: [], continual: EMPTY_CONTINUAL, runSpec: null, status: 'idle', progress: null, error: null }),
  addImportedRuns: (runs) => set({ importedRuns: [...get().importedRuns, ...runs] }),
  clearImportedRuns: () => set({ importedRuns: [] }),
}));
