import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCheckpointFiles } from '../../src/engine/io/checkpoint';
import { memorySource } from '../../src/engine/io/file-source';
import { downloadSource } from '../../src/engine/io/http-source';
import { folderSource, sourceFor } from '../../src/engine/io/node-source';
import { writeSafetensors } from '../../src/engine/io/safetensors';

const dir = mkdtempSync(join(tmpdir(), 'peft-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('folderSource', () => {
  writeFileSync(join(dir, 'config.json'), '{"model_type":"gpt2"}');
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors([{ name: 'wte.weight', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'x.txt'), 'hi');

  it('loads a checkpoint from a temp dir', async () => {
    const files = await loadCheckpointFiles(folderSource(dir));
    expect(files.config).toEqual({ model_type: 'gpt2' });
    expect(Array.from(files.weights.get('wte.weight')!.data)).toEqual([1, 2]);
    expect(files.source).toContain(dir);
  });

  it('reads nested files, returns null for missing ones, refuses traversal', async () => {
    const source = folderSource(dir);
    expect(new TextDecoder().decode((await source.read('sub/x.txt'))!)).toBe('hi');
    expect(await source.read('missing.json')).toBeNull();
    expect(await source.read('sub/missing/deeper.json')).toBeNull();
    expect(await source.exists!('config.json')).toBe(true);
    expect(await source.exists!('sub')).toBe(false); // a folder is not a file
    await expect(source.read('../etc/passwd')).rejects.toThrow(/refused file path/);
    await expect(source.read('/etc/passwd')).rejects.toThrow(/refused file path/);
  });

  it('a missing folder reads as missing files', async () => {
    expect(await folderSource(join(dir, 'nope')).read('config.json')).toBeNull();
  });

  it('sourceFor picks URL or folder', async () => {
    expect(sourceFor('https://example.com/models/gpt2/').description).toBe('https://example.com/models/gpt2');
    expect(sourceFor(dir).description).toBe(`folder ${dir}`);
    expect(sourceFor(pathToFileURL(dir).href).description).toBe(`folder ${dir}`);
  });
});

describe('downloadSource over fetch (built-in checkpoints, URL folders)', () => {
  function fakeFetch(routes: Record<string, Response | (() => Response)>, calls: string[] = []): typeof fetch {
    return (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      calls.push(`${init?.method ?? 'GET'} ${url}`);
      const route = routes[url];
      if (route === undefined) return new Response('not found', { status: 404 });
      return typeof route === 'function' ? route() : route;
    }) as typeof fetch;
  }

  it('joins paths, returns bytes, null on 404, throws naming URL and status otherwise', async () => {
    const calls: string[] = [];
    const source = downloadSource(
      'http://localhost:5173/models/tiny/',
      {
        fetchImpl: fakeFetch(
          {
            'http://localhost:5173/models/tiny/config.json': () => new Response('{"a":1}'),
            'http://localhost:5173/models/tiny/model.safetensors': () => new Response('boom', { status: 500, statusText: 'Internal Server Error' }),
          },
          calls,
        ),
      },
    );
    expect(new TextDecoder().decode((await source.read('config.json'))!)).toBe('{"a":1}');
    expect(await source.read('tokenizer.json')).toBeNull();
    await expect(source.read('model.safetensors')).rejects.toThrow('GET http://localhost:5173/models/tiny/model.safetensors failed: HTTP 500 Internal Server Error');
    expect(calls[0]).toBe('GET http://localhost:5173/models/tiny/config.json');
    await expect(source.read('../x')).rejects.toThrow(/refused/);
  });

  it('streams with progress and uses HEAD for existence checks', async () => {
    const payload = new Uint8Array(10_000).map((_, i) => i % 251);
    const calls: string[] = [];
    const bigFile = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(payload.subarray(0, 4000));
            controller.enqueue(payload.subarray(4000));
            controller.close();
          },
        }),
        { headers: { 'content-length': '10000' } },
      );
    const source = downloadSource('https://host/ckpt', { fetchImpl: fakeFetch({ 'https://host/ckpt/big.bin': bigFile }, calls) });
    const seen: Array<[number, number | undefined]> = [];
    const bytes = await source.read('big.bin', (loaded, total) => seen.push([loaded, total]));
    expect(bytes).toEqual(payload);
    expect(seen).toEqual([
      [4000, 10000],
      [10000, 10000],
    ]);
    expect(await source.exists!('big.bin')).toBe(true);
    expect(await source.exists!('pytorch_model.bin')).toBe(false);
    expect(calls.filter((c) => c.startsWith('HEAD'))).toHaveLength(2);
  });

  it('loads a checkpoint over HTTP; pickle check does not download the pickle', async () => {
    const calls: string[] = [];
    const source = downloadSource(
      'https://host/gpt2',
      { fetchImpl: fakeFetch({ 'https://host/gpt2/config.json': () => new Response('{}'), 'https://host/gpt2/pytorch_model.bin': () => new Response('x') }, calls) },
    );
    await expect(loadCheckpointFiles(source)).rejects.toThrow(/pickle files can execute code/);
    expect(calls).toContain('HEAD https://host/gpt2/pytorch_model.bin');
    expect(calls).not.toContain('GET https://host/gpt2/pytorch_model.bin');
  });
});

describe('downloadSource on a host that refuses HEAD', () => {
  it('answers existence with a GET and leaves the size unknown', async () => {
    const calls: string[] = [];
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push(`${method} ${String(input)}`);
      if (method === 'HEAD') return new Response(null, { status: 405, statusText: 'Method Not Allowed' });
      return String(input).endsWith('/tokenizer.json') ? new Response('{}') : new Response('no', { status: 404 });
    }) as typeof fetch;
    const source = downloadSource('https://static.example/ckpt', { fetchImpl });
    expect(await source.exists('tokenizer.json')).toBe(true);
    expect(await source.exists('vocab.json')).toBe(false);
    expect(await source.size('tokenizer.json')).toBeNull();
    expect(calls).toEqual([
      'HEAD https://static.example/ckpt/tokenizer.json',
      'GET https://static.example/ckpt/tokenizer.json',
      'HEAD https://static.example/ckpt/vocab.json',
      'GET https://static.example/ckpt/vocab.json',
      'HEAD https://static.example/ckpt/tokenizer.json',
    ]);
  });
});

describe('memorySource', () => {
  it('stores strings as UTF-8 and reports missing files as null', async () => {
    const source = memorySource({ 'a.txt': 'ü', 'b.bin': new Uint8Array([1]) }, 'dropped files');
    expect(source.description).toBe('dropped files');
    expect(Array.from((await source.read('a.txt'))!)).toEqual([0xc3, 0xbc]);
    expect(await source.read('c')).toBeNull();
  });
});
