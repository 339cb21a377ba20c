import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { loadBaseCheckpoint } from '../../src/engine/experiment/base-model';
import { checkpointPreview } from '../../src/engine/io/checkpoint-preview';
import { DownloadError } from '../../src/engine/io/download';
import { downloadSource, hubSource } from '../../src/engine/io/http-source';
import { memorySource } from '../../src/engine/io/file-source';
import { startHubServer, type HubServer } from '../../e2e/hub-server';
import { sameBytes, tinyGpt2Files } from './hub-fixtures';

const tiny = tinyGpt2Files();
const llamaConfig = JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 64 });
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({
    repos: {
      'org/tiny-gpt2': tiny,
      'org/llama': { 'config.json': llamaConfig, 'model.safetensors': new Uint8Array(16) },
      'org/sharded': {
        'config.json': tiny['config.json'],
        'model.safetensors.index.json': JSON.stringify({ metadata: { total_size: 4_292_096 }, weight_map: { 'transformer.wte.weight': 'model-00001-of-00002.safetensors', 'transformer.wpe.weight': 'model-00002-of-00002.safetensors', 'transformer.h.0.ln_1.weight': 'model-00001-of-00002.safetensors' } }),
      },
      'org/private': tiny,
      'org/cut': tiny,
    },
    behaviours: { 'org/private': { private: true }, 'org/cut': { cutAfterBytes: 1_000_000 } },
  });
});
afterAll(() => hub.close());
beforeEach(() => {
  hub.requests.length = 0;
  hub.resetCuts();
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('hubSource', () => {
  it('loads a checkpoint from the hub layout, reporting rate per file', async () => {
    const files = new Set<string>();
    const source = hubSource('org/tiny-gpt2', 'main', { endpoint: hub.endpoint, onDownloadProgress: (file) => files.add(file) });
    expect(source.description).toBe(`org/tiny-gpt2@main on ${new URL(hub.endpoint).host}`);
    const base = await loadBaseCheckpoint(source);
    expect(base.model.family).toBe('gpt2');
    expect(base.weights.get('wte.weight')!.shape).toEqual([2048, 128]);
    expect(files.has('model.safetensors')).toBe(true);
    expect(hub.requests.map((r) => r.path)).toContain('/org/tiny-gpt2/resolve/main/model.safetensors');
  });

  it('serves a 40-hex commit revision', async () => {
    const bytes = await hubSource('org/tiny-gpt2', COMMIT, { endpoint: hub.endpoint }).read('config.json');
    expect(sameBytes(bytes!, tiny['config.json'] as Uint8Array)).toBe(true);
  });

  it('an optional missing file is null; a missing config.json says the repo or revision is wrong', async () => {
    const source = hubSource('org/tiny-gpt2', 'main', { endpoint: hub.endpoint });
    expect(await source.read('preprocessor_config.json')).toBeNull();
    for (const [repo, revision] of [['org/nope', 'main'], ['org/tiny-gpt2', 'no-such-branch']]) {
      const err = await failure(loadBaseCheckpoint(hubSource(repo, revision, { endpoint: hub.endpoint })));
      expect(err).toBeInstanceOf(DownloadError);
      expect((err as DownloadError).kind).toBe('not-found');
      expect(err.message).toContain(`${repo}@${revision}`);
      expect(err.message).toMatch(/config\.json not found .*repository or revision not found, or private/);
    }
  });

  it('a private repo: kind unauthorized on the first file, nothing else requested', async () => {
    const err = await failure(loadBaseCheckpoint(hubSource('org/private', 'main', { endpoint: hub.endpoint })));
    expect((err as DownloadError).kind).toBe('unauthorized');
    expect(err.message).toMatch(/private or gated repository/);
    expect(hub.requests).toHaveLength(1);
  });

  it('resumes a cut model.safetensors within a checkpoint load', async () => {
    const base = await loadBaseCheckpoint(hubSource('org/cut', 'main', { endpoint: hub.endpoint, retryDelayMs: 10 }));
    const direct = await loadBaseCheckpoint(hubSource('org/tiny-gpt2', 'main', { endpoint: hub.endpoint }));
    expect(Array.from(base.weights.get('h.3.mlp.c_fc.weight')!.data)).toEqual(Array.from(direct.weights.get('h.3.mlp.c_fc.weight')!.data));
    const ranges = hub.requests.filter((r) => r.path.startsWith('/org/cut/') && r.path.endsWith('model.safetensors')).map((r) => r.range);
    expect(ranges).toEqual([null, 'bytes=1000000-']);
  });

  it('downloadSource: null on 404, HEAD for existence', async () => {
    const source = downloadSource(`${hub.endpoint}/org/tiny-gpt2/resolve/main/`);
    expect(source.description).toBe(`${hub.endpoint}/org/tiny-gpt2/resolve/main`);
    expect(await source.read('pytorch_model.bin')).toBeNull();
    expect(await source.exists('model.safetensors')).toBe(true);
    expect(await source.exists('pytorch_model.bin')).toBe(false);
    await expect(source.read('../x')).rejects.toThrow(/refused file path/);
  });
});

describe('checkpointPreview', () => {
  it('family, parameters and download size without downloading weights', async () => {
    const preview = await checkpointPreview(hubSource('org/tiny-gpt2', 'main', { endpoint: hub.endpoint }));
    expect(preview).toMatchObject({ family: 'gpt2', familyTitle: 'GPT-2', weightBytes: (tiny['model.safetensors'] as Uint8Array).length, files: ['model.safetensors'] });
    const base = await loadBaseCheckpoint(memorySource(tiny as Record<string, Uint8Array>));
    expect(preview.totalParams).toBe(base.shape.totalParams);
    const gets = hub.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(gets).toEqual(['/org/tiny-gpt2/resolve/main/config.json']);
  });

  it('a sharded checkpoint: size from the index metadata, shards listed', async () => {
    const preview = await checkpointPreview(hubSource('org/sharded', 'main', { endpoint: hub.endpoint }));
    expect(preview.weightBytes).toBe(4_292_096);
    expect(preview.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
  });

  it('an unsupported architecture names the supported ones, before any weights', async () => {
    const err = await failure(checkpointPreview(hubSource('org/llama', 'main', { endpoint: hub.endpoint })));
    expect(err.message).toMatch(/"model_type" is "llama"; supported architectures: gpt2 \(GPT2LMHeadModel.*vit.*t5/);
    expect(hub.requests.map((r) => r.path)).toEqual(['/org/llama/resolve/main/config.json']);
  });

  it('a source without sizes (memory) still previews, with weightBytes null', async () => {
    const preview = await checkpointPreview(memorySource(tiny as Record<string, Uint8Array>));
    expect(preview).toMatchObject({ family: 'gpt2', weightBytes: null, files: ['model.safetensors'] });
  });
});
