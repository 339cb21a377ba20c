import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { loadBaseCheckpoint } from '../../src/engine/experiment/base-model';
import { DownloadError } from '../../src/engine/io/download';
import { hubSource } from '../../src/engine/io/http-source';
import { cachedModelSource, deleteCachedModel, listCachedModels, memoryFileCache, type ModelFileCache } from '../../src/engine/io/model-cache';
import { loadThroughCache, openModelSource } from '../../src/engine/io/model-source';
import { writeSafetensors } from '../../src/engine/io/safetensors';
import { startHubServer, type HubServer } from '../../e2e/hub-server';
import { tinyGpt2Files } from './hub-fixtures';
import { buildModel } from '../../src/engine/models/families';
import { tf } from '../../src/engine/tf';
import { useWasmBackend } from '../engine/node-backend';

const tiny = tinyGpt2Files();
const tinyConfig = JSON.parse(new TextDecoder().decode(tiny['config.json'] as Uint8Array)) as Record<string, unknown>;

let hub: HubServer;
beforeAll(async () => {
  await useWasmBackend();
  hub = await startHubServer({
    repos: {
      'org/tiny-gpt2': tiny,
      'org/other': tiny,
      'org/llama': { ...tiny, 'config.json': JSON.stringify({ ...tinyConfig, model_type: 'llama' }) },
      // Valid safetensors, but wte has the wrong shape for the config: fails after the download.
      'org/bad-shape': { ...tiny, 'model.safetensors': writeSafetensors([{ name: 'wte.weight', dtype: 'F32', shape: [3, 2], data: new Float32Array(6) }]) },
    },
  });
});
afterAll(() => hub.close());
beforeEach(() => {
  hub.requests.length = 0;
});

function open(model: string, cache: ModelFileCache, signal?: AbortSignal) {
  return openModelSource(model, { builtInBaseUrl: 'http://unused.invalid/models', endpoint: hub.endpoint, cache, ...(signal ? { signal } : {}) });
}

const load = (model: string, cache: ModelFileCache, signal?: AbortSignal) => loadThroughCache(open(model, cache, signal), (source) => loadBaseCheckpoint(source));

