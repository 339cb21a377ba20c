import { createRng } from '../data/rng';
import type { Batch } from '../data/types';
import { loadBaseCheckpoint, type BaseCheckpoint } from '../experiment/base-model';
import { MethodRun } from '../experiment/method-run';
import type { RunnerEnv } from '../experiment/runner';
import { parseExperimentSpec, type ExperimentSpec, type MethodSpec } from '../experiment/spec';
import { loadTaskShape, prepareTaskData, type TaskData } from '../experiment/task-data';
import { methodByName } from '../methods/registry';
import type { MethodName, TaskShape } from '../methods/types';
import type { ModelShape } from '../models/hooks';
import { measureMatmulRate, type MatmulRate } from './matmul-rate';
import { randomGpt2Checkpoint } from './random-checkpoint';
import { stat } from './stats';
import { stepFlops } from './step-flops';
import { batchTokens, instrumentedStep, timedStep, watchForward, type InstrumentedStep } from './step-probe';
import { methodLabel, suiteMethods } from './suite';
import { CHECKPOINT_MODES, ENGINE_REPORT_VERSION, type CheckpointMode, type EngineReport, type EngineRow, type LoraFullRatio, type PeerReport } from './engine-report';

/**
 * The engine scorecard (`npm run bench:engine`): every method on each model family, measured
 * step by step (src/engine/bench/step-probe.ts) with activation checkpointing off and on, plus
 * LoRA on a GPT-2-small-shaped random checkpoint. Runs of one session alternate step by step
 * (A, B, C, A, B, C, …) on identical batches, so that ratios between methods are fair; the
 * PyTorch peer (scripts/bench-engine-peer.ts) runs between measurement rounds.
 */

/** One model and task, and the runs measured on it. */
export interface ScorecardSession {
  /** Row label: "tiny-gpt2", …, "gpt2-small-random". */
  id: string;
  /** A built-in model id, or null with `load`. */
  model: string | null;
  load?: (env: RunnerEnv) => Promise<BaseCheckpoint>;
  task: string;
  batchSize: number;
  /** Input tokens; text models with learned positions shrink it per method to fit its prompt. */
  seqLen: number;
  methods: MethodSpec[];
  warmupSteps: number;
  measuredSteps: number;
  /** Measured steps split into this many rounds (the peer runs after each). */
  rounds: number;
  /** All runs alive at once, alternating step by step; false: one run after another (big models). */
  alternate: boolean;
  /** Checkpointing modes to measure (default both). */
  modes?: CheckpointMode[];
  /**
   * Measure each mode in a process of its own where the host can (ScorecardOptions.runIsolated):
   * a wasm heap that runs out aborts the whole module, and the other sessions must survive it.
   */
  isolate?: boolean;
}

export const GPT2_SMALL_SESSION_ID = 'gpt2-small-random';
/** The GPT-2-small shape (vocabulary 2048: tiny-gpt2's tokenizer). */
export const GPT2_SMALL_SIZE = { hidden: 768, layers: 12, heads: 12, positions: 1024 };

export interface SessionChoice {
  mode: 'full' | 'quick';
  /** Include the GPT-2-small LoRA session (full mode only). */
  gpt2Small: boolean;
  /** Restrict the methods (tests); default every registered method. */
  methods?: MethodName[];
  /** Restrict the sessions by id (tests). */
  models?: string[];
  /**
   * Where the GPT-2-small session's weights come from; default: generated in memory (seeded).
   * The bench script loads the folder it wrote for the peer, so both train the same file.
   */
  gpt2SmallLoad?: (env: RunnerEnv) => Promise<BaseCheckpoint>;
}

/**
 * The sessions: tiny-gpt2 on lm-spam 8 × 128 (methods with a prompt get 128 − prompt input
 * tokens), tiny-vit on its MNIST task (8 images), tiny-t5 on spam text-to-text (8 × 64 encoder
 * tokens); in full mode also LoRA r=8 q,v on the GPT-2-small shape at 8 × 256, 1 warm-up + 1
 * measured step (a step takes tens of seconds on one wasm thread).
 */
