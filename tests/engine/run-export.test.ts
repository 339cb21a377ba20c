import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRunExport, runExportText, RunExportError, RUN_EXPORT_FORMAT } from '../../src/engine/experiment/run-export';
import { DEFAULT_SPEC, parseExperimentSpec } from '../../src/engine/experiment/spec';
import { exportRunsText, importedRunSeries } from '../../src/ui/run-files';
import { runTitle } from '../../src/ui/charts/series';

const fixtureText = readFileSync(new URL('../../e2e/fixtures/runs-export.json', import.meta.url), 'utf8');
const fixture = () => JSON.parse(fixtureText) as Record<string, any>;

function parseError(value: unknown): string {
  try {
    parseRunExport(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (error) {
    expect(error).toBeInstanceOf(RunExportError);
    return (error as Error).message;
  }
  throw new Error('expected the import to fail');
}

describe('run export files', () => {
  it('reads the fixture: spec completed by the schema, runs and environment as written', () => {
    const file = parseRunExport(fixtureText);
    expect(file.spec.task).toBe('spam');
    expect(file.spec.methods.map((m) => m.name)).toEqual(['prompt', 'lora']);
    expect(file.spec.optimizer).toEqual(parseExperimentSpec(DEFAULT_SPEC).optimizer);
    expect(file.environment.adapter).toBe('nvidia ada lovelace');
    expect(file.runs.map((r) => r.runId)).toEqual(['0:prompt', '1:lora']);
    expect(file.runs[1].steps).toHaveLength(4);
    expect(file.runs[1].summary?.finalEval?.accuracy).toBe(0.75);
    expect(file.sweep).toBeNull();
  });

  it('round-trips what it writes, a diverged (NaN) loss included', () => {
    const file = parseRunExport(fixtureText);
    file.runs[0].steps[3].loss = Number.NaN;
    const back = parseRunExport(runExportText({ spec: file.spec, environment: file.environment, runs: file.runs, sweep: null }));
    expect(Number.isNaN(back.runs[0].steps[3].loss)).toBe(true);
    back.runs[0].steps[3].loss = 0;
    file.runs[0].steps[3].loss = 0;
    expect(back).toEqual(file);
  });

  it('carries sweep results, each variant spec validated', () => {
    const file = parseRunExport(fixtureText);
    const point = { label: 'LoRA r=1', trainableParams: 2048, headParams: 256, storedBytes: 8192, metric: { name: 'accuracy', value: 0.7, higherIsBetter: true }, meanStepMs: 10, meanTokensPerSec: 100, trainingPeakBytes: 1000 };
    const sweep = { presetId: 'params-vs-accuracy', title: 't', variants: [{ label: 'LoRA r=1', spec: file.spec, point }] };
    const text = runExportText({ spec: file.spec, environment: file.environment, runs: file.runs, sweep: sweep as never });
    expect(parseRunExport(text).sweep?.variants[0].point?.trainableParams).toBe(2048);
    const bad = JSON.parse(text);
    bad.sweep.variants[0].spec.steps = -1;
    expect(parseError(bad)).toMatch(/^run export field "sweep\.variants\.0\.spec": spec field "steps"/);
  });

  it('names the field path of a corrupted value', () => {
    expect(parseError(readFileSync(new URL('../../e2e/fixtures/runs-export-corrupted.json', import.meta.url), 'utf8'))).toMatch(/^run export field "runs\.1\.steps\.2\.loss": /);
    const f = fixture();
    f.runs[0].evals[1].accuracy = 1.5;
    expect(parseError(f)).toMatch(/"runs\.0\.evals\.1\.accuracy"/);
    const g = fixture();
    g.runs[0].method = 'rm -rf';
    expect(parseError(g)).toMatch(/"runs\.0\.method"/);
    const h = fixture();
    h.runs[0].extra = 1;
    expect(parseError(h)).toMatch(/"runs\.0"/);
    const e = fixture();
    delete e.environment.adapter;
    expect(parseError(e)).toMatch(/"environment\.adapter"/);
    const s = fixture();
    s.spec.methods[0].options.length = -3;
    expect(parseError(s)).toMatch(/^run export field "spec": spec field "methods\.0\.options"/);
  });

  it('refuses what is not an export of this app, with a clear reason', () => {
    expect(parseError('{"format": "peft-playground/runs", "runs": [')).toMatch(/not JSON/);
    expect(parseError('[1, 2]')).toMatch(/expected a JSON object/);
    expect(parseError({ ...fixture(), format: 'something-else' })).toMatch(new RegExp(`"format": expected "${RUN_EXPORT_FORMAT}"`));
    expect(parseError({ ...fixture(), version: 2 })).toMatch(/"version"/);
    expect(parseError({ ...fixture(), runs: [] })).toMatch(/"runs"/);
    const twin = fixture();
    twin.runs[1].runId = twin.runs[0].runId;
    expect(parseError(twin)).toMatch(/share a runId/);
    const mismatch = fixture();
    mismatch.runs[0].summary.method = 'lora';
    expect(parseError(mismatch)).toMatch(/"runs\.0\.summary\.method"/);
  });

  it('the app writes what it reads, and labels imported runs with their machine under ids of their own', () => {
    const file = parseRunExport(fixtureText);
    const runs = importedRunSeries(file, 7);
    expect(runs.map((r) => r.runId)).toEqual(['imported-7/0:prompt', 'imported-7/1:lora']);
    expect(runTitle(runs[1])).toBe('LoRA · imported: nvidia ada lovelace');
    const text = exportRunsText(file.spec, runs, { backend: 'wasm', adapter: 'wasm simd', fallbacks: [] }, null, new Date('2026-01-02T03:04:05Z'));
    const again = parseRunExport(text);
    expect(again.environment).toMatchObject({ backend: 'wasm', adapter: 'wasm simd', date: '2026-01-02T03:04:05.000Z' });
    expect(again.runs.map((r) => r.steps)).toEqual(file.runs.map((r) => r.steps));
    expect(again.spec).toEqual(file.spec);
  });
});
