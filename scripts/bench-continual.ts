/**
 * `npm run bench:continual [-- --quick] [--seeds 1,2,3] [--stream split-mnist|sotu-eras] [--model id]
 *   [--batches N] [--selector-batches N] [--lora-lr X] [--eval N]`:
 * the continual strategies on a task stream, on tfjs's wasm backend in Node — every strategy
 * (sequential, EMR, Static and Dynamic ConPET, Limitless) with LoRA r = 4 (the paper's), batch 8,
 * old:new 1:1, t = 1, plus Dynamic ConPET again without the logit cache (same seed) to measure
 * the time the cache saves. Per seed: the accuracy matrices, whole/average accuracy after every
 * task, batches, examples computed and training time per task; across seeds: mean ± std of the
 * final accuracies and the gap of each strategy over sequential fine-tuning.
 * Writes bench/continual-<stream>.json and .md (the Markdown is printed too).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initNodeBackend, nodeRunnerEnv, REPO_ROOT } from '../src/cli/node-env';
import { runExperiment } from '../src/engine/experiment/runner';
import { DEFAULT_SPEC, parseExperimentSpec, type ExperimentSpec } from '../src/engine/experiment/spec';
import type { ContinualSummary, TaskResult } from '../src/engine/continual/events';
import { STRATEGY_TITLES, type StrategyName } from '../src/engine/continual/settings';
import { meanStd, type SeedStat } from '../src/engine/experiment/seed-repeats';
import { hostMachine } from './bench-host';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
/** `--render bench/continual-x.json`: rewrite the aggregate and the Markdown of a finished bench, training nothing. */
const render = option('--render', '');
const defaults = parseExperimentSpec(DEFAULT_SPEC);

interface BenchSettings {
  stream: string;
  model: string;
  method: { name: 'lora'; options: { r: number } };
  batchSize: number;
  seqLen: number;
  loraLr: number;
  headLr: number;
  batchesPerTask: number;
  selectorBatches: number;
  topT: number;
  oldPerNew: number;
  memoryPerClass: number;
  limitlessEpochs: number;
  evalExamplesPerTask: number;
}

function settingsFromArgs(quick: boolean): BenchSettings {
  const stream = option('--stream', 'split-mnist');
  const settings: BenchSettings = {
    stream,
    model: option('--model', stream === 'split-mnist' ? 'tiny-vit' : 'tiny-gpt2'),
    method: { name: 'lora', options: { r: 4 } },
    batchSize: 8,
    seqLen: Number(option('--seq-len', '64')),
    // LoRA's learning rate (the classifier rows keep the head group's).
    loraLr: Number(option('--lora-lr', String(defaults.optimizer.lr.lora))),
    headLr: defaults.optimizer.lr.head,
    batchesPerTask: Number(option('--batches', quick ? '6' : '40')),
    selectorBatches: Number(option('--selector-batches', quick ? '3' : '20')),
    topT: 1,
    oldPerNew: 1,
    memoryPerClass: 5,
    limitlessEpochs: Number(option('--limitless-epochs', quick ? '0.25' : '1')),
    evalExamplesPerTask: Number(option('--eval', quick ? '16' : '0')),
  };
  for (const [name, value] of Object.entries(settings)) {
    if (typeof value === 'number' && (!Number.isFinite(value) || value < 0)) throw new Error(`bad value for ${name}: ${value}`);
  }
  return settings;
}

const describeSizes = (s: BenchSettings) =>
  `batchesPerTask ${s.batchesPerTask}, selectorBatches ${s.selectorBatches}, memoryPerClass ${s.memoryPerClass}, limitlessEpochs ${s.limitlessEpochs}, ` +
  `${s.evalExamplesPerTask === 0 ? 'all test examples' : `${s.evalExamplesPerTask} test examples per task`}, seqLen ${s.seqLen} (text), LoRA lr ${s.loraLr} (head ${s.headLr})`;

function specFor(s: BenchSettings, seed: number, strategies: StrategyName[], cache: boolean): ExperimentSpec {
  return parseExperimentSpec({
    model: s.model,
    task: s.stream,
    methods: [s.method],
    batchSize: s.batchSize,
    seqLen: s.seqLen,
    seed,
    optimizer: { ...defaults.optimizer, lr: { ...defaults.optimizer.lr, lora: s.loraLr, head: s.headLr } },
    continual: {
      strategies,
      batchesPerTask: s.batchesPerTask,
      selectorBatches: s.selectorBatches,
      topT: s.topT,
      oldPerNew: s.oldPerNew,
      memoryPerClass: s.memoryPerClass,
      limitlessEpochs: s.limitlessEpochs,
      cache,
      evalExamplesPerTask: s.evalExamplesPerTask,
    },
  });
}

