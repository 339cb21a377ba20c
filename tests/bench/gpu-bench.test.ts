import { describe, expect, it } from 'vitest';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { runGpuBench } from '../../src/engine/bench/gpu-bench';
import { gpuReportProblems, type GpuReport } from '../../src/engine/bench/gpu-report';
import { gpuReportMarkdown } from '../../scripts/bench-gpu-table';
import { gpuTitle, startNodeWebgpu } from '../webgpu/node-webgpu';

/**
 * `npm run bench:gpu -- --quick` on SwiftShader: a complete, schema-valid report — every method
 * measured on tiny-gpt2 with its dispatches, peak bytes and roofline fraction, and every paired
 * ratio — which is what the bundle produces on a real GPU at full size.
 */
const gpu = await startNodeWebgpu();

describe.skipIf(gpu.skip !== null)(gpuTitle('bench:gpu --quick', gpu), () => {
  let report: GpuReport;

  it('measures every method and pairs the ratios', { timeout: 900_000 }, async () => {
    report = await runGpuBench({
      quick: true,
      env: nodeRunnerEnv,
      adapter: { backend: 'webgpu', description: gpu.info!.adapter, driver: 'test', features: [], maxBufferSize: null, maxStorageBufferBindingSize: null },
      machine: { platform: 'test', node: process.version, cpu: 'test' },
      commit: null,
      noPeerReason: 'test: no peer',
    });
    const json = JSON.parse(JSON.stringify(report)) as GpuReport;
    expect(gpuReportProblems(json)).toEqual([]);
    expect(json.rows.map((r) => r.method)).toEqual(['full', 'head', 'prompt', 'lora', 'dept', 'deep-prompt', 'apt', 'nola']);
    for (const row of json.rows) {
      expect(row.status, `${row.method}: ${row.error}`).toBe('ok');
      expect(row.blocks).toBe(4);
      expect(row.dispatches!).toBeGreaterThan(row.blocks);
    }
    // Full fine-tuning computes every weight gradient; LoRA does not: fewer dispatches.
    const dispatches = (m: string) => json.rows.find((r) => r.method === m)!.dispatches!;
    expect(dispatches('lora')).toBeLessThan(dispatches('full'));
    for (const ratio of json.ratios) expect(ratio.stepTime, ratio.name).toBeGreaterThan(0);
    expect(gpuReportMarkdown(json)).toContain('| tiny-gpt2 | LoRA r=8 |');
  });

  it('names what an incomplete report lacks', () => {
    const broken = JSON.parse(JSON.stringify(report)) as Record<string, unknown> & { rows: Array<Record<string, unknown>>; ratios: unknown[] };
    broken.rows[0].dispatches = null;
    broken.ratios = broken.ratios.filter((r) => (r as { name: string }).name !== 'NOLA/LoRA');
    delete broken.adapter;
    expect(gpuReportProblems(broken)).toEqual(['adapter', 'rows[0].dispatches (null on a measured row)', 'ratios: NOLA/LoRA', 'adapter.description']);
  });
});
