import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createServer } from 'node:net';
import { DownloadError, ProgressMeter, downloadFile, headFile, type DownloadProgress } from '../../src/engine/io/download';
import { hubFileUrl } from '../../src/engine/io/model-ref';
import { startHubServer, type HubServer } from '../../e2e/hub-server';

/** 3 MB of a pattern that differs at every offset a wrong resume could land on. */
const BIG = new Uint8Array(3_000_000).map((_, i) => (i * 7 + (i >>> 8)) % 251);

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({
    repos: {
      'org/plain': { 'big.bin': BIG, 'empty.txt': '' },
      'org/cut': { 'big.bin': BIG },
      'org/cut-no-range': { 'big.bin': BIG },
      'org/cut-always': { 'big.bin': BIG },
      'org/private': { 'big.bin': BIG },
    },
    behaviours: {
      'org/cut': { cutAfterBytes: 1_000_000 },
      'org/cut-no-range': { cutAfterBytes: 1_000_000, ignoreRange: true },
      'org/cut-always': { cutAfterBytes: 500_000, cutEveryGet: true },
      'org/private': { private: true },
    },
  });
});
afterAll(() => hub.close());
beforeEach(() => {
  hub.requests.length = 0;
  hub.resetCuts();
});

/** Byte equality without vitest's element-by-element diff machinery (slow on megabytes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const url = (repo: string, file = 'big.bin', revision = 'main'): string => hubFileUrl(hub.endpoint, repo, revision, file);

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DownloadError);
    return err as DownloadError;
  }
  throw new Error('expected the download to fail');
}

describe('ProgressMeter', () => {
  it('measures the rate over a sliding window and the time left', () => {
    const meter = new ProgressMeter(2000);
    expect(meter.update(0, 1000, 0)).toEqual({ loadedBytes: 0, totalBytes: 1000, bytesPerSec: null, etaSec: null });
    expect(meter.update(100, 1000, 1000)).toEqual({ loadedBytes: 100, totalBytes: 1000, bytesPerSec: 100, etaSec: 9 });
    expect(meter.update(200, 1000, 2000).bytesPerSec).toBe(100);
    // A fast second: samples older than 2 s fall out, so the rate follows the recent speed.
    meter.update(500, 1000, 3000);
    const p = meter.update(800, 1000, 4000);
    expect(p.bytesPerSec).toBe(300);
    expect(p.etaSec).toBeCloseTo(200 / 300);
  });

  it('says nothing of the time left without a total, and starts over on a restart', () => {
    const meter = new ProgressMeter();
    meter.update(0, null, 0);
    expect(meter.update(500, null, 500)).toEqual({ loadedBytes: 500, totalBytes: null, bytesPerSec: 1000, etaSec: null });
    expect(meter.update(10, null, 600).bytesPerSec).toBeNull();
  });
});

describe('downloadFile against a local hub', () => {
  it('streams the file with monotone progress ending at the total', async () => {
    const seen: DownloadProgress[] = [];
    const bytes = await downloadFile(url('org/plain'), { onProgress: (p) => seen.push(p) });
    expect(sameBytes(bytes, BIG)).toBe(true);
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i].loadedBytes).toBeGreaterThanOrEqual(seen[i - 1].loadedBytes);
    expect(seen.every((p) => p.totalBytes === BIG.length)).toBe(true);
    expect(seen[seen.length - 1].loadedBytes).toBe(BIG.length);
    expect(hub.requests).toEqual([{ method: 'GET', path: '/org/plain/resolve/main/big.bin', range: null }]);
  });

  it('downloads an empty file', async () => {
    expect((await downloadFile(url('org/plain', 'empty.txt'))).length).toBe(0);
  });

  it('resumes a cut connection with a Range request and gets identical bytes', async () => {
    const bytes = await downloadFile(url('org/cut'), { retryDelayMs: 10 });
    expect(sameBytes(bytes, BIG)).toBe(true);
    expect(hub.requests.map((r) => r.range)).toEqual([null, 'bytes=1000000-']);
  });

  it('restarts from byte 0 when the server ignores Range, and progress goes back to 0', async () => {
    const seen: number[] = [];
    const bytes = await downloadFile(url('org/cut-no-range'), { retryDelayMs: 10, onProgress: (p) => seen.push(p.loadedBytes) });
    expect(sameBytes(bytes, BIG)).toBe(true);
    expect(hub.requests.map((r) => r.range)).toEqual([null, 'bytes=1000000-']);
    const restart = seen.findIndex((n, i) => i > 0 && n < seen[i - 1]);
    expect(seen[restart - 1]).toBe(1_000_000);
    expect(seen[seen.length - 1]).toBe(BIG.length);
  });

  it('gives up after maxRetries, saying how far it got', async () => {
    const err = await failure(downloadFile(url('org/cut-always'), { maxRetries: 2, retryDelayMs: 10 }));
    expect(err.kind).toBe('cut');
    expect(err.message).toContain(url('org/cut-always'));
    // Each attempt adds 500,000 bytes: the first, then two resumes.
    expect(err.message).toMatch(/after 1500000 of 3000000 bytes \(50\.0%\).*gave up after 2 retries/);
    expect(err.receivedBytes).toBe(1_500_000);
    expect(hub.requests.map((r) => r.range)).toEqual([null, 'bytes=500000-', 'bytes=1000000-']);
  });

  it('cancels mid-download: rejects with kind cancelled', async () => {
    const controller = new AbortController();
    const err = await failure(
      downloadFile(url('org/plain'), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.loadedBytes > 0 && p.loadedBytes < BIG.length) controller.abort();
        },
      }),
    );
    expect(err.kind).toBe('cancelled');
    expect(err.message).toContain(url('org/plain'));
  });

  it('cancels while waiting to retry', async () => {
    const controller = new AbortController();
    const promise = downloadFile(url('org/cut-always'), { signal: controller.signal, retryDelayMs: 60_000 });
    while (hub.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    setTimeout(() => controller.abort(), 50);
    expect((await failure(promise)).kind).toBe('cancelled');
  });

  it('404: kind not-found, naming the URL and what to check', async () => {
    for (const missing of [url('org/nope'), url('org/plain', 'nope.bin'), url('org/plain', 'big.bin', 'no-such-branch')]) {
      const err = await failure(downloadFile(missing));
      expect(err.kind).toBe('not-found');
      expect(err.status).toBe(404);
      expect(err.message).toContain(missing);
      expect(err.message).toMatch(/check the repo id, the revision and the file name/);
    }
  });

  it('401: kind unauthorized, explaining that no token is sent', async () => {
    const err = await failure(downloadFile(url('org/private')));
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toMatch(/HTTP 401 — a private or gated repository.*sends no access token/);
  });

  it('an unreachable host: kind network, naming both causes a browser cannot tell apart', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((r) => closed.close(() => r()));
    const target = `http://127.0.0.1:${port}/x/resolve/main/config.json`;
    const err = await failure(downloadFile(target));
    expect(err.kind).toBe('network');
    expect(err.message).toContain(target);
    expect(err.message).toMatch(/unreachable.*cross-origin access \(CORS\)/);
  });

  it('other statuses: kind http', async () => {
    const err = await failure(downloadFile(`${hub.endpoint}/not-a-hub-path`, { fetchImpl: (input) => fetch(input, { method: 'POST' }) }));
    expect(err.kind).toBe('http');
    expect(err.message).toMatch(/HTTP 405/);
  });

  it('HEAD: size from Content-Length, null for a missing file, errors by kind', async () => {
    expect(await headFile(url('org/plain'))).toEqual({ sizeBytes: BIG.length });
    expect(await headFile(url('org/plain', 'nope.bin'))).toBeNull();
    expect((await failure(headFile(url('org/private')))).kind).toBe('unauthorized');
    expect(hub.requests.every((r) => r.method === 'HEAD')).toBe(true);
  });
});
