import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openSync, readSync, closeSync, rmSync } from 'node:fs';
import { loadBaseCheckpoint } from '../../src/engine/experiment/base-model';
import { checkpointPreview } from '../../src/engine/io/checkpoint-preview';
import { hubSource } from '../../src/engine/io/http-source';
import { folderSource } from '../../src/engine/io/node-source';
import { buildModel } from '../../src/engine/models/families';
import { gpt2WeightShapes } from '../../src/engine/models/gpt2-config';
import { startHubServer, writeRandomGpt2Checkpoint, type HubServer, type RandomGpt2Files } from '../../e2e/hub-server';
import { useWasmBackend } from '../engine/node-backend';

/** The safetensors header of a file on disk, without reading the 500 MB behind it. */
function headerOf(path: string): { entries: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; dataStart: number } {
  const fd = openSync(path, 'r');
  try {
    const length = Buffer.alloc(8);
    readSync(fd, length, 0, 8, 0);
    const n = Number(length.readBigUInt64LE());
    const json = Buffer.alloc(n);
    readSync(fd, json, 0, n, 8);
    const { __metadata__: _, ...entries } = JSON.parse(json.toString('utf8'));
    return { entries, dataStart: 8 + n };
  } finally {
    closeSync(fd);
  }
}

describe('a GPT-2-small-sized random checkpoint served by the local hub', () => {
  let small: RandomGpt2Files;
  let hub: HubServer;
  beforeAll(async () => {
    small = writeRandomGpt2Checkpoint();
    hub = await startHubServer({ repos: { 'test/gpt2-small-random': small.files } });
  });
  afterAll(async () => {
    await hub?.close();
    if (small) rmSync(small.dir, { recursive: true, force: true });
  });

  it('has GPT-2 small’s tensors, shapes and size', () => {
    const { entries, dataStart } = headerOf(`${small.dir}/model.safetensors`);
    const expected = gpt2WeightShapes(small.config);
    expect(Object.keys(entries).map((name) => name.replace(/^transformer\./, ''))).toEqual([...expected.keys()]);
    for (const [name, entry] of Object.entries(entries)) {
      expect(entry.dtype).toBe('F32');
      expect(entry.shape).toEqual(expected.get(name.replace(/^transformer\./, '')));
    }
    const lastEnd = Math.max(...Object.values(entries).map((e) => e.data_offsets[1]));
    expect(lastEnd).toBe(124_439_808 * 4);
    expect(dataStart + lastEnd).toBe(small.weightFileBytes);
    expect(small.totalParams).toBe(124_439_808);
  });

  it('checkpointPreview: 124,439,808 parameters, ≈ 497.8 MB, weights not downloaded', async () => {
    const preview = await checkpointPreview(hubSource('test/gpt2-small-random', 'main', { endpoint: hub.endpoint }));
    expect(preview.family).toBe('gpt2');
    expect(preview.totalParams).toBe(124_439_808);
    expect(preview.weightBytes).toBe(small.weightFileBytes);
    expect((preview.weightBytes! / 1e6).toFixed(1)).toBe('497.8');
    expect(hub.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/test/gpt2-small-random/resolve/main/config.json']);
    expect(hub.requests.filter((r) => r.method === 'HEAD').map((r) => r.path)).toEqual(['/test/gpt2-small-random/resolve/main/model.safetensors']);
  });
});

describe('writeRandomGpt2Checkpoint at a small size', () => {
  it('writes a checkpoint the engine loads and builds', async () => {
    await useWasmBackend();
    const files = writeRandomGpt2Checkpoint({ hidden: 32, layers: 2, heads: 2, positions: 64, vocab: 2048 }, { seed: 7 });
    try {
      const base = await loadBaseCheckpoint(folderSource(files.dir));
      expect(base.shape.totalParams).toBe(files.totalParams);
      expect(base.tokenizer!.vocabSize).toBe(2048);
      const wte = base.weights.get('wte.weight')!.data;
      let squares = 0;
      for (const v of wte) squares += v * v;
      const std = Math.sqrt(squares / wte.length);
      expect(std).toBeGreaterThan(0.015);
      expect(std).toBeLessThan(0.025);
      expect(Array.from(base.weights.get('h.1.ln_2.weight')!.data).every((v) => v === 1)).toBe(true);
      buildModel(base.model, base.weights).dispose();
    } finally {
      rmSync(files.dir, { recursive: true, force: true });
    }
  });
});
