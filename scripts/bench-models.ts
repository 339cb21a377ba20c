/**
 * `npm run bench:models [-- --ci | --quick | --full] [--steps N] [--out file.json]`: the benchmark suite
 * (src/engine/bench/suite.ts) on tfjs's wasm backend in Node — the CLI's backend — so every
 * model (tiny-gpt2, tiny-vit, tiny-t5) × every registered method gets params, step ms,
 * tokens/s, peak bytes and the final validation metric without a browser. Same suite, same
 * sizes and same results schema as `npm run bench` (Chromium/WebGPU), so the two tables
 * compare directly. No fused WGSL kernels off WebGPU: those pairs are listed as not measured.
 * Writes bench/models-wasm.json (default; --out elsewhere) and the Markdown next to it, and
 * prints the tables. Default mode: quick. `--steps N` gives every model N training steps (the
 * mode's warm-up kept): wasm runs the quick sizes in seconds, so more timed steps cost little.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initNodeBackend, nodeRunnerEnv, REPO_ROOT } from '../src/cli/node-env';
import { runBenchSuite, SUITE_CONFIGS, type SuiteConfig } from '../src/engine/bench/suite';
import { benchMarkdown, type BenchMode } from '../src/engine/bench/results';
import { hostMachine } from './bench-host';

const args = process.argv.slice(2);
const mode: BenchMode = args.includes('--ci') ? 'ci' : args.includes('--full') ? 'full' : 'quick';
const outArg = args.indexOf('--out');
const stepsArg = args.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : null;
const out = path.resolve(outArg >= 0 && args[outArg + 1] ? args[outArg + 1] : path.join(REPO_ROOT, 'bench', 'models-wasm.json'));

/** The mode's suite, with every model's step count set to `steps` when given. */
function suiteConfig(): SuiteConfig {
  const config = SUITE_CONFIGS[mode];
  if (steps === null) return config;
  if (!Number.isInteger(steps) || steps < config.warmupSteps + 2) throw new Error(`--steps must be a whole number ≥ ${config.warmupSteps + 2} (warm-up + a timed step + the memory-profiled one)`);
  return { ...config, steps, models: config.models.map((m) => ({ ...m, steps, warmupSteps: m.warmupSteps ?? config.warmupSteps })) };
}

async function main(): Promise<void> {
  const config = suiteConfig();
  const backend = await initNodeBackend();
  const started = performance.now();
  let last = '';
  const results = await runBenchSuite({
    mode,
    config,
    env: nodeRunnerEnv,
    environment: { machine: hostMachine(), browser: `Node ${process.version}`, backend: backend.backend, adapter: backend.adapter },
    onProgress: (p) => {
      // One line per model and step of the first method: enough to see it move.
      if (p.message !== last && /step \d+ of|loading|done/.test(p.message)) console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${(last = p.message)}`);
    },
  });
  const markdown = benchMarkdown(results);
  console.log(`\n${markdown}`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(results, null, 2) + '\n');
  const mdFile = out.replace(/\.json$/, '') + '.md';
  await writeFile(mdFile, `# Benchmark suite on wasm (Node)\n\n${markdown}`);
  console.log(`wrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), mdFile)}`);
}

// Exit explicitly (the wasm runtime keeps handles open) and print only the error's message:
// the wasm module's own uncaught-exception hook would dump its whole source.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
