import { describe, expect, it } from 'vitest';
import {
  benchHeader,
  benchMarkdown,
  benchMarkdownTables,
  benchThroughputMatrix,
  parseBenchResults,
  readmeBenchBlock,
  README_BENCH_END,
  README_BENCH_START,
  replaceReadmeBenchBlock,
} from '../../src/engine/bench/results';
import { continualResults, multiModelResults, sampleResults } from './fixture';

describe('bench results schema', () => {
  it('accepts a complete results object and returns the same data', () => {
    const results = sampleResults();
    expect(parseBenchResults(JSON.parse(JSON.stringify(results)))).toEqual(results);
  });

  it('names the first bad field', () => {
    const bad = sampleResults() as unknown as { rows: Array<{ stepMs: { median: unknown } }> };
    bad.rows[1].stepMs.median = 'fast';
    expect(() => parseBenchResults(bad)).toThrow(/field "rows\.1\.stepMs\.median"/);
  });

  it('refuses unknown modes, unknown keys, missing fields and a wrong version', () => {
    expect(() => parseBenchResults({ ...sampleResults(), mode: 'turbo' })).toThrow(/field "mode"/);
    expect(() => parseBenchResults({ ...sampleResults(), extra: 1 })).toThrow(/top level|extra/);
    const { rows: _rows, ...withoutRows } = sampleResults();
    expect(() => parseBenchResults(withoutRows)).toThrow(/field "rows"/);
    expect(() => parseBenchResults({ ...sampleResults(), version: 2 })).toThrow(/field "version"/);
    expect(() => parseBenchResults({ ...sampleResults(), date: 'yesterday' })).toThrow(/field "date"/);
  });

  it('accepts per-row tasks and per-model sizes, and still accepts results written before them', () => {
    const multi = multiModelResults();
    expect(parseBenchResults(JSON.parse(JSON.stringify(multi)))).toEqual(multi);
    // sampleResults has neither (the single-model suite's results): still valid.
    expect(sampleResults().rows[0].task).toBeUndefined();
    expect(sampleResults().config.models).toBeUndefined();
  });

  it('names bad per-model fields', () => {
    const bad = multiModelResults();
    bad.config.models![1].batchSize = 0;
    expect(() => parseBenchResults(bad)).toThrow(/field "config\.models\.1\.batchSize"/);
    const extra = multiModelResults() as unknown as { config: { models: Array<Record<string, unknown>> } };
    extra.config.models[0].colour = 'red';
    expect(() => parseBenchResults(extra)).toThrow(/config\.models\.0/);
    const task = multiModelResults();
    task.rows[0].task = '';
    expect(() => parseBenchResults(task)).toThrow(/field "rows\.0\.task"/);
  });

  it('accepts the continual run’s setting and its batch ratios, and names a bad continual field', () => {
    const results = continualResults();
    expect(parseBenchResults(JSON.parse(JSON.stringify(results)))).toEqual(results);
    expect(multiModelResults().config.continual).toBeUndefined();
    const bad = continualResults();
    bad.config.continual!.batchesPerTask = 0;
    expect(() => parseBenchResults(bad)).toThrow(/field "config\.continual\.batchesPerTask"/);
    const extra = continualResults() as unknown as { config: { continual: Record<string, unknown> } };
    extra.config.continual.colour = 'red';
    expect(() => parseBenchResults(extra)).toThrow(/config\.continual/);
    const quantity = continualResults() as unknown as { ratios: Array<{ quantity: string }> };
    quantity.ratios[2].quantity = 'tasks';
    expect(() => parseBenchResults(quantity)).toThrow(/field "ratios\.2\.quantity"/);
  });

  it('refuses non-finite numbers and accuracies outside [0, 1]', () => {
    const r = sampleResults();
    r.rows[0].finalAccuracy = 1.5;
    expect(() => parseBenchResults(r)).toThrow(/field "rows\.0\.finalAccuracy"/);
    const r2 = sampleResults();
    r2.ratios[0].value.max = Infinity;
    expect(() => parseBenchResults(r2)).toThrow(/field "ratios\.0\.value\.max"/);
  });
});