export function scorecardSessions(choice: SessionChoice): ScorecardSession[] {
  const quick = choice.mode === 'quick';
  const steps = quick ? { warmupSteps: 1, measuredSteps: 2, rounds: 1 } : { warmupSteps: 2, measuredSteps: 6, rounds: 1 };
  const pick = (methods: MethodSpec[]) => (choice.methods ? methods.filter((m) => choice.methods!.includes(m.name)) : methods);
  const sessions: ScorecardSession[] = [
    // Four rounds of 3 steps: the peer runs after each (ours, peer, ours, peer, …).
    { id: 'tiny-gpt2', model: 'tiny-gpt2', task: 'lm-spam', batchSize: 8, seqLen: 128, methods: pick(suiteMethods()), alternate: true, ...(quick ? steps : { warmupSteps: 2, measuredSteps: 12, rounds: 4 }) },
    { id: 'tiny-vit', model: 'tiny-vit', task: 'mnist-5shot', batchSize: 8, seqLen: 0, methods: pick(suiteMethods({ vocabSize: 0 })), alternate: true, ...steps },
    { id: 'tiny-t5', model: 'tiny-t5', task: 'spam', batchSize: 8, seqLen: 64, methods: pick(suiteMethods()), alternate: true, ...steps },
  ];
  if (!quick && choice.gpt2Small) {
    sessions.push({
      id: GPT2_SMALL_SESSION_ID,
      model: null,
      load: choice.gpt2SmallLoad ?? (async (env) => randomGpt2Checkpoint(GPT2_SMALL_SIZE, env.modelSource('tiny-gpt2'))),
      task: 'lm-spam',
      batchSize: 8,
      seqLen: 256,
      methods: [{ name: 'lora', options: { r: 8, targets: ['q', 'v'] } }],
      warmupSteps: 1,
      measuredSteps: 1,
      rounds: 1,
      alternate: false,
      isolate: true,
    });
  }
  return choice.models ? sessions.filter((s) => choice.models!.includes(s.id)) : sessions;
}

/** Whether the spec takes `memory: { checkpoint }` (another change adds it); the note says why not. */
export function checkpointingSupport(): { available: boolean; note: string } {
  try {
    parseExperimentSpec({ memory: { checkpoint: 'blocks' } });
    return { available: true, note: 'spec memory.checkpoint: "none" | "blocks"' };
  } catch (error) {
    return { available: false, note: `checkpointing: not available (the spec rejects memory.checkpoint: ${(error as Error).message})` };
  }
}

/** The spec of one run; null for "blocks" where checkpointing is not available. */
function runSpec(session: ScorecardSession, method: MethodSpec, seqLen: number, steps: number, mode: CheckpointMode, checkpointing: boolean): ExperimentSpec | null {
  const json: Record<string, unknown> = {
    model: session.model ?? 'tiny-gpt2',
    task: session.task,
    methods: [method],
    steps,
    batchSize: session.batchSize,
    seqLen: Math.max(2, seqLen),
    eval: { every: 0, maxBatches: 1 },
    logEvery: 1,
  };
  if (!checkpointing) return mode === 'none' ? parseExperimentSpec(json) : null;
  return parseExperimentSpec({ ...json, memory: { checkpoint: mode } });
}

/** One run of a session while it is measured. */
interface LiveRun {
  method: MethodSpec;
  checkpoint: CheckpointMode;
  spec: ExperimentSpec | null;
  data: TaskData | null;
  inputLength: number;
  prefixLength: number;
  run: MethodRun | null;
  batches: { next(): Batch } | null;
  samples: number[];
  tokens: number[];
  roundOf: number[];
  runBytes: number | null;
  targetLength: number | null;
  instrumented: InstrumentedStep | null;
  status: EngineRow['status'];
  error: string | null;
}

export interface SessionHooks {
  /** After measurement round `round` of a session (every run's steps of that round). */
  afterRound?: (session: ScorecardSession, round: number) => Promise<void>;
  onProgress?: (message: string) => void;
}

