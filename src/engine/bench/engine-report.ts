import type { MethodName } from '../methods/types';
import type { ModelFamily } from '../models/hooks';
import type { MatmulRate } from './matmul-rate';
import type { Stat } from './stats';
import type { StepFlops } from './step-flops';
import type { KernelCount } from './step-probe';

/**
 * bench/engine.json, the engine scorecard (`npm run bench:engine`), version 1:
 *
 * {
 *   version: 1, mode: "full" | "quick", date, commit, wallMs,
 *   machine: { cpu, cores, platform, node, loadAverage: { start, end } },
 *   backend: { backend, adapter, wasmThreads, threading },      how tfjs ran (one wasm thread)
 *   config: { warmupSteps, measuredSteps, rounds, gpt2Small },  step budgets (the first session's, tiny-gpt2; GPT-2-small's apart)
 *   matmulRate, matmulRateEnd,                                  the backend's own matmul GFLOP/s, start and end of the run
 *   checkpointing: { available, note },                        whether the spec takes memory.checkpoint
 *   rows: EngineRow[],                                          one per model × method × checkpointing mode
 *   loraOverFull: LoraFullRatio[],                              per model and mode
 *   gpt2Small: { included, reason, fits4GiB: { none, blocks } },
 *   peer: PeerReport                                            PyTorch on the same checkpoints and batches
 * }
 *
 * Every number that could not be measured is null (with the reason in a neighbouring field),
 * never absent, so readers and the "before/after" comparison can rely on the keys.
 */
export const ENGINE_REPORT_VERSION = 1;

export type CheckpointMode = 'none' | 'blocks';
export const CHECKPOINT_MODES: readonly CheckpointMode[] = ['none', 'blocks'];

/** One model × method × activation-checkpointing measurement. */
export interface EngineRow {
  /** The session: "tiny-gpt2", "tiny-vit", "tiny-t5", "gpt2-small-random". */
  model: string;
  family: ModelFamily;
  task: string;
  method: MethodName;
  /** e.g. "LoRA r=8" (the bench suite's labels). */
  label: string;
  /** The method's options as the spec completed them. */
  options: Record<string, unknown>;
  checkpoint: CheckpointMode;
  /** "not available": the spec does not take memory.checkpoint (yet); "failed": see `error`. */
  status: 'ok' | 'not available' | 'failed';
  error: string | null;
  batchSize: number;
  /** Input tokens per example: GPT-2's tokens, ViT's patches, T5's encoder tokens. */
  inputLength: number;
  /** Rows the method prepends to the input (prompt, DePT's short prompt); 0 otherwise. */
  prefixLength: number;
  /** T5: decoder (target) tokens per example; null for the other families. */
  targetLength: number | null;
  /** Σ over stacks of batch · tokens in that stack (prompt rows and ViT's CLS included) · its blocks. */
  tokenBlocks: number;
  /** d_model. */
  hidden: number;
  trainableParams: number;
  /** Training step wall ms (upload to loss read back), measured steps after warm-up: median, min–max. */
  stepMs: Stat | null;
  stepMsSamples: number[];
  /** Median step ms of each measurement round (the peer runs between rounds). */
  stepMsByRound: number[];
  /** Input tokens (no prompt rows; images count their patches) per second at the median step. */
  tokensPerSec: number | null;
  /** tf.profile around one whole training step: kernels.length, and the most frequent names. */
  kernelCalls: number | null;
  /** GPU dispatches per step (webgpu runs only; null elsewhere). */
  dispatches: number | null;
  topKernels: KernelCount[];
  /** tf.profile's peakBytes − the bytes tfjs held just before the step. */
  peakStepBytes: number | null;
  /** Bytes alive at the end of the forward pass (inside variableGrads) − bytes before the step − the loss scalar. */
  keptBytes: number | null;
  /** keptBytes / 4 / tokenBlocks / hidden: floats kept per token, per block, in units of d_model. */
  keptFloatsPerTokenBlockD: number | null;
  /** Bytes the run owns: its copy of the base weights, its trainable tensors, Adam's m and v. */
  runBytes: number | null;
  /** runBytes + peakStepBytes: what this run alone needs at its step's peak. */
  peakTotalBytes: number | null;
  /** Analytic matmul FLOPs of the step (src/engine/bench/step-flops.ts). */
  flops: StepFlops;
  /** flops.total / median step time. */
  achievedGflops: number | null;
  /** achievedGflops / the larger of matmulRate's and matmulRateEnd's medians (load only slows a rate down). */
  fractionOfMatmulRate: number | null;
}

/** LoRA against full fine-tuning on one model and checkpointing mode. */
export interface LoraFullRatio {
  model: string;
  checkpoint: CheckpointMode;
  /** LoRA ms / full ms per step pair (the runs alternate step by step): median, min–max. */
  stepTime: Stat | null;
  pairs: number;
  /** LoRA / full peak step bytes, and kept bytes. */
  peakStepBytes: number | null;
  keptBytes: number | null;
}

