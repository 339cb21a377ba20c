import 'fake-indexeddb/auto';
import { describe, it, expect, beforeEach } from 'vitest';
import { deleteRun, findInterruptedRun, listRunRecords, loadCheckpoint, loadRunRecord, openRunDb, saveCheckpoint, saveRunRecord, seriesAtStep, type RunDb, type RunRecord } from '../../src/ui/persistence/run-db';
import { parseExperimentSpec } from '../../src/engine/experiment/spec';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type TrainingSnapshot } from '../../src/engine/experiment/checkpoint-state';
import type { RunSeries } from '../../src/ui/store';

let db: RunDb;
let serial = 0;

beforeEach(async () => {
  // A fresh database per test (fake-indexeddb keeps them in memory for the process).
  db = await openRunDb(`test-runs-${++serial}`);
});

function series(steps: number[]): RunSeries {
  return {
    runId: '0:lora',
    method: 'lora',
    trainable: { method: 100, head: 0 },
    totalParams: 1000,
    steps: steps.map((step) => ({ step, loss: 5 - step / 10, stepMs: 10, tokensPerSec: 100, gpuBytes: 1, peakGpuBytes: 1, runBytes: 1 })),
    evals: [{ step: 0, loss: 5, accuracy: null, perplexity: 148 }],
    summary: null,
  };
}

function record(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    createdAt: `2026-01-0${serial % 9}T00:00:0${id.length % 10}.000Z`,
    updatedAt: '2026-01-01T00:00:00.000Z',
    spec: parseExperimentSpec({ methods: [{ name: 'lora' }], steps: 8 }),
    link: 'v=1&steps=8',
    environment: { backend: 'webgpu', adapter: 'test', userAgent: 'vitest' },
    status: 'running',
    message: null,
    runs: [series([1, 2])],
    checkpointStep: null,
    resumable: true,
    ...overrides,
  };
}

function snapshot(step: number, value: number): TrainingSnapshot {
  const values = new Float32Array([value, value + 1]);
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    step,
    runs: [{ runId: '0:lora', method: 'lora', wallMs: 5, trainer: { stepIndex: step, peakBytes: 1, optimizer: { stepCount: step, slots: [{ name: 'lora/A', shape: [2], value: values, m: values, v: values }] } } }],
  };
}

describe('the run history in IndexedDB', () => {
  it('saves, updates and loads a record with its metric series, and a checkpoint with its typed arrays', async () => {
    await saveRunRecord(db, record('a'));
    await saveRunRecord(db, record('a', { runs: [series([1, 2, 3])], status: 'paused' }));
    const loaded = await loadRunRecord(db, 'a');
    expect(loaded?.status).toBe('paused');
    expect(loaded?.runs[0].steps.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(loaded?.spec.steps).toBe(8);

    await saveCheckpoint(db, record('a', { checkpointStep: 3 }), snapshot(3, 0.5));
    const saved = await loadCheckpoint(db, 'a');
    expect(saved?.step).toBe(3);
    expect(saved?.runs[0].trainer.optimizer.slots[0].value).toBeInstanceOf(Float32Array);
    expect([...saved!.runs[0].trainer.optimizer.slots[0].value]).toEqual([0.5, 1.5]);
    expect((await loadRunRecord(db, 'a'))?.checkpointStep).toBe(3);
  });

  it('refuses a checkpoint whose record points at another step', async () => {
    await expect(saveCheckpoint(db, record('a', { checkpointStep: 2 }), snapshot(3, 0))).rejects.toThrow(/record says checkpoint step 2, the checkpoint is of step 3/);
    expect(await loadCheckpoint(db, 'a')).toBeNull();
  });

  it('a failed write leaves the previous record and checkpoint intact (the transaction aborts whole)', async () => {
    await saveCheckpoint(db, record('a', { checkpointStep: 2, runs: [series([1, 2])] }), snapshot(2, 7));
    // A function cannot be cloned into IndexedDB: the record's put fails after the checkpoint's put was queued.
    const broken = { ...record('a', { checkpointStep: 4, runs: [series([1, 2, 3, 4])] }), message: (() => 'x') as unknown as string };
    await expect(saveCheckpoint(db, broken, snapshot(4, 9))).rejects.toThrow();
    const kept = await loadRunRecord(db, 'a');
    expect(kept?.checkpointStep).toBe(2);
    expect(kept?.runs[0].steps.map((p) => p.step)).toEqual([1, 2]);
    const checkpoint = await loadCheckpoint(db, 'a');
    expect(checkpoint?.step).toBe(2);
    expect(checkpoint?.runs[0].trainer.optimizer.slots[0].value[0]).toBe(7);
    await expect(saveRunRecord(db, broken)).rejects.toThrow();
    expect((await loadRunRecord(db, 'a'))?.runs[0].steps.length).toBe(2);
  });

  it('finds the newest interrupted run (running or paused), skipping finished ones and the ones this page records', async () => {
    await saveRunRecord(db, record('old', { status: 'running', createdAt: '2026-01-01T00:00:00.000Z' }));
    await saveRunRecord(db, record('done', { status: 'done', createdAt: '2026-01-03T00:00:00.000Z' }));
    await saveRunRecord(db, record('paused', { status: 'paused', createdAt: '2026-01-02T00:00:00.000Z' }));
    expect((await listRunRecords(db)).map((r) => r.id)).toEqual(['done', 'paused', 'old']);
    expect((await findInterruptedRun(db))?.id).toBe('paused');
    expect((await findInterruptedRun(db, new Set(['paused'])))?.id).toBe('old');
    await saveRunRecord(db, record('old', { status: 'stopped', createdAt: '2026-01-01T00:00:00.000Z' }));
    await saveRunRecord(db, record('paused', { status: 'faulted', createdAt: '2026-01-02T00:00:00.000Z' }));
    expect(await findInterruptedRun(db)).toBeNull();
  });

  it('deletes a record together with its checkpoint', async () => {
    await saveCheckpoint(db, record('a', { checkpointStep: 1 }), snapshot(1, 0));
    await saveRunRecord(db, record('b'));
    await deleteRun(db, 'a');
    expect(await loadRunRecord(db, 'a')).toBeNull();
    expect(await loadCheckpoint(db, 'a')).toBeNull();
    expect((await listRunRecords(db)).map((r) => r.id)).toEqual(['b']);
  });

  it('cuts the series back to the checkpoint step for a resume', () => {
    const [cut] = seriesAtStep([{ ...series([1, 2, 3, 4, 5]), evals: [{ step: 0, loss: 5, accuracy: null, perplexity: null }, { step: 4, loss: 4, accuracy: null, perplexity: null }] }], 3);
    expect(cut.steps.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(cut.evals.map((p) => p.step)).toEqual([0]);
    expect(cut.summary).toBeNull();
  });
});
