import { z } from 'zod';

/**
 * The benchmark suite's results (src/engine/bench/suite.ts): what `npm run bench` writes to
 * bench/results.json, what a result link carries, and what the README's Performance block is
 * rendered from. Versioned and validated: a result link is untrusted input.
 */
export const BENCH_RESULTS_VERSION = 1;

export const BENCH_MODES = ['ci', 'quick', 'full'] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

const finite = z.number().finite();
const count = z.number().int().min(0);

const statSchema = z.object({ median: finite, min: finite, max: finite }).strict();

const rowSchema = z
  .object({
    model: z.string().min(1).max(200),
    /** The task the row trained on (results before the multi-model suite have none: config.task). */
    task: z.string().min(1).max(64).optional(),
    method: z.string().min(1).max(40),
    /** The method with its options, e.g. "DePT m=10 (PT budget 20)". */
    label: z.string().min(1).max(200),
    /** Method parameters plus the task head's. */
    trainableParams: count,
    /** The method's own parameters (the task head apart). */
    methodParams: count,
    totalParams: count,
    stepMs: statSchema,
    tokensPerSec: statSchema,
    /** The run's own tensors (runBytes) + what its last training step allocated on top (activations, gradients). */
    peakGpuBytes: count.nullable(),
    /** Bytes the method's adapter stores. */
    storedBytes: count,
    /** Validation after the fixed training budget: accuracy for classification, else null. */
    finalLoss: finite.nullable(),
    finalAccuracy: z.number().min(0).max(1).nullable(),
  })
  .strict();

/** One model's setting in the suite: each family runs its own task and sizes. */
const modelConfigSchema = z
  .object({
    model: z.string().min(1).max(200),
    family: z.string().min(1).max(16),
    task: z.string().min(1).max(64),
    steps: z.number().int().min(1),
    warmupSteps: count,
    batchSize: z.number().int().min(1),
    /** Input positions per example: text tokens (GPT-2, T5's encoder) or image patches (ViT). */
    inputLength: z.number().int().min(1),
    evalBatches: z.number().int().min(1),
  })
  .strict();

export const RATIO_QUANTITIES = ['time', 'memory', 'params', 'stored bytes', 'extra FLOPs', 'batches'] as const;

/** The suite's tiny continual run (ConPET's cost growth: last task over first), when it ran. */
const continualConfigSchema = z
  .object({
    model: z.string().min(1).max(200),
    /** A task stream, e.g. "split-mnist". */
    task: z.string().min(1).max(64),
    method: z.string().min(1).max(200),
    strategies: z.array(z.string().min(1).max(40)).min(1).max(10),
    tasks: z.number().int().min(1).max(100),
    batchSize: z.number().int().min(1),
    batchesPerTask: z.number().int().min(1),
    selectorBatches: count,
    limitlessEpochs: z.number().positive().max(100),
    evalExamplesPerTask: count,
  })
  .strict();

const ratioSchema = z
  .object({
    /** Stable key, e.g. "dept/prompt:time". */
    id: z.string().min(1).max(80),
    /** What is divided by what, e.g. "DePT / PT". */
    pair: z.string().min(1).max(80),
    quantity: z.enum(RATIO_QUANTITIES),
    a: z.string().min(1).max(200),
    b: z.string().min(1).max(200),
    /** Median (min–max) over the A/B pairs; a computed quantity has min = max = median. */
    value: statSchema,
    /** How many A/B pairs were measured (1 for computed quantities). */
    pairs: z.number().int().min(1),
    /** How the number was obtained. */
    how: z.string().max(300),
  })
  .strict();

export const benchResultsSchema = z
  .object({
    version: z.literal(BENCH_RESULTS_VERSION),
    mode: z.enum(BENCH_MODES),
    /** ISO 8601. */
    date: z.string().datetime(),
    /** The host as the runner can name it (the CLI names the CPU; a page only knows threads and platform). */
    machine: z.string().min(1).max(300),
    browser: z.string().max(500),
    backend: z.string().min(1).max(40),
    adapter: z.string().max(300),
    config: z
      .object({
        task: z.string().min(1).max(64),
        steps: z.number().int().min(1),
        warmupSteps: count,
        batchSize: z.number().int().min(1),
        seqLen: z.number().int().min(1),
        evalBatches: z.number().int().min(1),
        kernelIterations: z.number().int().min(1),
        /** Every model's setting (the fields above are the first model's, where the ratios come from). */
        models: z.array(modelConfigSchema).min(1).max(10).optional(),
        /** The continual run's setting (results before it have none). */
        continual: continualConfigSchema.optional(),
      })
      .strict(),
    rows: z.array(rowSchema).min(1).max(200),
    ratios: z.array(ratioSchema).max(100),
    /** Pairs the suite could not measure here and why (e.g. no fused kernel off WebGPU). */
    skipped: z.array(z.object({ id: z.string().max(80), reason: z.string().max(300) }).strict()).max(50),
    wallMs: finite.min(0),
  })
  .strict();

