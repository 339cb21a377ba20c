import { tf } from '../tf';
import type { BaseCheckpoint } from '../experiment/base-model';
import type { RunnerEnv } from '../experiment/runner';
import { registerBlockKernels, registeredBlockKernels, unregisterBlockKernels } from '../blocks/seam';
import { runScorecardSession, GPT2_SMALL_SESSION_ID, type ScorecardSession } from './engine-scorecard';
import type { EngineRow } from './engine-report';
import { gpuMatmulRoofline } from './gpu-roofline';
import { GPU_REPORT_VERSION, type GpuPeerRow, type GpuRatio, type GpuReport, type GpuRow } from './gpu-report';
import { suiteMethods } from './suite';

/**
 * `npm run bench:gpu`'s measurement, on whatever WebGPU adapter tfjs runs (Dawn in Node): every
 * method on tiny-gpt2 (lm-spam 8 × 128; --quick: 2 × 32) and, in full mode, on a GPT-2-small-
 * shaped random checkpoint (8 × 256), through the engine scorecard's sessions (runs alternate
 * step by step on identical batches), then LoRA again on tfjs's plain ops alone (the seam's
 * twin) for the fused/twin ratio. The script (scripts/bench-gpu.ts) adds the adapter, writes
 * the checkpoint the peer reads, and runs PyTorch CUDA.
 */
export interface GpuBenchOptions {
  quick: boolean;
  env: RunnerEnv;
  adapter: GpuReport['adapter'];
  machine: GpuReport['machine'];
  commit: string | null;
  /** The GPT-2-small checkpoint (full mode), loaded from the folder the peer trains from. */
  gpt2SmallLoad?: (env: RunnerEnv) => Promise<BaseCheckpoint>;
  /** PyTorch CUDA on the same checkpoints, given our rows (for tokens/s side by side). */
  peer?: (rows: GpuRow[]) => Promise<GpuReport['peer']>;
  noPeerReason?: string;
  onProgress?: (message: string) => void;
}

function sessions(options: GpuBenchOptions): ScorecardSession[] {
  const steps = options.quick ? { warmupSteps: 1, measuredSteps: 1, rounds: 1 } : { warmupSteps: 2, measuredSteps: 5, rounds: 1 };
  const list: ScorecardSession[] = [
    { id: 'tiny-gpt2', model: 'tiny-gpt2', task: 'lm-spam', batchSize: options.quick ? 2 : 8, seqLen: options.quick ? 32 : 128, methods: suiteMethods(), alternate: true, modes: ['none'], ...steps },
  ];
  if (!options.quick && options.gpt2SmallLoad) {
    list.push({ id: GPT2_SMALL_SESSION_ID, model: null, load: options.gpt2SmallLoad, task: 'lm-spam', batchSize: 8, seqLen: 256, methods: suiteMethods(), alternate: false, modes: ['none'], warmupSteps: 1, measuredSteps: 3, rounds: 1 });
  }
  return list;
}

function gpuRow(row: EngineRow, blocks: number, rooflineGflops: number): GpuRow {
  const stepGflop = row.flops.total / 1e9;
  return {
    model: row.model,
    method: row.method,
    label: row.label,
    status: row.status,
    error: row.error,
    batchSize: row.batchSize,
    inputLength: row.inputLength,
    blocks,
    stepMs: row.stepMs,
    tokensPerSec: row.tokensPerSec,
    dispatches: row.dispatches,
    dispatchesPerBlock: row.dispatches !== null && blocks > 0 ? row.dispatches / blocks : null,
    peakStepBytes: row.peakStepBytes,
    peakTotalBytes: row.peakTotalBytes,
    stepGflop,
    rooflineFraction: row.stepMs && rooflineGflops > 0 ? stepGflop / (row.stepMs.median / 1000) / rooflineGflops : null,
  };
}

