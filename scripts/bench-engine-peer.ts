/**
 * The PyTorch peer of the engine scorecard (../shared/peers/): PyTorch on the CPU trains the
 * same GPT-2 checkpoint on the same batch shape, one thread (as our wasm backend runs), between
 * our measurement rounds, so that ours and theirs see the same machine load: ours, peer, ours,
 * peer, … . Needs Debian's python3-torch and libopenblas0-pthread; without them the scorecard
 * still runs and says why the peer columns are empty.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EngineRow, PeerComparison, PeerReport } from '../src/engine/bench/engine-report';
import type { ScorecardPeer, ScorecardSession } from '../src/engine/bench/engine-scorecard';
import { GPT2_SMALL_SESSION_ID } from '../src/engine/bench/engine-scorecard';
import { stat } from '../src/engine/bench/stats';

export const PYTHON = '/usr/bin/python3';
/** torch_gpt2.py's prompt length (its T counts these positions). */
const PEER_PROMPT_LENGTH = 20;
type PeerMethod = PeerComparison['method'];

/**
 * One thread for torch (PEER_THREADS) and for OpenBLAS under it (more would oversubscribe the
 * cores), and OpenBLAS's CPU-detection overrides unset, for the peer's command only.
 */
export function peerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', PEER_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}
export const PEER_ENV_TEXT = 'env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 PEER_THREADS=1';

function runPython(args: string[], timeoutMs: number): Record<string, unknown> {
  const result = spawnSync(PYTHON, args, { env: peerEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 });
  if (result.error) throw new Error(`${PYTHON} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${PYTHON} ${args.join(' ')}: no JSON on its last line ("${line.slice(0, 200)}")`);
  }
}

/** Why the peer cannot run here, or null when it can. */
export function peerProblem(peersDir: string): string | null {
  for (const file of ['torch_gpt2.py', 'torch_saved_bytes.py']) {
    if (!existsSync(path.join(peersDir, file))) return `${path.join(peersDir, file)} not found`;
  }
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { env: peerEnv(), encoding: 'utf8', timeout: 120_000 });
  if (probe.status !== 0) return 'python3-torch is not installed (apt-get install -y python3-torch libopenblas0-pthread)';
  return null;
}

interface PeerTarget {
  model: string;
  modelDir: string;
  batch: number;
  /** Positions per example (our longest input; prompt methods' input is this − their prompt). */
  inputLength: number;
  methods: PeerMethod[];
  steps: number;
}

/**
 * The peer for the scorecard: after each round of the tiny-gpt2 session it times full, LoRA and
 * prompt tuning; after the GPT-2-small session, LoRA; then torch_saved_bytes.py once per pair.
 */
export function torchPeer(options: { peersDir: string; tinyGpt2Dir: string; gpt2SmallDir: string | null; tinySteps: number; onProgress?: (m: string) => void }): ScorecardPeer {
  const targets: PeerTarget[] = [{ model: 'tiny-gpt2', modelDir: options.tinyGpt2Dir, batch: 8, inputLength: 128, methods: ['full', 'lora', 'prompt'], steps: options.tinySteps }];
  if (options.gpt2SmallDir) targets.push({ model: GPT2_SMALL_SESSION_ID, modelDir: options.gpt2SmallDir, batch: 8, inputLength: 256, methods: ['lora'], steps: 1 });
  const script = path.join(options.peersDir, 'torch_gpt2.py');
  const savedScript = path.join(options.peersDir, 'torch_saved_bytes.py');
  /** T for the peer: the model's positions; for "prompt" they include its 20 prompt rows, as ours do. */
  const peerSeq = (t: PeerTarget) => t.inputLength;
  const timings = new Map<string, number[]>();
  const errors = new Map<string, string>();
  let torch: string | null = null;
  let threads: number | null = null;
  const key = (model: string, method: PeerMethod) => `${model}:${method}`;

  return {
    async afterRound(session: ScorecardSession, round: number) {
      const target = targets.find((t) => t.model === session.id);
      if (!target) return;
      for (const method of target.methods) {
        const k = key(target.model, method);
        options.onProgress?.(`peer: ${target.model} ${method} round ${round + 1}`);
        try {
          const out = runPython([script, 'bench', target.modelDir, method, String(target.batch), String(peerSeq(target)), String(target.steps)], 30 * 60_000);
          timings.set(k, [...(timings.get(k) ?? []), Number(out.ms_per_step)]);
          torch = String(out.torch);
          threads = Number(out.threads);
        } catch (error) {
          errors.set(k, (error as Error).message);
        }
      }
    },

    async report(rows: readonly EngineRow[]): Promise<PeerReport> {
      const comparisons: PeerComparison[] = [];
      for (const target of targets) {
        for (const method of target.methods) {
          const k = key(target.model, method);
          const ours = rows.find((r) => r.model === target.model && r.method === method && r.checkpoint === 'none' && r.status === 'ok');
          const peerMs = timings.get(k) ?? [];
          const rounds = peerMs.map((ms, i) => {
            const oursMs = ours?.stepMsByRound[i] ?? null;
            return { oursMs, peerMs: ms, ratio: oursMs === null ? null : oursMs / ms };
          });
          const ratios = rounds.flatMap((r) => (r.ratio === null ? [] : [r.ratio]));
          let peerSavedBytes: number | null = null;
          let peerFloats: number | null = null;
          const failed = rows.find((r) => r.model === target.model && r.method === method && r.checkpoint === 'none');
          let error = errors.get(k) ?? (ours ? null : `ours: ${failed?.status === 'failed' ? `failed (${failed.error?.split(':')[0]})` : 'not measured'}`);
          if (peerMs.length > 0) {
            options.onProgress?.(`peer: ${target.model} ${method} saved activations`);
            try {
              const saved = runPython([savedScript, target.modelDir, method, String(target.batch), String(peerSeq(target))], 30 * 60_000);
              peerSavedBytes = Number(saved.saved_bytes);
              peerFloats = Number(saved.floats_per_token_per_block_over_d);
            } catch (e) {
              error = (e as Error).message;
            }
          }
          const oursKept = ours?.keptBytes ?? null;
          comparisons.push({
            model: target.model,
            method,
            batch: target.batch,
            peerSeq: peerSeq(target),
            ourInputLength: ours?.inputLength ?? target.inputLength - (method === 'prompt' ? PEER_PROMPT_LENGTH : 0),
            rounds,
            stepTimeRatio: ratios.length > 0 ? stat(ratios) : null,
            peerSavedBytes,
            peerFloatsPerTokenBlockD: peerFloats,
            oursKeptBytes: oursKept,
            keptBytesRatio: oursKept !== null && peerSavedBytes ? oursKept / peerSavedBytes : null,
            error,
          });
        }
      }
      return {
        available: true,
        reason: null,
        command: `${PEER_ENV_TEXT} ${PYTHON} ${script} bench MODELDIR METHOD B T STEPS (tiny-gpt2: ${options.tinySteps} steps after its 2 warm-up steps; GPT-2-small: 1); ${PYTHON} ${savedScript} MODELDIR METHOD B T`,
        torch,
        threads,
        comparisons,
      };
    },
  };
}