export type BenchStat = z.infer<typeof statSchema>;
export type BenchRow = z.infer<typeof rowSchema>;
export type BenchModelConfig = z.infer<typeof modelConfigSchema>;
export type BenchContinualConfig = z.infer<typeof continualConfigSchema>;
export type BenchRatio = z.infer<typeof ratioSchema>;
export type BenchResults = z.infer<typeof benchResultsSchema>;

export class BenchResultsError extends Error {
  override name = 'BenchResultsError';
}

/** Validates parsed JSON; the error names the first bad field, e.g. `field "rows.0.stepMs.median": …`. */
export function parseBenchResults(json: unknown, what = 'bench results'): BenchResults {
  const parsed = benchResultsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? `field "${issue.path.join('.')}"` : 'top level';
    throw new BenchResultsError(`${what}: ${field}: ${issue.message}`);
  }
  return parsed.data;
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const mib = (bytes: number | null) => (bytes === null ? '–' : (bytes / 2 ** 20).toFixed(2));
const fmtStat = (s: BenchStat, digits: number) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** Three significant digits: 0.0137×, 1.10×, 21.4× (ratios span orders of magnitude). */
const ratioNumber = (x: number) => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(3));

function ratioValue(r: BenchRatio): string {
  if (r.pairs === 1 && r.value.min === r.value.max) return `${ratioNumber(r.value.median)}×`;
  return `${ratioNumber(r.value.median)}× (${ratioNumber(r.value.min)}–${ratioNumber(r.value.max)})`;
}

/** The per-method table and the ratio table, Markdown. */
export function benchMarkdownTables(results: BenchResults): string {
  const lines = [
    '| model | task | method | trainable params | step ms, median (min–max) | tokens/s, median (min–max) | peak GPU MiB | stored bytes | final val. loss | final val. accuracy |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of results.rows) {
    lines.push(
      `| ${row.model} | ${row.task ?? results.config.task} | ${row.label} | ${int(row.trainableParams)} | ${fmtStat(row.stepMs, 0)} | ${fmtStat(row.tokensPerSec, 0)} | ${mib(row.peakGpuBytes)} | ${int(row.storedBytes)} | ${row.finalLoss === null ? '–' : row.finalLoss.toFixed(3)} | ${row.finalAccuracy === null ? '–' : `${(row.finalAccuracy * 100).toFixed(1)}%`} |`,
    );
  }
  lines.push('', '| ratio | quantity | A | B | A / B, median (min–max) | pairs | how |', '|---|---|---|---|---:|---:|---|');
  for (const r of results.ratios) lines.push(`| ${r.pair} | ${r.quantity} | ${r.a} | ${r.b} | ${ratioValue(r)} | ${r.pairs} | ${r.how} |`);
  for (const s of results.skipped) lines.push(`| ${s.id} | – | – | – | not measured | – | ${s.reason} |`);
  return lines.join('\n');
}

/**
 * Throughput per model per method: one line per method, one column per model, each cell the
 * median tokens/s (median step ms) — "–" where the method did not run on that model.
 */