function ratio(rows: GpuRow[], name: string, model: string, top: string, bottom: string, note: string): GpuRatio {
  const ms = (method: string) => rows.find((r) => r.model === model && r.method === method && r.status === 'ok')?.stepMs?.median ?? null;
  const a = ms(top);
  const b = ms(bottom);
  return { name, model, stepTime: a !== null && b !== null && b > 0 ? a / b : null, note };
}

export async function runGpuBench(options: GpuBenchOptions): Promise<GpuReport> {
  if (tf.getBackend() !== 'webgpu') throw new Error(`bench:gpu runs on webgpu, not ${tf.getBackend()}`);
  const started = performance.now();
  const progress = (m: string) => options.onProgress?.(m);
  progress('roofline: matMul');
  const roofline = options.quick ? await gpuMatmulRoofline(256, 3) : await gpuMatmulRoofline(2048, 7);
  const rows: GpuRow[] = [];
  const chosen = sessions(options);
  for (const session of chosen) {
    const measured = await runScorecardSession(session, options.env, roofline.gflops.median, { onProgress: progress });
    const blocks = measured[0] ? measured[0].tokenBlocks / (measured[0].batchSize * (measured[0].inputLength + measured[0].prefixLength)) : 0;
    rows.push(...measured.map((r) => gpuRow(r, blocks, roofline.gflops.median)));
  }
  // LoRA on the twin alone: the seam's WebGPU kernels set aside, then restored.
  const tiny = chosen[0];
  const own = registeredBlockKernels('webgpu');
  const ownCount = Object.keys(own).length;
  unregisterBlockKernels('webgpu');
  let twinRow: GpuRow | null = null;
  try {
    progress('LoRA on the plain-tfjs twin');
    const [twin] = await runScorecardSession({ ...tiny, methods: suiteMethods().filter((m) => m.name === 'lora') }, options.env, roofline.gflops.median, { onProgress: progress });
    const blocks = twin.tokenBlocks / (twin.batchSize * (twin.inputLength + twin.prefixLength));
    twinRow = gpuRow(twin, blocks, roofline.gflops.median);
  } finally {
    if (ownCount > 0) registerBlockKernels('webgpu', own);
  }
  const fusedMs = rows.find((r) => r.model === tiny.id && r.method === 'lora')?.stepMs?.median ?? null;
  const twinMs = twinRow?.stepMs?.median ?? null;
  const ratios: GpuRatio[] = [];
  for (const session of chosen) {
    ratios.push(ratio(rows, 'DePT/PT', session.id, 'dept', 'prompt', 'DePT budget-matched to PT (paper: DePT is faster: shorter prompt)'));
    ratios.push(ratio(rows, 'NOLA/LoRA', session.id, 'nola', 'lora', 'paper: 1.004 (NOLA\'s basis generated on the fly)'));
    ratios.push(ratio(rows, 'APT/deep prompt', session.id, 'apt', 'deep-prompt', 'APT adds the prompt aggregation to deep prompts'));
  }
  ratios.push({
    name: 'fused/twin (LoRA)',
    model: tiny.id,
    stepTime: fusedMs !== null && twinMs !== null && twinMs > 0 ? fusedMs / twinMs : null,
    note: ownCount > 0 ? `${ownCount} WGSL block kernels (${Object.keys(own).join(', ')}) against tfjs's plain ops; measured one after the other` : 'no WGSL block kernels are registered on this backend: both runs use the twin',
  });
  const peer = options.peer ? await options.peer(rows) : { available: false, reason: options.noPeerReason ?? 'no peer', device: null, torch: null, rows: [] as GpuPeerRow[] };
  return {
    version: GPU_REPORT_VERSION,
    mode: options.quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    commit: options.commit,
    wallMs: performance.now() - started,
    machine: options.machine,
    adapter: options.adapter,
    roofline,
    sessions: chosen.map((s) => ({ model: s.id, batchSize: s.batchSize, seqLen: s.seqLen, warmupSteps: s.warmupSteps, measuredSteps: s.measuredSteps })),
    rows,
    ratios,
    peer,
  };
}