/** An error's message; a wasm abort says what it most likely means. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /Aborted\(/.test(text) && !text.startsWith('wasm aborted') ? `wasm aborted, most likely out of heap (wasm's is at most 4 GiB): ${text}` : text;
}

/** A run before it is built: its spec (null: checkpointing not available), input and prompt lengths. */
function plannedRun(session: ScorecardSession, shape: ModelShape, method: MethodSpec, mode: CheckpointMode, totalSteps: number, checkpointing: boolean): LiveRun {
  const resolved = parseExperimentSpec({ methods: [method] }).methods[0];
  const prefixLength = methodByName(method.name).prefixLength?.(resolved.options) ?? 0;
  // Learned positions (GPT-2) hold prompt + input: the input shrinks by the prompt's length.
  const seqLen = shape.maxPositions === null ? session.seqLen : Math.min(session.seqLen, shape.maxPositions - prefixLength);
  const spec = runSpec(session, method, seqLen, totalSteps, mode, checkpointing);
  return {
    method: spec?.methods[0] ?? resolved,
    checkpoint: mode,
    spec,
    data: null,
    inputLength: seqLen,
    prefixLength,
    run: null,
    batches: null,
    samples: [],
    tokens: [],
    roundOf: [],
    runBytes: null,
    targetLength: null,
    instrumented: null,
    status: spec ? 'ok' : 'not available',
    error: null,
  };
}

/**
 * Rows of a session that could not be measured in-process (its isolated process died: wasm
 * aborts when its heap, at most 4 GiB, runs out), from config.json alone.
 */
export async function unmeasuredRows(session: ScorecardSession, checkpoint: Pick<BaseCheckpoint, 'model' | 'shape'>, mode: CheckpointMode, error: string, env: RunnerEnv, matmulGflops: number): Promise<EngineRow[]> {
  const checkpointing = checkpointingSupport().available;
  const rows: EngineRow[] = [];
  for (const method of session.methods) {
    const live = plannedRun(session, checkpoint.shape, method, mode, 1, checkpointing);
    if (live.status === 'ok') {
      live.status = 'failed';
      live.error = error;
    }
    const task = await loadTaskShape(session.task, env.readDataFile, live.inputLength, checkpoint.model);
    rows.push(rowOf(session, checkpoint, live, matmulGflops, task));
  }
  return rows;
}

