import { describe, expect, it } from 'vitest';
import { BenchResultsError } from '../../src/engine/bench/results';
import { benchResultHash, decodeBenchResults, encodeBenchResults, MAX_RESULT_JSON_BYTES, resultPayloadFromHash } from '../../src/engine/bench/results-link';
import { sampleResults } from './fixture';

async function deflateBase64Url(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  return Buffer.from(bytes).toString('base64url');
}

describe('result link codec', () => {
  it('round-trips results through the hash, compressed below the JSON size', async () => {
    const results = sampleResults();
    const hash = await benchResultHash(results);
    expect(hash).toMatch(/^#result=[A-Za-z0-9_-]+$/);
    const payload = resultPayloadFromHash(hash)!;
    expect(payload.length).toBeLessThan(JSON.stringify(results).length);
    expect(await decodeBenchResults(payload)).toEqual(results);
  });

  it('finds no payload in a hash without a result', () => {
    expect(resultPayloadFromHash('')).toBeNull();
    expect(resultPayloadFromHash('#spec=abc')).toBeNull();
  });

  it('names a character outside base64url', async () => {
    const payload = await encodeBenchResults(sampleResults());
    const bad = `${payload.slice(0, 10)}!${payload.slice(11)}`;
    await expect(decodeBenchResults(bad)).rejects.toThrow(/character 11 \("!"\) is not base64url/);
  });

  it('says a truncated or altered link does not decompress', async () => {
    const payload = await encodeBenchResults(sampleResults());
    // Cut at a multiple of 4 characters, so the bytes are whole and only the deflate stream breaks.
    const half = Math.floor(payload.length / 2);
    const truncated = payload.slice(0, half - (half % 4));
    await expect(decodeBenchResults(truncated)).rejects.toThrow(BenchResultsError);
    await expect(decodeBenchResults(truncated)).rejects.toThrow(/does not decompress|not JSON/);
    await expect(decodeBenchResults('AAAA')).rejects.toThrow(/result link:/);
  });

  it('says when the decompressed data is not JSON', async () => {
    await expect(decodeBenchResults(await deflateBase64Url('{"version": 1, '))).rejects.toThrow(/result link: the decompressed data is not JSON/);
  });

  it('validates the JSON and names the bad field', async () => {
    const tampered = { ...sampleResults(), rows: [{ ...sampleResults().rows[0], trainableParams: -3 }] };
    await expect(decodeBenchResults(await deflateBase64Url(JSON.stringify(tampered)))).rejects.toThrow(/result link: field "rows\.0\.trainableParams"/);
  });

  it('refuses a link that inflates beyond the size cap', async () => {
    const bomb = await deflateBase64Url(' '.repeat(MAX_RESULT_JSON_BYTES + 10));
    await expect(decodeBenchResults(bomb)).rejects.toThrow(/inflates to more than/);
  });

  it('refuses an empty result', async () => {
    await expect(decodeBenchResults('')).rejects.toThrow(/empty/);
  });
});
