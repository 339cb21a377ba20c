/**
 * PyTorch eager on CUDA, the peer of `npm run bench:gpu`: ../shared/peers/torch_gpt2.py bench
 * with PEER_DEVICE=cuda on the same checkpoints and batch shapes (full, LoRA r=8 q,v, PT l=20).
 * Where python3 has no torch, or torch sees no CUDA device, the report says so and the bench
 * still runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GpuPeerRow, GpuReport, GpuRow } from '../src/engine/bench/gpu-report';

const PYTHON = process.env.PYTHON ?? 'python3';

function python(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): { ok: true; stdout: string } | { ok: false; error: string } {
  const result = spawnSync(PYTHON, args, { env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 });
  if (result.error) return { ok: false, error: result.error.message };
  if (result.status !== 0) return { ok: false, error: `exit ${result.status}: ${result.stderr.trim().split('\n').slice(-2).join(' | ')}` };
  return { ok: true, stdout: result.stdout };
}

/** Why the CUDA peer cannot run here, or null with the torch version and device name. */
export function cudaPeerProblem(peersDir: string): { problem: string } | { torch: string; device: string } {
  if (!existsSync(path.join(peersDir, 'torch_gpt2.py'))) return { problem: `${path.join(peersDir, 'torch_gpt2.py')} not found` };
  const probe = python(['-c', 'import json, torch; print(json.dumps([torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name(0)]))'], process.env, 120_000);
  if (!probe.ok) return { problem: `${PYTHON} has no torch (${probe.error})` };
  const [torch, device] = JSON.parse(probe.stdout.trim().split('\n').at(-1) ?? '[]') as [string, string | false];
  if (!device) return { problem: `torch ${torch} sees no CUDA device` };
  return { torch, device };
}

/** One peer row per (model, method) of ours that the peer implements. */
export function cudaPeer(options: { peersDir: string; modelDirs: Record<string, string>; torch: string; device: string; onProgress?: (m: string) => void }) {
  return async (rows: GpuRow[]): Promise<GpuReport['peer']> => {
    const out: GpuPeerRow[] = [];
    for (const [model, dir] of Object.entries(options.modelDirs)) {
      for (const method of ['full', 'lora', 'prompt']) {
        const ours = rows.find((r) => r.model === model && r.method === method);
        if (!ours) continue;
        // The peer's T counts every position; ours: input tokens plus the prompt.
        const seq = method === 'prompt' ? ours.inputLength + 20 : ours.inputLength;
        options.onProgress?.(`PyTorch CUDA: ${model} ${method} ${ours.batchSize} × ${seq}`);
        const run = python([path.join(options.peersDir, 'torch_gpt2.py'), 'bench', dir, method, String(ours.batchSize), String(seq), '10'], { ...process.env, PEER_DEVICE: 'cuda' }, 600_000);
        let peerMs: number | null = null;
        let peerTps: number | null = null;
        let error: string | null = null;
        if (run.ok) {
          const json = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { ms_per_step?: number; tokens_per_s?: number };
          peerMs = json.ms_per_step ?? null;
          peerTps = json.tokens_per_s ?? null;
        } else {
          error = run.error;
        }
        out.push({ model, method, batch: ours.batchSize, seq, peerMsPerStep: peerMs, peerTokensPerSec: peerTps, oursTokensPerSec: ours.tokensPerSec, oursOverPeer: peerTps && ours.tokensPerSec ? ours.tokensPerSec / peerTps : null, error });
      }
    }
    return { available: true, reason: null, device: options.device, torch: options.torch, rows: out };
  };
}
