/**
 * `npm run bench:gpu`: the engine on WebGPU in Node (Dawn) on this machine's GPU, in ≤ 8 minutes
 * on a real one: the adapter, its matMul roofline (2048³), every method's training step on
 * tiny-gpt2 (8 × 128) and a GPT-2-small-shaped random checkpoint (8 × 256) — step ms, tokens/s,
 * dispatches, peak bytes, fraction of the roofline — the paired ratios, and PyTorch CUDA eager
 * side by side where it is installed. Prints a table, writes bench/gpu.json (schema:
 * src/engine/bench/gpu-report.ts).
 *
 *   npm run bench:gpu [-- --quick] [--out FILE] [--peers DIR]
 *
 * --quick (SwiftShader here, CI): tiny-gpt2 at 2 × 32, one measured step, no GPT-2-small, no peer;
 * writes bench/gpu-quick.json unless --out. The bundle (`npm run bench:gpu:bundle`) runs this
 * same file on another machine.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initNodeBackend, nodeRunnerEnv, PUBLIC_DIR, REPO_ROOT } from '../src/cli/node-env';
import { loadBaseCheckpoint } from '../src/engine/experiment/base-model';
import { sourceFor } from '../src/engine/io/node-source';
import { gpt2CheckpointFiles, randomGpt2Checkpoint } from '../src/engine/bench/random-checkpoint';
import { GPT2_SMALL_SESSION_ID, GPT2_SMALL_SIZE } from '../src/engine/bench/engine-scorecard';
import { runGpuBench } from '../src/engine/bench/gpu-bench';
import { gpuReportProblems, type GpuReport } from '../src/engine/bench/gpu-report';
import { tf } from '../src/engine/tf';
import { cudaPeer, cudaPeerProblem } from './bench-gpu-peer';
import { gpuReportMarkdown } from './bench-gpu-table';

const args = process.argv.slice(2);
const known = ['--quick', '--out', '--peers'];
for (const a of args) if (a.startsWith('--') && !known.includes(a)) throw new Error(`unknown option ${a} (known: ${known.join(', ')})`);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const out = path.resolve(value('--out') ?? path.join(REPO_ROOT, 'bench', quick ? 'gpu-quick.json' : 'gpu.json'));
const peersDir = path.resolve(value('--peers') ?? path.join(REPO_ROOT, '..', 'shared', 'peers'));
const started = Date.now();
const log = (message: string) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

const info = await initNodeBackend('webgpu');
const device = (tf.backend() as unknown as { device: GPUDevice }).device;
const adapter: GpuReport['adapter'] = {
  backend: info.backend,
  description: info.adapter,
  driver: process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? 'system Vulkan drivers',
  features: [...device.features].sort(),
  maxBufferSize: info.bufferLimits?.maxBufferSize ?? null,
  maxStorageBufferBindingSize: info.bufferLimits?.maxStorageBufferBindingSize ?? null,
};
log(`adapter: ${adapter.description}`);

let tempDir: string | null = null;
const modelDirs: Record<string, string> = { 'tiny-gpt2': path.join(PUBLIC_DIR, 'models', 'tiny-gpt2') };
if (!quick) {
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'bench-gpu-'));
  const dir = path.join(tempDir, GPT2_SMALL_SESSION_ID);
  await mkdir(dir);
  log(`writing the random GPT-2-small checkpoint to ${dir}`);
  const files = gpt2CheckpointFiles(await randomGpt2Checkpoint(GPT2_SMALL_SIZE, nodeRunnerEnv.modelSource('tiny-gpt2')));
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(path.join(PUBLIC_DIR, 'models', 'tiny-gpt2', name), path.join(dir, name));
  modelDirs[GPT2_SMALL_SESSION_ID] = dir;
}

const peerCheck = quick ? { problem: '--quick: no peer' } : cudaPeerProblem(peersDir);
if ('problem' in peerCheck) log(`PyTorch CUDA peer: ${peerCheck.problem}`);
try {
  const report = await runGpuBench({
    quick,
    env: nodeRunnerEnv,
    adapter,
    machine: { platform: `${os.platform()} ${os.arch()}`, node: process.version, cpu: os.cpus()[0]?.model ?? 'cpu' },
    commit: spawnSync('git', ['describe', '--always', '--dirty'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() || process.env.PEFT_PLAYGROUND_COMMIT || null,
    ...(modelDirs[GPT2_SMALL_SESSION_ID] ? { gpt2SmallLoad: async () => loadBaseCheckpoint(sourceFor(modelDirs[GPT2_SMALL_SESSION_ID])) } : {}),
    ...('problem' in peerCheck ? { noPeerReason: peerCheck.problem } : { peer: cudaPeer({ peersDir, modelDirs, torch: peerCheck.torch, device: peerCheck.device, onProgress: log }) }),
    onProgress: log,
  });
  const problems = gpuReportProblems(JSON.parse(JSON.stringify(report)));
  console.log(gpuReportMarkdown(report));
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwrote ${out} (${(report.wallMs / 1000).toFixed(0)} s)`);
  if (problems.length > 0) {
    console.error(`the report is incomplete: ${problems.join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);
