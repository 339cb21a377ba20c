/**
 * `npm run bench:engine`: the engine's scorecard. Every method on tiny-gpt2 (lm-spam, 8 × 128;
 * methods with a prompt run 128 − prompt input tokens), tiny-vit (MNIST 5-shot, 8 images) and
 * tiny-t5 (spam text-to-text, 8 × 64 encoder tokens), plus LoRA r=8 q,v on a GPT-2-small-shaped
 * random checkpoint (8 × 256), with activation checkpointing off and on: step time, tokens/s,
 * kernels per step, peak and kept bytes, analytic FLOPs against the backend's own matmul rate;
 * then PyTorch (../shared/peers) on the same checkpoints and batches, alternating with ours.
 * Prints Markdown and writes bench/engine.json (schema: src/engine/bench/engine-report.ts).
 *
 *   npm run bench:engine [-- --quick] [--no-gpt2-small] [--out FILE] [--peers DIR]
 *
 * --quick: fewer steps, the tiny models only, no peer; writes bench/engine-quick.json unless --out.
 * tfjs's wasm backend runs one thread (setThreadsCount(1) and no multithreaded binary, set before
 * the backend initialises), as the peer does (OPENBLAS_NUM_THREADS=1 PEER_THREADS=1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeRunnerEnv, PUBLIC_DIR, REPO_ROOT } from '../src/cli/node-env';
import { loadBaseCheckpoint, loadModelShape } from '../src/engine/experiment/base-model';
import { sourceFor } from '../src/engine/io/node-source';
import { gpt2CheckpointFiles, randomGpt2Checkpoint } from '../src/engine/bench/random-checkpoint';
import { checkpointingSupport, GPT2_SMALL_SIZE, runEngineScorecard, unmeasuredRows, type ScorecardPeer, type ScorecardSession } from '../src/engine/bench/engine-scorecard';
import { missingReportFields, type CheckpointMode, type EngineRow } from '../src/engine/bench/engine-report';
import { initSingleThreadWasm } from './bench-engine-backend';
import { peerProblem, torchPeer } from './bench-engine-peer';
import { scorecardMarkdown } from './bench-engine-table';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
for (const a of args) {
  if (a.startsWith('--') && !['--quick', '--no-gpt2-small', '--out', '--peers'].includes(a)) throw new Error(`unknown option ${a} (known: --quick, --no-gpt2-small, --out FILE, --peers DIR)`);
}
const quick = flag('--quick');
const withGpt2Small = !quick && !flag('--no-gpt2-small');
const out = path.resolve(value('--out') ?? path.join(REPO_ROOT, 'bench', quick ? 'engine-quick.json' : 'engine.json'));
const peersDir = path.resolve(value('--peers') ?? path.join(REPO_ROOT, '..', 'shared', 'peers'));
const started = Date.now();
const log = (message: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

const { info: backend, wasmThreads } = await initSingleThreadWasm();

// The GPT-2-small checkpoint in HF layout, in a temp folder both we and the peer train from.
let tempDir: string | null = null;
let gpt2SmallDir: string | null = null;
if (withGpt2Small) {
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'bench-engine-'));
  gpt2SmallDir = path.join(tempDir, 'gpt2-small-random');
  await mkdir(gpt2SmallDir);
  log(`writing the random GPT-2-small checkpoint to ${gpt2SmallDir}`);
  const files = gpt2CheckpointFiles(await randomGpt2Checkpoint(GPT2_SMALL_SIZE, nodeRunnerEnv.modelSource('tiny-gpt2')));
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(gpt2SmallDir, name), bytes);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(path.join(PUBLIC_DIR, 'models', 'tiny-gpt2', name), path.join(gpt2SmallDir, name));
}

/**
 * One mode of the GPT-2-small session in a child process (scripts/bench-engine-child.ts): a
 * step that outgrows wasm's heap aborts the module, and only the child dies of it.
 */