describe('Markdown rendering', () => {
  it('has one table line per row, ratio and skipped pair, with the numbers of the results', () => {
    const results = sampleResults();
    const md = benchMarkdownTables(results);
    const lines = md.split('\n');
    const rowLines = lines.filter((l) => l.startsWith('| tiny-gpt2 |'));
    expect(rowLines).toHaveLength(results.rows.length);
    expect(rowLines[0]).toContain('| tiny-gpt2 | spam | PT l=20 | 2,816 | 812 (802–824) |'); // no row task: config.task
    expect(rowLines[0]).toContain('| 3.81 |'); // 4,000,000 bytes in MiB
    expect(rowLines[0]).toContain('| 62.5% |');
    expect(rowLines[2]).toContain('| – |'); // no peak measured
    expect(md).toContain('| DePT / PT | time | DePT m=10 (PT budget 20) | PT l=20 | 0.810× (0.740–0.930) | 4 |');
    expect(md).toContain('| DePT / PT | memory | DePT m=10 (PT budget 20) | PT l=20 | 0.750× | 1 |');
    expect(md).toContain('| apt:fused/twin | – | – | – | not measured | – | no fused kernel on wasm |');
  });

  it('keeps three significant digits for ratios far below 1', () => {
    const results = sampleResults();
    results.ratios.push({ id: 'nola/lora:stored', pair: 'NOLA / LoRA', quantity: 'stored bytes', a: 'NOLA', b: 'LoRA', value: { median: 896 / 65536, min: 896 / 65536, max: 896 / 65536 }, pairs: 1, how: 'adapter bytes' });
    expect(benchMarkdownTables(results)).toContain('| NOLA / LoRA | stored bytes | NOLA | LoRA | 0.0137× | 1 |');
  });

  it('puts machine, backend and adapter in the header', () => {
    const md = benchMarkdown(sampleResults());
    expect(md.split('\n')[0]).toMatch(/machine: Test CPU × 2.*backend webgpu \(adapter: google swiftshader\)/);
    expect(md.split('\n')[0]).toContain('tiny-gpt2 on spam: batch 4 × 32 tokens, 7 steps (2 warm-up), validation on 2 batches');
  });

  it('names each model’s task and sizes (patches for ViT) and each row’s task', () => {
    const results = multiModelResults();
    expect(benchHeader(results)).toContain('tiny-gpt2 on spam: batch 4 × 32 tokens, 7 steps (2 warm-up), validation on 2 batches; tiny-vit on mnist-5shot: batch 8 × 16 patches, 7 steps (2 warm-up), validation on 1 batch');
    expect(benchMarkdownTables(results)).toContain('| tiny-vit | mnist-5shot | LoRA r=8 |');
  });

  it('names the continual run’s setting in the header and its last/first ratios in the ratio table', () => {
    const results = continualResults();
    expect(benchHeader(results)).toContain(
      '; continual: tiny-vit on split-mnist (5 tasks), LoRA r=4, static, dynamic, limitless: batch 4, 3 batches per task (+ 2 selector), Limitless 0.05 epochs, 4 test examples per task',
    );
    const md = benchMarkdownTables(results);
    expect(md).toContain('| Dynamic ConPET last / first task | batches | task 5: 5 batches | task 1: 3 batches | 1.67× | 1 | training batches per task |');
    expect(md).toContain('| Dynamic ConPET last / first task | time | task 5: 812 ms | task 1: 1,015 ms | 0.800× | 1 |');
    expect(readmeBenchBlock(results)).toContain('The continual ratios are one run’s last task over its first');
    expect(readmeBenchBlock(multiModelResults())).not.toContain('continual');
  });

  it('renders throughput per model per method: tokens/s (step ms), – where a method did not run', () => {
    const matrix = benchThroughputMatrix(multiModelResults()).split('\n');
    expect(matrix[0]).toBe('| method | tiny-gpt2 (spam): tokens/s (step ms) | tiny-vit (mnist-5shot): tokens/s (step ms) |');
    expect(matrix).toContain('| prompt | 158 (812) | – |');
    expect(matrix).toContain('| lora | 142 (900) | 1,067 (120) |');
    expect(benchMarkdown(multiModelResults())).toContain('Throughput per model per method');
  });
});

describe('README block', () => {
  const readme = `# Title\n\n## Performance\n\nintro\n\n${README_BENCH_START}\nold numbers 123\n${README_BENCH_END}\n\n### After\n`;

  it('replaces only the text between the markers, naming machine and adapter', () => {
    const out = replaceReadmeBenchBlock(readme, readmeBenchBlock(sampleResults()));
    expect(out.startsWith('# Title\n\n## Performance\n\nintro\n\n<!-- bench:start -->')).toBe(true);
    expect(out.endsWith('<!-- bench:end -->\n\n### After\n')).toBe(true);
    expect(out).not.toContain('old numbers 123');
    expect(out).toContain('**Test CPU × 2 (linux x64, 8 GiB)**');
    expect(out).toContain('adapter **google swiftshader**');
    expect(out).toContain('| DePT / PT | time |');
  });

  it('adds the throughput matrix when more than one model ran', () => {
    expect(readmeBenchBlock(sampleResults())).not.toContain('Throughput per model per method');
    const block = readmeBenchBlock(multiModelResults());
    expect(block).toContain('Throughput per model per method');
    expect(block).toContain('| lora | 142 (900) | 1,067 (120) |');
    expect(block.endsWith(README_BENCH_END)).toBe(true);
  });

  it('is idempotent: regenerating from the same results gives the same README', () => {
    const once = replaceReadmeBenchBlock(readme, readmeBenchBlock(sampleResults()));
    expect(replaceReadmeBenchBlock(once, readmeBenchBlock(sampleResults()))).toBe(once);
  });

  it('refuses a README without markers, with duplicates, or with them out of order', () => {
    const block = readmeBenchBlock(sampleResults());
    expect(() => replaceReadmeBenchBlock('# no markers', block)).toThrow(/no <!-- bench:start -->/);
    expect(() => replaceReadmeBenchBlock(readme + README_BENCH_START, block)).toThrow(/more than one/);
    expect(() => replaceReadmeBenchBlock(`${README_BENCH_END}\n${README_BENCH_START}`, block)).toThrow(/comes before/);
  });
});