/** One method on one checkpoint, ours against PyTorch's. */
export interface PeerComparison {
  model: string;
  method: 'full' | 'lora' | 'prompt';
  batch: number;
  /** T passed to the peer (its positions, the 20 prompt rows included). */
  peerSeq: number;
  /** Our input tokens per example (prompt rows not included). */
  ourInputLength: number;
  /** Per round: our median step ms in that round (null: ours did not run) and the peer's ms/step measured right after. */
  rounds: Array<{ oursMs: number | null; peerMs: number; ratio: number | null }>;
  /** Our step ms / the peer's, over the rounds: median, min–max. */
  stepTimeRatio: Stat | null;
  /** torch_saved_bytes.py: every tensor autograd saves, once per storage. */
  peerSavedBytes: number | null;
  peerFloatsPerTokenBlockD: number | null;
  oursKeptBytes: number | null;
  /** oursKeptBytes / peerSavedBytes. */
  keptBytesRatio: number | null;
  error: string | null;
}

export interface PeerReport {
  available: boolean;
  /** Why the peer did not run (python3-torch missing, --quick, …); null when it ran. */
  reason: string | null;
  /** How it was run (environment and interpreter). */
  command: string;
  torch: string | null;
  threads: number | null;
  comparisons: PeerComparison[];
}

export interface EngineReport {
  version: typeof ENGINE_REPORT_VERSION;
  mode: 'full' | 'quick';
  date: string;
  /** `git describe --always --dirty` of the measured tree, null outside a git checkout. */
  commit: string | null;
  wallMs: number;
  /** `loadAverage`: the host's 1/5/15-minute load averages at the start and at the end (other work on the machine makes times noisy). */
  machine: { cpu: string; cores: number; platform: string; node: string; loadAverage: { start: number[]; end: number[] } };
  backend: { backend: string; adapter: string; wasmThreads: number | null; threading: string };
  config: { warmupSteps: number; measuredSteps: number; rounds: number; gpt2Small: { warmupSteps: number; measuredSteps: number } | null };
  matmulRate: MatmulRate;
  matmulRateEnd: MatmulRate | null;
  checkpointing: { available: boolean; note: string };
  rows: EngineRow[];
  loraOverFull: LoraFullRatio[];
  gpt2Small: { included: boolean; reason: string | null; fits4GiB: Record<CheckpointMode, boolean | null> };
  peer: PeerReport;
}

/** Lists of every key, checked against the types at compile time (a key added to a type must be added here). */
type Exhaustive<T, K extends readonly (keyof T)[]> = Exclude<keyof T, K[number]> extends never ? K : never;
const keys =
  <T>() =>
  <const K extends readonly (keyof T)[]>(k: Exhaustive<T, K>): K =>
    k;

export const REPORT_FIELDS = keys<EngineReport>()(['version', 'mode', 'date', 'commit', 'wallMs', 'machine', 'backend', 'config', 'matmulRate', 'matmulRateEnd', 'checkpointing', 'rows', 'loraOverFull', 'gpt2Small', 'peer']);
export const ROW_FIELDS = keys<EngineRow>()([
  'model',
  'family',
  'task',
  'method',
  'label',
  'options',
  'checkpoint',
  'status',
  'error',
  'batchSize',
  'inputLength',
  'prefixLength',
  'targetLength',
  'tokenBlocks',
  'hidden',
  'trainableParams',
  'stepMs',
  'stepMsSamples',
  'stepMsByRound',
  'tokensPerSec',
  'kernelCalls',
  'dispatches',
  'topKernels',
  'peakStepBytes',
  'keptBytes',
  'keptFloatsPerTokenBlockD',
  'runBytes',
  'peakTotalBytes',
  'flops',
  'achievedGflops',
  'fractionOfMatmulRate',
]);
export const RATIO_FIELDS = keys<LoraFullRatio>()(['model', 'checkpoint', 'stepTime', 'pairs', 'peakStepBytes', 'keptBytes']);
export const PEER_FIELDS = keys<PeerReport>()(['available', 'reason', 'command', 'torch', 'threads', 'comparisons']);
export const PEER_COMPARISON_FIELDS = keys<PeerComparison>()([
  'model',
  'method',
  'batch',
  'peerSeq',
  'ourInputLength',
  'rounds',
  'stepTimeRatio',
  'peerSavedBytes',
  'peerFloatsPerTokenBlockD',
  'oursKeptBytes',
  'keptBytesRatio',
  'error',
]);

/** Paths of the fields a report lacks (e.g. "rows[3].keptBytes"); [] for a complete one. */
export function missingReportFields(report: unknown): string[] {
  const missing: string[] = [];
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const check = (value: unknown, fields: readonly string[], at: string) => {
    if (!isRecord(value)) {
      missing.push(at || '(report)');
      return;
    }
    for (const field of fields) if (!(field in value)) missing.push(at ? `${at}.${field}` : field);
  };
  check(report, REPORT_FIELDS, '');
  if (!isRecord(report)) return missing;
  const list = (value: unknown, fields: readonly string[], at: string) => {
    if (!Array.isArray(value)) return missing.push(at);
    value.forEach((item, i) => check(item, fields, `${at}[${i}]`));
  };
  list(report.rows, ROW_FIELDS, 'rows');
  list(report.loraOverFull, RATIO_FIELDS, 'loraOverFull');
  check(report.peer, PEER_FIELDS, 'peer');
  if (isRecord(report.peer)) list(report.peer.comparisons, PEER_COMPARISON_FIELDS, 'peer.comparisons');
  return missing;
}