/** Measures one session; rows in method order, "none" before "blocks" for each method. */
export async function runScorecardSession(session: ScorecardSession, env: RunnerEnv, matmulGflops: number, hooks: SessionHooks = {}): Promise<EngineRow[]> {
  const progress = (message: string) => hooks.onProgress?.(`${session.id}: ${message}`);
  progress('loading');
  const base = session.load ? await session.load(env) : await loadBaseCheckpoint(env.modelSource(session.model!));
  const checkpointing = checkpointingSupport().available;
  const totalSteps = session.warmupSteps + session.measuredSteps + 1;
  const stepsPerRound = Math.ceil(session.measuredSteps / session.rounds);
  const dataByLength = new Map<number, TaskData>();
  const dataFor = async (seqLen: number) => {
    let data = dataByLength.get(seqLen);
    if (!data) {
      data = await prepareTaskData(session.task, env.readDataFile, base, session.batchSize, seqLen, 42);
      dataByLength.set(seqLen, data);
    }
    return data;
  };

  const lives: LiveRun[] = [];
  for (const method of session.methods) {
    for (const mode of session.modes ?? CHECKPOINT_MODES) {
      const live = plannedRun(session, base.shape, method, mode, totalSteps, checkpointing);
      if (live.spec) {
        live.data = await dataFor(live.inputLength);
        live.inputLength = live.data.shape.seqLen;
      }
      lives.push(live);
    }
  }

  const tokensPerImage = base.model.family === 'vit' ? (lives.find((l) => l.data)?.data?.shape.seqLen ?? 0) : 1;
  const fail = (live: LiveRun, error: unknown) => {
    live.status = 'failed';
    live.error = errorText(error);
    try {
      live.run?.dispose();
    } catch {
      // An aborted wasm module cannot free anything; the process is done with it anyway.
    }
    live.run = null;
    progress(`${live.method.name} (${live.checkpoint}) failed: ${live.error}`);
  };
  const build = (live: LiveRun, index: number) => {
    if (live.status !== 'ok') return;
    try {
      // Same seed for every run's model init and batch stream: identical batches for every method.
      const rng = createRng(live.spec!.seed);
      live.run = new MethodRun(`${index}:${live.method.name}`, live.method, base, live.data!.shape, live.spec!, rng);
      live.batches = live.data!.trainBatches(rng.fork('batches'));
    } catch (error) {
      fail(live, error);
    }
  };
  const nextBatch = (live: LiveRun) => {
    const batch = live.batches!.next();
    if (batch.kind === 'seq2seq') live.targetLength = batch.targetLen;
    return batch;
  };
  const warm = async (live: LiveRun) => {
    if (!live.run) return;
    // Untimed: watched, so that a step that dies in backward still tells what its forward kept.
    const watch = watchForward(live.run);
    try {
      await timedStep(live.run, nextBatch(live));
    } catch (error) {
      const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
      const seen = watch.forwardEndBytes === null ? 'before the end of its forward pass' : `after its forward pass had kept ${mib(watch.forwardEndBytes - watch.bytesBefore)} (tfjs held ${mib(watch.forwardEndBytes)} in all)`;
      fail(live, `${errorText(error)} — warm-up step failed ${seen}`);
    } finally {
      watch.stop();
    }
  };
  const timed = async (live: LiveRun, round: number) => {
    if (!live.run) return;
    try {
      const batch = nextBatch(live);
      const { ms, runBytes } = await timedStep(live.run, batch);
      live.samples.push(ms);
      live.tokens.push(batchTokens(batch, tokensPerImage));
      live.roundOf.push(round);
      live.runBytes = runBytes;
    } catch (error) {
      fail(live, error);
    }
  };
  const instrument = async (live: LiveRun) => {
    if (!live.run) return;
    try {
      live.instrumented = await instrumentedStep(live.run, nextBatch(live));
    } catch (error) {
      fail(live, error);
    }
  };
  const label = (live: LiveRun) => `${live.method.name}${live.checkpoint === 'blocks' ? ' (checkpointing)' : ''}`;

  try {
    if (session.alternate) {
      lives.forEach(build);
      for (let w = 0; w < session.warmupSteps; w++) {
        progress(`warm-up step ${w + 1} of ${session.warmupSteps}`);
        for (const live of lives) await warm(live);
      }
      for (let round = 0; round < session.rounds; round++) {
        for (let s = 0; s < stepsPerRound && round * stepsPerRound + s < session.measuredSteps; s++) {
          progress(`measured step ${round * stepsPerRound + s + 1} of ${session.measuredSteps}`);
          for (const live of lives) await timed(live, round);
        }
        await hooks.afterRound?.(session, round);
      }
      progress('profiled step');
      for (const live of lives) await instrument(live);
    } else {
      for (const [index, live] of lives.entries()) {
        if (live.status !== 'ok') continue;
        progress(`${label(live)}: building`);
        build(live, index);
        for (let w = 0; w < session.warmupSteps; w++) {
          progress(`${label(live)}: warm-up step ${w + 1}`);
          await warm(live);
        }
        for (let s = 0; s < session.measuredSteps; s++) {
          progress(`${label(live)}: measured step ${s + 1}`);
          await timed(live, Math.min(session.rounds - 1, Math.floor(s / stepsPerRound)));
        }
        progress(`${label(live)}: profiled step`);
        await instrument(live);
        live.run?.dispose();
        live.run = null;
      }
      for (let round = 0; round < session.rounds; round++) await hooks.afterRound?.(session, round);
    }
  } finally {
    for (const live of lives) {
      try {
        live.run?.dispose();
      } catch {
        // See `fail`.
      }
    }
  }
  return lives.map((live) => rowOf(session, base, live, matmulGflops));
}

