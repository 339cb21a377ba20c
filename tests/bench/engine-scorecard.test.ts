import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend, nodeRunnerEnv } from '../../src/cli/node-env';
import { missingReportFields, ROW_FIELDS, type EngineReport } from '../../src/engine/bench/engine-report';
import { runEngineScorecard, scorecardSessions } from '../../src/engine/bench/engine-scorecard';
import { scorecardMarkdown } from '../../scripts/bench-engine-table';

/** The quick scorecard on tiny-gpt2 for two methods: every field present (no timing thresholds). */
describe('engine scorecard (quick, tiny-gpt2, full + LoRA)', () => {
  let report: EngineReport;
  beforeAll(async () => {
    await initNodeBackend();
    report = await runEngineScorecard({
      choice: { mode: 'quick', gpt2Small: false, methods: ['full', 'lora'], models: ['tiny-gpt2'] },
      env: nodeRunnerEnv,
      machine: { cpu: 'test', cores: 1, platform: 'test', node: process.version, loadAverage: { start: [], end: [] } },
      backend: { backend: 'wasm', adapter: 'test', wasmThreads: null, threading: 'test' },
      noPeerReason: 'test: no peer',
      matmulRepeats: 2,
    });
  }, 300_000);

  it('quick mode is the three tiny models, no GPT-2-small', () => {
    expect(scorecardSessions({ mode: 'quick', gpt2Small: true }).map((s) => s.id)).toEqual(['tiny-gpt2', 'tiny-vit', 'tiny-t5']);
    expect(scorecardSessions({ mode: 'full', gpt2Small: true }).map((s) => s.id)).toContain('gpt2-small-random');
    expect(scorecardSessions({ mode: 'full', gpt2Small: false }).map((s) => s.id)).not.toContain('gpt2-small-random');
  });

  it('has every field of the schema, survives JSON, and renders', () => {
    const json = JSON.parse(JSON.stringify(report)) as unknown;
    expect(missingReportFields(json)).toEqual([]);
    expect(missingReportFields({ ...report, rows: [{ ...report.rows[0], keptBytes: undefined }].map((r) => JSON.parse(JSON.stringify(r))) })).toEqual(['rows[0].keptBytes']);
    expect(scorecardMarkdown(report)).toContain('| tiny-gpt2 |');
  });

  it('measures both methods with checkpointing off, and says whether "on" exists', () => {
    const off = report.rows.filter((r) => r.checkpoint === 'none');
    expect(off.map((r) => r.method)).toEqual(['full', 'lora']);
    for (const row of off) {
      expect(row.status, row.error ?? '').toBe('ok');
      for (const field of ['stepMs', 'tokensPerSec', 'kernelCalls', 'peakStepBytes', 'keptBytes', 'keptFloatsPerTokenBlockD', 'runBytes', 'achievedGflops'] as const) {
        expect(row[field], `${row.method}.${field}`).not.toBeNull();
      }
      expect(row.topKernels.length).toBeGreaterThan(0);
      expect(row.flops.backward).toBeGreaterThan(0);
      expect(Object.keys(row).sort()).toEqual([...ROW_FIELDS].sort());
    }
    const on = report.rows.filter((r) => r.checkpoint === 'blocks');
    expect(on).toHaveLength(2);
    expect(on.every((r) => r.status === (report.checkpointing.available ? 'ok' : 'not available'))).toBe(true);
    expect(report.loraOverFull.find((q) => q.model === 'tiny-gpt2' && q.checkpoint === 'none')?.pairs).toBeGreaterThan(0);
    expect(report.peer).toMatchObject({ available: false, reason: 'test: no peer' });
  });
});