describe('cached hub models', () => {
  it('a second load makes zero requests and gives identical tensors', async () => {
    const cache = memoryFileCache();
    const first = await load('org/tiny-gpt2', cache);
    expect(hub.requests.length).toBeGreaterThan(0);
    hub.requests.length = 0;
    const opened = open('org/tiny-gpt2', cache);
    const second = await loadThroughCache(opened, (source) => loadBaseCheckpoint(source));
    expect(hub.requests).toEqual([]);
    expect([...second.weights.keys()]).toEqual([...first.weights.keys()]);
    for (const [name, tensor] of first.weights) {
      const again = second.weights.get(name)!;
      expect(again.shape).toEqual(tensor.shape);
      expect(Buffer.from(again.data.buffer, again.data.byteOffset, again.data.byteLength).equals(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength))).toBe(true);
    }
  });

  it('the manifest records files, sizes and the files answered missing', async () => {
    const cache = memoryFileCache();
    await load('org/tiny-gpt2', cache);
    const [info] = await listCachedModels(cache);
    expect(info.model).toBe('org/tiny-gpt2');
    expect(info.location).toBe(`${hub.endpoint}/org/tiny-gpt2/resolve/main`);
    const sizes = Object.fromEntries(Object.entries(tiny).map(([name, bytes]) => [name, (bytes as Uint8Array).length]));
    expect(info.files).toEqual(sizes);
    expect(info.totalBytes).toBe(Object.values(sizes).reduce((a, b) => a + b, 0));
    expect(Number.isNaN(Date.parse(info.savedAt))).toBe(false);
    // GPT-2 reads no preprocessor config; everything it asked for exists.
    expect(info.missing).toEqual([]);
  });

  it('missing answers are replayed offline too', async () => {
    const cache = memoryFileCache();
    const base = hubSource('org/tiny-gpt2', 'main', { endpoint: hub.endpoint });
    const first = cachedModelSource({ model: 'org/tiny-gpt2', base, location: base.folderUrl, cache });
    expect(await first.read('vocab.txt')).toBeNull();
    expect(await first.exists('pytorch_model.bin')).toBe(false);
    await first.read('config.json');
    await first.commit();
    hub.requests.length = 0;
    const again = cachedModelSource({ model: 'org/tiny-gpt2', base, location: base.folderUrl, cache });
    expect(await again.read('vocab.txt')).toBeNull();
    expect(await again.exists('pytorch_model.bin')).toBe(false);
    expect(await again.read('config.json')).not.toBeNull();
    expect(again.servedFromCache).toBe(true);
    expect(hub.requests).toEqual([]);
  });

  it('keys do not collide across repos and revisions', async () => {
    const cache = memoryFileCache();
    await load('org/tiny-gpt2', cache);
    await load('org/other', cache);
    await load('org/tiny-gpt2@0123456789abcdef0123456789abcdef01234567', cache);
    expect((await listCachedModels(cache)).map((m) => m.model).sort()).toEqual(['org/other', 'org/tiny-gpt2', 'org/tiny-gpt2@0123456789abcdef0123456789abcdef01234567']);
    expect(new Set(await cache.keys()).size).toBe(3 * 5); // 4 files + 1 manifest each
  });

  it('an unsupported architecture leaves nothing cached', async () => {
    const cache = memoryFileCache();
    await expect(load('org/llama', cache)).rejects.toThrow(/"model_type" is "llama"; supported architectures/);
    expect(await cache.keys()).toEqual([]);
  });

  it('a shape mismatch found after the whole download leaves nothing cached', async () => {
    const cache = memoryFileCache();
    // Shapes are checked where the model is built, so the load that decides "cache it" builds one.
    const loadAndBuild = loadThroughCache(open('org/bad-shape', cache), async (source) => {
      const base = await loadBaseCheckpoint(source);
      buildModel(base.model, base.weights).dispose();
      return base;
    });
    const tensorsBefore = tf.memory().numTensors;
    await expect(loadAndBuild).rejects.toThrow(/tensor "wte\.weight" has shape \[3,2\], config\.json implies \[2048,128\]/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(hub.requests.some((r) => r.path.endsWith('model.safetensors'))).toBe(true);
    expect(await cache.keys()).toEqual([]);
  });

  it('a cancelled load rejects with kind cancelled and leaves nothing cached', async () => {
    const cache = memoryFileCache();
    const controller = new AbortController();
    const opened = openModelSource('org/tiny-gpt2', {
      builtInBaseUrl: 'http://unused.invalid/models',
      endpoint: hub.endpoint,
      cache,
      signal: controller.signal,
      onDownloadProgress: (file, p) => {
        if (file === 'model.safetensors' && p.loadedBytes > 0) controller.abort();
      },
    });
    const err = await loadThroughCache(opened, (source) => loadBaseCheckpoint(source)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).kind).toBe('cancelled');
    // config.json and the tokenizer files were complete and cached on the way; all are gone.
    expect(await cache.keys()).toEqual([]);
  });

  it('discard also removes complete files of an earlier load that never committed', async () => {
    const cache = memoryFileCache();
    const base = hubSource('org/tiny-gpt2', 'main', { endpoint: hub.endpoint });
    const crashed = cachedModelSource({ model: 'org/tiny-gpt2', base, location: base.folderUrl, cache });
    await crashed.read('config.json'); // the tab closed here: no commit, no discard
    expect(await cache.keys()).toHaveLength(1);
    const next = cachedModelSource({ model: 'org/tiny-gpt2', base, location: base.folderUrl, cache });
    hub.requests.length = 0;
    expect(await next.read('config.json')).not.toBeNull();
    expect(hub.requests).toEqual([]); // the complete file is reused
    await next.discard();
    expect(await cache.keys()).toEqual([]);
  });

  it('list and delete', async () => {
    const cache = memoryFileCache();
    await load('org/tiny-gpt2', cache);
    await load('org/other', cache);
    expect(await deleteCachedModel(cache, 'org/tiny-gpt2')).toBe(true);
    expect((await listCachedModels(cache)).map((m) => m.model)).toEqual(['org/other']);
    expect((await cache.keys()).every((k) => k.includes('/org/other/'))).toBe(true);
    expect(await deleteCachedModel(cache, 'org/tiny-gpt2')).toBe(false);
    // Deleted means downloaded again next time.
    hub.requests.length = 0;
    await load('org/tiny-gpt2', cache);
    expect(hub.requests.length).toBeGreaterThan(0);
  });

  it('a manifest whose file was removed by hand falls back to the network and heals', async () => {
    const cache = memoryFileCache();
    await load('org/tiny-gpt2', cache);
    const weightsKey = (await cache.keys()).find((k) => k.endsWith('/model.safetensors'))!;
    await cache.delete(weightsKey);
    hub.requests.length = 0;
    await load('org/tiny-gpt2', cache);
    expect(hub.requests.map((r) => r.path)).toEqual(['/org/tiny-gpt2/resolve/main/model.safetensors']);
    hub.requests.length = 0;
    await load('org/tiny-gpt2', cache);
    expect(hub.requests).toEqual([]);
  });

  it('a full cache does not fail the load; the model is just not kept', async () => {
    const inner = memoryFileCache();
    const full: ModelFileCache = { ...inner, put: async (key, bytes) => (bytes.length > 100_000 ? Promise.reject(new Error('QuotaExceededError')) : inner.put(key, bytes)) };
    const opened = open('org/tiny-gpt2', full);
    await loadThroughCache(opened, (source) => loadBaseCheckpoint(source));
    expect(await opened.commit()).toBeNull();
    expect(await inner.keys()).toEqual([]);
  });
});