function rowOf(session: ScorecardSession, base: Pick<BaseCheckpoint, 'model' | 'shape'>, live: LiveRun, matmulGflops: number, taskShape?: TaskShape): EngineRow {
  const shape = base.shape;
  const B = session.batchSize;
  const positions = live.inputLength + live.prefixLength;
  const family = base.model.family;
  const tokenBlocks =
    family === 'gpt2'
      ? B * positions * shape.stacks.decoder
      : family === 'vit'
        ? B * (positions + 1) * shape.stacks.encoder
        : B * (positions * shape.stacks.encoder + (live.targetLength ?? 0) * shape.stacks.decoder);
  const patchFeatures = base.model.family === 'vit' ? base.model.config.channels * base.model.config.patchSize ** 2 : undefined;
  const task: TaskShape = live.data?.shape ?? taskShape ?? { kind: 'lm', numLabels: 0, seqLen: live.inputLength };
  const flops = stepFlops({ shape, ...(patchFeatures ? { patchFeatures } : {}) }, { batch: B, task, ...(live.targetLength !== null ? { targetLength: live.targetLength } : {}) }, live.method);
  const stepMs = live.samples.length > 0 ? stat(live.samples) : null;
  const tokens = live.tokens.length > 0 ? stat(live.tokens).median : null;
  const roundMedians: number[] = [];
  for (let r = 0; r < session.rounds; r++) {
    const inRound = live.samples.filter((_, i) => live.roundOf[i] === r);
    if (inRound.length > 0) roundMedians.push(stat(inRound).median);
  }
  const probe = live.instrumented;
  const achievedGflops = stepMs ? flops.total / (stepMs.median / 1000) / 1e9 : null;
  let trainableParams = 0;
  try {
    const t = methodByName(live.method.name).trainableParams(shape, task, live.method.options);
    trainableParams = t.method + t.head;
  } catch {
    trainableParams = 0;
  }
  return {
    model: session.id,
    family,
    task: session.task,
    method: live.method.name,
    label: methodLabel(live.method.name, live.method.options),
    options: live.method.options,
    checkpoint: live.checkpoint,
    status: live.status,
    error: live.error,
    batchSize: B,
    inputLength: live.inputLength,
    prefixLength: live.prefixLength,
    targetLength: live.targetLength,
    tokenBlocks,
    hidden: shape.hidden,
    trainableParams,
    stepMs,
    stepMsSamples: live.samples,
    stepMsByRound: roundMedians,
    tokensPerSec: stepMs && tokens !== null ? (tokens * 1000) / stepMs.median : null,
    kernelCalls: probe?.kernelCalls ?? null,
    dispatches: probe?.dispatches ?? null,
    topKernels: probe?.topKernels ?? [],
    peakStepBytes: probe?.peakStepBytes ?? null,
    keptBytes: probe?.keptBytes ?? null,
    keptFloatsPerTokenBlockD: probe?.keptBytes != null ? probe.keptBytes / 4 / tokenBlocks / shape.hidden : null,
    runBytes: live.runBytes,
    peakTotalBytes: probe && live.runBytes !== null ? live.runBytes + probe.peakStepBytes : null,
    flops,
    achievedGflops,
    fractionOfMatmulRate: achievedGflops !== null && matmulGflops > 0 ? achievedGflops / matmulGflops : null,
  };
}

/** LoRA against full fine-tuning per model and mode: per-step time pairs, exact byte ratios. */
export function loraOverFull(rows: readonly EngineRow[]): LoraFullRatio[] {
  const out: LoraFullRatio[] = [];
  const models = [...new Set(rows.map((r) => r.model))];
  for (const model of models) {
    for (const checkpoint of CHECKPOINT_MODES) {
      const find = (method: MethodName) => rows.find((r) => r.model === model && r.method === method && r.checkpoint === checkpoint && r.status === 'ok');
      const lora = find('lora');
      const full = find('full');
      if (!lora || !full) continue;
      const pairs = lora.stepMsSamples.slice(0, full.stepMsSamples.length).map((ms, i) => ms / full.stepMsSamples[i]);
      const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
      out.push({
        model,
        checkpoint,
        stepTime: pairs.length > 0 ? stat(pairs) : null,
        pairs: pairs.length,
        peakStepBytes: ratio(lora.peakStepBytes, full.peakStepBytes),
        keptBytes: ratio(lora.keptBytes, full.keptBytes),
      });
    }
  }
  return out;
}

export const FOUR_GIB = 4 * 2 ** 30;

/** Whether GPT-2-small LoRA's run (its weights, state and step peak) fits 4 GiB, per mode; null where not measured. */
export function gpt2SmallFits(rows: readonly EngineRow[]): Record<CheckpointMode, boolean | null> {
  const fits = (mode: CheckpointMode) => {
    const row = rows.find((r) => r.model === GPT2_SMALL_SESSION_ID && r.checkpoint === mode);
    if (!row || row.status === 'not available') return null;
    // A run that died (wasm out of memory) did not fit.
    if (row.status === 'failed') return /memory|OOM|allocation|Aborted|4 GiB/i.test(row.error ?? '') ? false : null;
    return row.peakTotalBytes === null ? null : row.peakTotalBytes <= FOUR_GIB;
  };
  return { none: fits('none'), blocks: fits('blocks') };
}