interface SeedResult {
  seed: number;
  summaries: ContinualSummary[];
  results: Record<string, TaskResult[]>;
  /** Dynamic ConPET without the logit cache, same seed, and the examples it ran through the model. */
  uncached: ContinualSummary;
  uncachedComputed: number;
}

async function runSpec(spec: ExperimentSpec): Promise<{ summaries: ContinualSummary[]; results: Record<string, TaskResult[]> }> {
  const summaries: ContinualSummary[] = [];
  const results: Record<string, TaskResult[]> = {};
  await runExperiment(spec, nodeRunnerEnv, (e) => {
    if (e.type === 'continual-task') {
      (results[e.runId] ??= []).push(e.result);
      console.error(`  ${e.runId} task ${e.result.task}: average ${(100 * e.result.averageAccuracy).toFixed(1)}%, ${e.result.batches} batches, ${e.result.trainMs.toFixed(0)} ms`);
    }
    if (e.type === 'continual-end') summaries.push(e.summary);
  });
  return { summaries, results };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}`;
const ratio = (x: number) => `${x.toFixed(2)}×`;
const pm = (s: SeedStat, digits = 1) => (s.values.length > 1 ? `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}` : s.mean.toFixed(digits));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** One strategy across the seeds: final accuracies, gaps over sequential, cost growth, cache. */
interface StrategyAggregate {
  strategy: StrategyName;
  title: string;
  trainable: number;
  /** Percent after the last task. */
  finalAverage: SeedStat;
  finalWhole: SeedStat;
  /** Points over sequential fine-tuning (paired by seed); null without a sequential run. */
  gapAverage: SeedStat | null;
  gapWhole: SeedStat | null;
  /** Per task (seed-independent for every strategy but Limitless, whose data grows alike per seed). */
  batchesPerTask: number[];
  /** Mean over seeds, per task. */
  trainMsPerTask: number[];
  lastOverFirstBatches: SeedStat;
  lastOverFirstMs: SeedStat;
  cacheHitRate: SeedStat | null;
  savedMs: SeedStat | null;
}

interface CacheAggregate {
  /** Dynamic ConPET's training time with the cache over without it, same seed: all tasks, and tasks 2… (task 1 compiles kernels, nothing to hit yet). */
  timeRatio: SeedStat;
  timeRatioAfterFirst: SeedStat;
  cachedTrainMs: SeedStat;
  uncachedTrainMs: SeedStat;
  /** The cache also serves evaluation (frozen modules on test examples seen before): evaluation ms with and without, and training + evaluation over the run. */
  cachedEvalMs: SeedStat;
  uncachedEvalMs: SeedStat;
  wallRatio: SeedStat;
  computedCached: SeedStat;
  computedUncached: SeedStat;
  hitRate: SeedStat;
  estimatedSavedMs: SeedStat;
}

function aggregate(runs: SeedResult[]): { strategies: StrategyAggregate[]; cache: CacheAggregate | null } {
  const of = (r: SeedResult, s: StrategyName) => r.summaries.find((x) => x.strategy === s)!;
  const hasSequential = runs[0].summaries.some((s) => s.strategy === 'sequential');
  const strategies = runs[0].summaries.map((first): StrategyAggregate => {
    const all = runs.map((r) => of(r, first.strategy));
    const finals = (key: 'averageAccuracy' | 'wholeAccuracy') => all.map((s) => 100 * s[key].at(-1)!);
    const gap = (key: 'averageAccuracy' | 'wholeAccuracy') => (hasSequential ? meanStd(runs.map((r, i) => 100 * (all[i][key].at(-1)! - of(r, 'sequential')[key].at(-1)!))) : null);
    return {
      strategy: first.strategy,
      title: STRATEGY_TITLES[first.strategy],
      trainable: first.trainable,
      finalAverage: meanStd(finals('averageAccuracy')),
      finalWhole: meanStd(finals('wholeAccuracy')),
      gapAverage: gap('averageAccuracy'),
      gapWhole: gap('wholeAccuracy'),
      batchesPerTask: first.batchesPerTask,
      trainMsPerTask: first.trainMsPerTask.map((_, t) => sum(all.map((s) => s.trainMsPerTask[t])) / all.length),
      lastOverFirstBatches: meanStd(all.map((s) => s.lastOverFirstBatches)),
      lastOverFirstMs: meanStd(all.map((s) => s.lastOverFirstMs)),
      cacheHitRate: first.cacheHitRate === null ? null : meanStd(all.map((s) => 100 * (s.cacheHitRate ?? 0))),
      savedMs: first.cache === null ? null : meanStd(all.map((s) => s.cache?.savedMs ?? 0)),
    };
  });
  const hasDynamic = runs[0].summaries.some((s) => s.strategy === 'dynamic');
  if (!hasDynamic) return { strategies, cache: null };
  const cached = runs.map((r) => of(r, 'dynamic'));
  const computed = (results: TaskResult[]) => sum(results.map((t) => t.computedExamples));
  return {
    strategies,
    cache: {
      timeRatio: meanStd(runs.map((r, i) => sum(cached[i].trainMsPerTask) / sum(r.uncached.trainMsPerTask))),
      timeRatioAfterFirst: meanStd(runs.map((r, i) => sum(cached[i].trainMsPerTask.slice(1)) / sum(r.uncached.trainMsPerTask.slice(1)))),
      cachedTrainMs: meanStd(cached.map((s) => sum(s.trainMsPerTask))),
      uncachedTrainMs: meanStd(runs.map((r) => sum(r.uncached.trainMsPerTask))),
      cachedEvalMs: meanStd(cached.map((s) => s.wallMs - sum(s.trainMsPerTask))),
      uncachedEvalMs: meanStd(runs.map((r) => r.uncached.wallMs - sum(r.uncached.trainMsPerTask))),
      wallRatio: meanStd(runs.map((r, i) => cached[i].wallMs / r.uncached.wallMs)),
      computedCached: meanStd(runs.map((r, i) => computed(r.results[cached[i].runId]))),
      computedUncached: meanStd(runs.map((r) => r.uncachedComputed)),
      hitRate: meanStd(cached.map((s) => 100 * (s.cacheHitRate ?? 0))),
      estimatedSavedMs: meanStd(cached.map((s) => s.cache?.savedMs ?? 0)),
    },
  };
}

function markdown(settings: BenchSettings, seeds: number[], runs: SeedResult[], agg: ReturnType<typeof aggregate>, machine: string, backend: string, wallMs: number): string {
  const first = runs[0];
  const tasks = first.summaries[0].matrix.length;
  const taskCols = Array.from({ length: tasks }, (_, t) => `task ${t + 1}`);
  const lines = [
    `Stream \`${settings.stream}\` on \`${settings.model}\`, LoRA r = ${settings.method.options.r}, batch ${settings.batchSize}, old:new ${settings.oldPerNew}:1, t = ${settings.topT}; ${describeSizes(settings)}; seeds ${seeds.join(', ')} (mean ± std over seeds where more than one); ${backend} on ${machine}; the bench took ${(wallMs / 1000).toFixed(0)} s.`,
    '',
    '| strategy | trainable | average acc. after the last task, % | whole acc., % | gap over sequential (average / whole), points | last/first batches | last/first train ms | cache hit rate, % | estimated saved ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of agg.strategies) {
    const gap = s.gapAverage && s.gapWhole ? `${s.gapAverage.mean >= 0 ? '+' : ''}${pm(s.gapAverage)} / ${s.gapWhole.mean >= 0 ? '+' : ''}${pm(s.gapWhole)}` : '—';
    lines.push(
      `| ${s.title} | ${s.trainable.toLocaleString('en-US')} | ${pm(s.finalAverage)} | ${pm(s.finalWhole)} | ${s.strategy === 'sequential' ? '—' : gap} | ${pm(s.lastOverFirstBatches, 2)} | ${pm(s.lastOverFirstMs, 2)} | ${s.cacheHitRate ? pm(s.cacheHitRate) : '—'} | ${s.savedMs ? pm(s.savedMs, 0) : '—'} |`,
    );
  }
  lines.push('', `Training batches per task (selector and module batches together; seed ${first.seed}):`, '', `| strategy | ${taskCols.join(' | ')} |`, `|---|${taskCols.map(() => '---:').join('|')}|`);
  for (const s of agg.strategies) lines.push(`| ${s.title} | ${s.batchesPerTask.join(' | ')} |`);
  lines.push('', `Training ms per task (mean over seeds; task 1 includes compiling kernels):`, '', `| strategy | ${taskCols.join(' | ')} |`, `|---|${taskCols.map(() => '---:').join('|')}|`);
  for (const s of agg.strategies) lines.push(`| ${s.title} | ${s.trainMsPerTask.map((ms) => ms.toFixed(0)).join(' | ')} |`);
  lines.push('', `Examples run through the model per task (the rest came from the logit cache; seed ${first.seed}):`, '', `| strategy | ${taskCols.join(' | ')} |`, `|---|${taskCols.map(() => '---:').join('|')}|`);
  for (const s of first.summaries) lines.push(`| ${STRATEGY_TITLES[s.strategy]} | ${first.results[s.runId].map((r) => r.computedExamples).join(' | ')} |`);
  if (agg.cache) {
    const c = agg.cache;
    lines.push(
      '',
      `Logit cache, Dynamic ConPET with and without it (same seed, same batches): hit rate ${pm(c.hitRate)}% (lookups in training and evaluation), estimated saving ${pm(c.estimatedSavedMs, 0)} ms (hits × measured ms per computed example). ` +
        `Measured training time: ${pm(c.cachedTrainMs, 0)} ms with the cache, ${pm(c.uncachedTrainMs, 0)} ms without — cached/uncached ${pm(c.timeRatio, 2)}× over all tasks, ${pm(c.timeRatioAfterFirst, 2)}× over tasks 2–${tasks}. ` +
        `Evaluation: ${pm(c.cachedEvalMs, 0)} ms with, ${pm(c.uncachedEvalMs, 0)} ms without; training + evaluation cached/uncached ${pm(c.wallRatio, 2)}×. ` +
        `Examples run through the model in training: ${pm(c.computedCached, 0)} with the cache, ${pm(c.computedUncached, 0)} without.`,
    );
  }
  lines.push('', `Accuracy matrices, % (seed ${first.seed}; row = after training that task, column = task evaluated; whole / average accuracy after each task on the right):`);
  for (const s of first.summaries) {
    lines.push('', `${STRATEGY_TITLES[s.strategy]}:`, '', `| after | ${taskCols.join(' | ')} | whole | average |`, `|---|${taskCols.map(() => '---:').join('|')}|---:|---:|`);
    s.matrix.forEach((row, k) => lines.push(`| task ${k + 1} | ${taskCols.map((_, j) => (j < row.length ? pct(row[j]) : '')).join(' | ')} | ${pct(s.wholeAccuracy[k])} | ${pct(s.averageAccuracy[k])} |`));
  }
  return lines.join('\n');
}

