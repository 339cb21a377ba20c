import type { Stat } from './stats';

/**
 * bench/gpu.json (`npm run bench:gpu`), version 1: the engine on WebGPU in Node (Dawn) — the
 * adapter, the device's own matMul rate (the roofline), every method's training step on
 * tiny-gpt2 and a GPT-2-small-shaped random checkpoint, paired ratios, and PyTorch CUDA eager
 * on the same checkpoints where the machine has it. Pure data: the page may import it.
 */
export const GPU_REPORT_VERSION = 1;

export interface GpuRow {
  model: string;
  method: string;
  label: string;
  status: 'ok' | 'failed' | 'not available';
  error: string | null;
  batchSize: number;
  /** Input tokens per example (prompt methods: the batch length less their prompt). */
  inputLength: number;
  /** Transformer blocks the step runs through (GPT-2: layers). */
  blocks: number;
  stepMs: Stat | null;
  tokensPerSec: number | null;
  /** GPU compute dispatches of one whole step (forward, backward, optimizer). */
  dispatches: number | null;
  dispatchesPerBlock: number | null;
  /** tfjs's peak over the step, above what it held before it, and with the run's own tensors. */
  peakStepBytes: number | null;
  peakTotalBytes: number | null;
  /** Analytic matmul FLOPs of the step (src/engine/bench/step-flops.ts), in GFLOP. */
  stepGflop: number;
  /** (stepGflop / step time) / the roofline's GFLOP/s. */
  rooflineFraction: number | null;
}

export interface GpuRatio {
  /** "DePT/PT", "NOLA/LoRA", "APT/deep prompt", "fused/twin (LoRA)". */
  name: string;
  model: string;
  /** Median step time of the numerator over the denominator's; null when either is missing. */
  stepTime: number | null;
  note: string;
}

export interface GpuPeerRow {
  model: string;
  method: string;
  batch: number;
  seq: number;
  peerMsPerStep: number | null;
  peerTokensPerSec: number | null;
  oursTokensPerSec: number | null;
  /** Our tokens/s as a fraction of PyTorch eager's on the same GPU. */
  oursOverPeer: number | null;
  error: string | null;
}

export interface GpuReport {
  version: number;
  mode: 'quick' | 'full';
  date: string;
  commit: string | null;
  wallMs: number;
  machine: { platform: string; node: string; cpu: string };
  adapter: { backend: string; description: string; driver: string; features: string[]; maxBufferSize: number | null; maxStorageBufferBindingSize: number | null };
  roofline: { m: number; k: number; n: number; gflops: Stat; repeats: number };
  sessions: Array<{ model: string; batchSize: number; seqLen: number; warmupSteps: number; measuredSteps: number }>;
  rows: GpuRow[];
  ratios: GpuRatio[];
  peer: { available: boolean; reason: string | null; device: string | null; torch: string | null; rows: GpuPeerRow[] };
}

const REPORT_KEYS: Array<keyof GpuReport> = ['version', 'mode', 'date', 'commit', 'wallMs', 'machine', 'adapter', 'roofline', 'sessions', 'rows', 'ratios', 'peer'];
const ROW_KEYS: Array<keyof GpuRow> = ['model', 'method', 'label', 'status', 'error', 'batchSize', 'inputLength', 'blocks', 'stepMs', 'tokensPerSec', 'dispatches', 'dispatchesPerBlock', 'peakStepBytes', 'peakTotalBytes', 'stepGflop', 'rooflineFraction'];
const RATIO_KEYS: Array<keyof GpuRatio> = ['name', 'model', 'stepTime', 'note'];
const PAIRED_RATIOS = ['DePT/PT', 'NOLA/LoRA', 'APT/deep prompt', 'fused/twin (LoRA)'];

/**
 * What makes a report incomplete: missing keys, a row of a measured method without its numbers,
 * a paired ratio left out. Empty when the report is whole.
 */
export function gpuReportProblems(report: unknown): string[] {
  const problems: string[] = [];
  if (typeof report !== 'object' || report === null) return ['not an object'];
  const r = report as Record<string, unknown>;
  for (const key of REPORT_KEYS) if (!(key in r)) problems.push(key);
  if (r.version !== GPU_REPORT_VERSION) problems.push(`version (${String(r.version)})`);
  const rows = Array.isArray(r.rows) ? (r.rows as Array<Record<string, unknown>>) : [];
  if (rows.length === 0) problems.push('rows (none)');
  rows.forEach((row, i) => {
    for (const key of ROW_KEYS) if (!(key in row)) problems.push(`rows[${i}].${key}`);
    if (row.status === 'ok') {
      for (const key of ['stepMs', 'tokensPerSec', 'dispatches', 'dispatchesPerBlock', 'peakStepBytes', 'rooflineFraction'] as const) {
        if (row[key] === null || row[key] === undefined) problems.push(`rows[${i}].${key} (null on a measured row)`);
      }
    }
  });
  const ratios = Array.isArray(r.ratios) ? (r.ratios as Array<Record<string, unknown>>) : [];
  ratios.forEach((ratio, i) => {
    for (const key of RATIO_KEYS) if (!(key in ratio)) problems.push(`ratios[${i}].${key}`);
  });
  for (const name of PAIRED_RATIOS) if (!ratios.some((q) => q.name === name)) problems.push(`ratios: ${name}`);
  const roofline = r.roofline as { gflops?: { median?: unknown } } | undefined;
  if (!(typeof roofline?.gflops?.median === 'number' && roofline.gflops.median > 0)) problems.push('roofline.gflops.median');
  const adapter = r.adapter as { description?: unknown } | undefined;
  if (typeof adapter?.description !== 'string' || adapter.description === '') problems.push('adapter.description');
  return problems;
}