export function benchThroughputMatrix(results: BenchResults): string {
  const models = [...new Set(results.rows.map((r) => r.model))];
  const methods = [...new Set(results.rows.map((r) => r.method))];
  const task = (model: string) => results.rows.find((r) => r.model === model)?.task ?? results.config.task;
  const lines = [
    `| method | ${models.map((m) => `${m} (${task(m)}): tokens/s (step ms)`).join(' | ')} |`,
    `|---|${models.map(() => '---:').join('|')}|`,
  ];
  for (const method of methods) {
    const cells = models.map((model) => {
      const row = results.rows.find((r) => r.model === model && r.method === method);
      return row ? `${int(row.tokensPerSec.median)} (${int(row.stepMs.median)})` : '–';
    });
    lines.push(`| ${method} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Each model's task and sizes, e.g. "tiny-gpt2 on spam: batch 2 × 32 tokens, 6 steps (1 warm-up), validation on 2 batches". */
export function benchSizes(results: BenchResults): string {
  const c = results.config;
  const models = c.models ?? [{ model: results.rows[0].model, family: 'gpt2', task: c.task, steps: c.steps, warmupSteps: c.warmupSteps, batchSize: c.batchSize, inputLength: c.seqLen, evalBatches: c.evalBatches }];
  const parts = models.map(
    (m) =>
      `${m.model} on ${m.task}: batch ${m.batchSize} × ${m.inputLength} ${m.family === 'vit' ? 'patches' : 'tokens'}, ${m.steps} steps (${m.warmupSteps} warm-up), ` +
      `validation on ${m.evalBatches} batch${m.evalBatches === 1 ? '' : 'es'}`,
  );
  const cl = c.continual;
  if (cl) {
    parts.push(
      `continual: ${cl.model} on ${cl.task} (${cl.tasks} tasks), ${cl.method}, ${cl.strategies.join(', ')}: batch ${cl.batchSize}, ${cl.batchesPerTask} batches per task ` +
        `(+ ${cl.selectorBatches} selector), Limitless ${cl.limitlessEpochs} epoch${cl.limitlessEpochs === 1 ? '' : 's'}, ${cl.evalExamplesPerTask} test examples per task`,
    );
  }
  return parts.join('; ');
}

/** One line saying where and how the numbers were taken. */
export function benchHeader(results: BenchResults): string {
  return (
    `${results.mode} mode · ${results.date.slice(0, 10)} · machine: ${results.machine} · backend ${results.backend} (adapter: ${results.adapter || 'unknown'}) · ` +
    `${benchSizes(results)} · suite took ${(results.wallMs / 1000).toFixed(0)} s`
  );
}

export function benchMarkdown(results: BenchResults): string {
  return `${benchHeader(results)}\n\n${benchMarkdownTables(results)}\n\nThroughput per model per method, medians:\n\n${benchThroughputMatrix(results)}\n`;
}

export const README_BENCH_START = '<!-- bench:start -->';
export const README_BENCH_END = '<!-- bench:end -->';

/** The README's generated Performance block, markers included. */
export function readmeBenchBlock(results: BenchResults): string {
  return [
    README_BENCH_START,
    '<!-- Generated by `npm run bench:readme` from bench/results.json; edits here are overwritten. -->',
    '',
    `Measured by \`npm run bench -- --${results.mode}\` (suite: \`src/engine/bench/suite.ts\`, Chromium driving the \`/bench\` page) on **${results.machine}**, ` +
      `backend **${results.backend}**, adapter **${results.adapter || 'unknown'}**, ${results.date.slice(0, 10)}. ` +
      `${benchSizes(results)}. Warm-up steps and the last (memory-profiled) step of each method are not timed; the final validation follows the fixed budget ` +
      '(at these sizes the accuracies are noise, not a ranking). Per model, all methods alternate step by step on identical batches, so each time ratio (first model) is a median (min–max) of A/B pairs from one run.' +
      (results.config.continual ? ' The continual ratios are one run’s last task over its first (the first task includes first-use costs such as kernel compilation).' : ''),
    '',
    benchMarkdownTables(results),
    '',
    ...(new Set(results.rows.map((r) => r.model)).size > 1 ? ['Throughput per model per method, medians:', '', benchThroughputMatrix(results), ''] : []),
    README_BENCH_END,
  ].join('\n');
}

/** Replaces the text between the markers (both must be present, once, in order). */
export function replaceReadmeBenchBlock(readme: string, block: string): string {
  const start = readme.indexOf(README_BENCH_START);
  const end = readme.indexOf(README_BENCH_END);
  if (start < 0 || end < 0) throw new Error(`README has no ${README_BENCH_START} … ${README_BENCH_END} block`);
  if (readme.indexOf(README_BENCH_START, start + 1) >= 0 || readme.indexOf(README_BENCH_END, end + 1) >= 0) throw new Error('README has more than one bench marker of a kind');
  if (end < start) throw new Error(`README's ${README_BENCH_END} comes before ${README_BENCH_START}`);
  return readme.slice(0, start) + block + readme.slice(end + README_BENCH_END.length);
}