/** The peer's part, supplied by the Node script (it spawns Python); absent = no peer. */
export interface ScorecardPeer {
  afterRound(session: ScorecardSession, round: number): Promise<void>;
  /** Assembles the comparisons once our rows exist. */
  report(rows: readonly EngineRow[]): Promise<PeerReport>;
}

export interface ScorecardOptions {
  choice: SessionChoice;
  env: RunnerEnv;
  machine: EngineReport['machine'];
  backend: EngineReport['backend'];
  peer?: ScorecardPeer;
  /** Why there is no peer (shown in the report); used when `peer` is absent. */
  noPeerReason?: string;
  onProgress?: (message: string) => void;
  /** The measured tree's commit (the Node script asks git). */
  commit?: string | null;
  /** Matmul-rate repeats (fewer in tests). */
  matmulRepeats?: number;
  /** Measures one checkpointing mode of an `isolate` session in a process of its own (the Node script); absent = in this process. */
  runIsolated?: (session: ScorecardSession, mode: CheckpointMode, matmulGflops: number) => Promise<EngineRow[]>;
}

/** Runs every session and assembles bench/engine.json's object. */
export async function runEngineScorecard(options: ScorecardOptions): Promise<EngineReport> {
  const started = performance.now();
  const sessions = scorecardSessions(options.choice);
  const repeats = options.matmulRepeats ?? 9;
  options.onProgress?.('backend matmul rate');
  const matmulRate: MatmulRate = await measureMatmulRate(1024, 128, 2048, repeats);
  const rows: EngineRow[] = [];
  for (const session of sessions) {
    const hooks: SessionHooks = { onProgress: options.onProgress };
    if (options.peer) hooks.afterRound = (s, round) => options.peer!.afterRound(s, round);
    if (session.isolate && options.runIsolated) {
      // One process per mode, then the peer's rounds (ours, then theirs).
      for (const mode of session.modes ?? CHECKPOINT_MODES) rows.push(...(await options.runIsolated(session, mode, matmulRate.gflops.median)));
      for (let round = 0; round < session.rounds; round++) await hooks.afterRound?.(session, round);
    } else {
      rows.push(...(await runScorecardSession(session, options.env, matmulRate.gflops.median, hooks)));
    }
  }
  const matmulRateEnd = await measureMatmulRate(1024, 128, 2048, repeats);
  // The ceiling is the better of the two measurements: other work on the host only slows a rate down.
  const ceiling = Math.max(matmulRate.gflops.median, matmulRateEnd.gflops.median);
  for (const row of rows) row.fractionOfMatmulRate = row.achievedGflops !== null && ceiling > 0 ? row.achievedGflops / ceiling : null;
  const checkpointing = checkpointingSupport();
  const gpt2Session = sessions.find((s) => s.id === GPT2_SMALL_SESSION_ID);
  const peer: PeerReport = options.peer
    ? await options.peer.report(rows)
    : { available: false, reason: options.noPeerReason ?? 'no peer', command: '', torch: null, threads: null, comparisons: [] };
  const tiny = sessions.find((s) => s.id !== GPT2_SMALL_SESSION_ID) ?? sessions[0];
  return {
    version: ENGINE_REPORT_VERSION,
    mode: options.choice.mode,
    date: new Date().toISOString(),
    commit: options.commit ?? null,
    wallMs: performance.now() - started,
    machine: options.machine,
    backend: options.backend,
    config: {
      warmupSteps: tiny?.warmupSteps ?? 0,
      measuredSteps: tiny?.measuredSteps ?? 0,
      rounds: tiny?.rounds ?? 0,
      gpt2Small: gpt2Session ? { warmupSteps: gpt2Session.warmupSteps, measuredSteps: gpt2Session.measuredSteps } : null,
    },
    matmulRate,
    matmulRateEnd,
    checkpointing,
    rows,
    loraOverFull: loraOverFull(rows),
    gpt2Small: {
      included: !!gpt2Session,
      reason: gpt2Session ? null : options.choice.mode === 'quick' ? '--quick: tiny models only' : 'skipped (--no-gpt2-small)',
      fits4GiB: gpt2SmallFits(rows),
    },
    peer,
  };
}
