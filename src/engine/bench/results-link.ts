import { BenchResultsError, parseBenchResults, type BenchResults } from './results';

/**
 * Bench results in a URL hash: `#result=` + base64url(deflate-raw(JSON)). Compression is the
 * platform's own CompressionStream (every current browser, Node ≥ 18), so no library is needed.
 * Decoding treats the hash as untrusted: the base64 alphabet is checked, the inflated size is
 * capped (a small link cannot expand into gigabytes), and the JSON is validated with the zod
 * schema; each failure is a BenchResultsError that says which stage failed. Nothing in a link is
 * ever executed — it is data for the table.
 */
export const RESULT_HASH_KEY = 'result';
/** Inflated JSON larger than this is refused (a full suite's results are ~10 KB). */
export const MAX_RESULT_JSON_BYTES = 1 << 20;

async function pipe(bytes: Uint8Array, transform: CompressionStream | DecompressionStream, limit = Infinity): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(transform);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new BenchResultsError(`result link: the data inflates to more than ${limit} bytes; refused`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const bad = text.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) throw new BenchResultsError(`result link: character ${bad + 1} (${JSON.stringify(text[bad])}) is not base64url`);
  if (text.length % 4 === 1) throw new BenchResultsError(`result link: ${text.length} base64url characters cannot be whole bytes (truncated?)`);
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The hash payload (without `#result=`). */
export async function encodeBenchResults(results: BenchResults): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(results));
  return toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
}

export async function decodeBenchResults(payload: string): Promise<BenchResults> {
  if (payload.length === 0) throw new BenchResultsError('result link: the result is empty');
  const compressed = fromBase64Url(payload);
  let json: Uint8Array;
  try {
    json = await pipe(compressed, new DecompressionStream('deflate-raw'), MAX_RESULT_JSON_BYTES);
  } catch (error) {
    if (error instanceof BenchResultsError) throw error;
    throw new BenchResultsError('result link: the data does not decompress (corrupted or truncated link)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (error) {
    throw new BenchResultsError(`result link: the decompressed data is not JSON (${(error as Error).message})`);
  }
  return parseBenchResults(parsed, 'result link');
}

/** `#result=…` for a page URL. */
export async function benchResultHash(results: BenchResults): Promise<string> {
  return `#${RESULT_HASH_KEY}=${await encodeBenchResults(results)}`;
}

/** The payload of a `#result=…` hash, or null when the hash carries no result. */
export function resultPayloadFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get(RESULT_HASH_KEY);
}