async function runIsolated(session: ScorecardSession, mode: CheckpointMode, matmulGflops: number): Promise<EngineRow[]> {
  const dir = gpt2SmallDir!;
  const checkpoint = await loadModelShape(sourceFor(dir));
  if (mode === 'blocks' && !checkpointingSupport().available) return unmeasuredRows(session, checkpoint, mode, '', nodeRunnerEnv, matmulGflops);
  const rowsOut = path.join(tempDir!, `rows-${session.id}-${mode}.json`);
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench-engine-child.ts');
  const childArgs = ['--import', 'tsx', child, '--session', session.id, '--mode', mode, '--model-dir', dir, '--matmul-gflops', String(matmulGflops), '--rows-out', rowsOut];
  log(`${session.id} (${mode}): child process`);
  const { code, tail } = await new Promise<{ code: number | null; tail: string }>((resolve) => {
    const proc = spawn(process.execPath, childArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      // Emscripten prints its whole glue code with an uncaught abort: keep short lines only.
      for (const line of text.split('\n')) if (line.length < 400 && line.trim()) console.error(line);
      tail = (tail + text).slice(-20_000);
    });
    proc.on('close', (exitCode) => resolve({ code: exitCode, tail }));
  });
  if (code === 0) {
    try {
      return JSON.parse(await readFile(rowsOut, 'utf8')) as EngineRow[];
    } catch (error) {
      return unmeasuredRows(session, checkpoint, mode, `the child wrote no rows: ${(error as Error).message}`, nodeRunnerEnv, matmulGflops);
    }
  }
  const lines = tail.split('\n').filter((l) => l.trim() && l.length < 400);
  const reason = lines.filter((l) => /Error|Aborted/.test(l)).at(-1) ?? lines.at(-1) ?? `exit code ${code}`;
  return unmeasuredRows(session, checkpoint, mode, `child process died (exit ${code}): ${/Aborted\(/.test(reason) ? `wasm aborted, most likely out of heap (wasm's is at most 4 GiB): ${reason.trim()}` : reason.trim()}`, nodeRunnerEnv, matmulGflops);
}

let peer: ScorecardPeer | undefined;
let noPeerReason = '--quick: no peer';
if (!quick) {
  const problem = peerProblem(peersDir);
  if (problem) noPeerReason = problem;
  else peer = torchPeer({ peersDir, tinyGpt2Dir: path.join(PUBLIC_DIR, 'models', 'tiny-gpt2'), gpt2SmallDir, tinySteps: 5, onProgress: log });
  if (problem) log(`PyTorch peer: ${problem}`);
}

try {
  const report = await runEngineScorecard({
    choice: { mode: quick ? 'quick' : 'full', gpt2Small: withGpt2Small, ...(gpt2SmallDir ? { gpt2SmallLoad: async () => loadBaseCheckpoint(sourceFor(gpt2SmallDir!)) } : {}) },
    env: nodeRunnerEnv,
    machine: { cpu: os.cpus()[0]?.model ?? 'cpu', cores: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, node: process.version, loadAverage: { start: os.loadavg(), end: [] } },
    backend: { backend: backend.backend, adapter: backend.adapter, wasmThreads, threading: `${wasmThreads} wasm thread${wasmThreads === 1 ? '' : 's'} (setThreadsCount(1) before init, single-threaded binary)` },
    ...(peer ? { peer } : { noPeerReason }),
    ...(gpt2SmallDir ? { runIsolated } : {}),
    commit: spawnSync('git', ['describe', '--always', '--dirty'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() || null,
    onProgress: log,
  });
  report.machine.loadAverage.end = os.loadavg();
  const missing = missingReportFields(report);
  if (missing.length > 0) throw new Error(`the report lacks ${missing.join(', ')}`);
  console.log(scorecardMarkdown(report));
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), out)} (${(report.wallMs / 1000).toFixed(0)} s)`);
} finally {
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
}
process.exit(0);