interface BenchFile {
  quick: boolean;
  seeds: number[];
  settings: BenchSettings;
  machine: { description: string; cpuModel: string; cpus: number; platform: string; arch: string; totalMemBytes: number; node: string };
  backend: Awaited<ReturnType<typeof initNodeBackend>>;
  date: string;
  wallMs: number;
  aggregate: ReturnType<typeof aggregate>;
  runs: SeedResult[];
}

async function write(file: BenchFile, out: string): Promise<void> {
  file.aggregate = aggregate(file.runs);
  const md = markdown(file.settings, file.seeds, file.runs, file.aggregate, file.machine.description, file.backend.backend, file.wallMs);
  console.log(md);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(`${out}.json`, JSON.stringify(file, null, 2) + '\n');
  await writeFile(`${out}.md`, `# Continual strategies on ${file.settings.stream} (wasm, \`npm run bench:continual\`)\n\n${md}\n`);
  console.error(`wrote ${path.relative(process.cwd(), out)}.json and .md`);
}

async function main(): Promise<void> {
  if (render) {
    const file = JSON.parse(await readFile(render, 'utf8')) as BenchFile;
    await write(file, render.replace(/\.json$/, ''));
    return;
  }
  const quick = args.includes('--quick');
  const settings = settingsFromArgs(quick);
  const seeds = option('--seeds', quick ? '1' : '1,2,3').split(',').map(Number);
  const backend = await initNodeBackend();
  const strategies: StrategyName[] = ['sequential', 'emr', 'static', 'dynamic', 'limitless'];
  const runs: SeedResult[] = [];
  const started = performance.now();
  for (const seed of seeds) {
    console.error(`seed ${seed}: all strategies`);
    const all = await runSpec(specFor(settings, seed, strategies, true));
    console.error(`seed ${seed}: Dynamic ConPET without the cache`);
    const plain = await runSpec(specFor(settings, seed, ['dynamic'], false));
    runs.push({
      seed,
      ...all,
      uncached: plain.summaries[0],
      uncachedComputed: sum(Object.values(plain.results)[0].map((r) => r.computedExamples)),
    });
  }
  const wallMs = performance.now() - started;
  const cpus = os.cpus();
  const machine = { description: hostMachine(), cpuModel: cpus[0]?.model.trim() ?? 'unknown', cpus: cpus.length, platform: os.platform(), arch: os.arch(), totalMemBytes: os.totalmem(), node: process.version };
  const out = path.join(REPO_ROOT, 'bench', `continual-${settings.stream}${settings.model === 'tiny-t5' ? '-t5' : ''}${quick ? '-quick' : ''}`);
  await write({ quick, seeds, settings, machine, backend, date: new Date().toISOString(), wallMs, aggregate: aggregate(runs), runs }, out);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(1);
  },
);
