/**
 * A local stand-in for the Hugging Face hub, for vitest and Playwright: serves
 * `/<repo>/resolve/<revision>/<file>` the way huggingface.co does (HEAD and GET, byte ranges,
 * CORS headers), plus the ways a real hub or network fails — a private repo, a host without
 * CORS, a connection cut mid-file, a server that ignores Range — each switched on per repo.
 * Also writes a GPT-2-small-sized random checkpoint (≈ 500 MB) to a temp folder, streamed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpt2ConfigToJson, gpt2ParamCount, gpt2WeightShapes, parseGpt2Config, type Gpt2Config } from '../src/engine/models/gpt2-config';

/** File contents: bytes, text, or a file on disk (streamed, for checkpoints too big to hold). */
export type HubFile = Uint8Array | string | { path: string };

export interface HubRepoBehaviour {
  /** No CORS headers at all: a browser refuses to hand the answers to the page. */
  noCors?: boolean;
  /** Every file answers 401, as the hub does for private repos (and unknown ones). */
  private?: boolean;
  /**
   * The first GET of each file bigger than this sends this many bytes, then destroys the
   * socket; later GETs of that file (the resume) are served normally. See resetCuts().
   */
  cutAfterBytes?: number;
  /** Answer every GET with the whole file (200), as servers without range support do. */
  ignoreRange?: boolean;
  /** Cut every GET, not only the first (for "retries exhausted"). */
  cutEveryGet?: boolean;
  /**
   * The connection stalls this long after the partial body before it drops. A browser may
   * discard bytes it has not yet handed to the page when the socket dies right after them (then
   * there is nothing to resume from); a stall lets them arrive first, as on a real network.
   */
  stallBeforeCutMs?: number;
}

export interface HubRequest {
  method: string;
  path: string;
  range: string | null;
}

export interface HubServerOptions {
  /** Repo id → file name → contents. Read on every request, so tests may change it live. */
  repos: Record<string, Record<string, HubFile>>;
  behaviours?: Record<string, HubRepoBehaviour>;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface HubServer {
  /** e.g. "http://127.0.0.1:40123": pass as the hub endpoint. */
  endpoint: string;
  /** Every request, in arrival order; tests may clear it (`requests.length = 0`). */
  requests: HubRequest[];
  /** Makes the next GET of every file cut again (cutAfterBytes). */
  resetCuts(): void;
  close(): Promise<void>;
}

const COMMIT = /^[0-9a-f]{40}$/;
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, X-Linked-Size, ETag',
};

function fileSize(file: HubFile): number {
  if (typeof file === 'string') return Buffer.byteLength(file);
  if (file instanceof Uint8Array) return file.length;
  return statSync(file.path).size;
}

/** `bytes=a-` or `bytes=a-b` within size → [start, endInclusive]; anything else → 'invalid'. */
function parseRange(header: string, size: number): [number, number] | 'invalid' {
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (match === null) return 'invalid';
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'invalid';
  return [start, end];
}

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const requests: HubRequest[] = [];
  const cutDone = new Set<string>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const rawPath = (req.url ?? '/').split('?')[0];
    const range = typeof req.headers.range === 'string' ? req.headers.range : null;
    requests.push({ method, path: rawPath, range });

    const match = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(rawPath);
    const repoId = match ? decodeURIComponent(match[1]) : null;
    const behaviour = (repoId !== null ? opts.behaviours?.[repoId] : undefined) ?? {};
    const cors = behaviour.noCors ? {} : CORS_HEADERS;
    const fail = (status: number, message: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { ...cors, 'Content-Type': 'text/plain', ...extra });
      res.end(method === 'HEAD' ? undefined : message);
    };

    if (method === 'OPTIONS') {
      res.writeHead(204, behaviour.noCors ? {} : { ...CORS_HEADERS, 'Access-Control-Allow-Headers': 'Range', 'Access-Control-Allow-Methods': 'GET, HEAD' });
      res.end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') return fail(405, 'method not allowed');
    if (match === null || repoId === null) return fail(404, 'not a /<repo>/resolve/<revision>/<file> path');
    const repo = opts.repos[repoId];
    // The hub answers 401 (not 404) for repos it will not show, so their existence does not leak.
    if (behaviour.private) return fail(401, 'Repository Not Found', { 'X-Error-Code': 'RepoNotFound' });
    if (repo === undefined) return fail(404, 'Repository Not Found', { 'X-Error-Code': 'RepoNotFound' });
    const revision = decodeURIComponent(match[2]);
    if (revision !== 'main' && !COMMIT.test(revision)) return fail(404, 'Revision Not Found', { 'X-Error-Code': 'RevisionNotFound' });
    const fileName = match[3].split('/').map(decodeURIComponent).join('/');
    const file = repo[fileName];
    if (file === undefined) return fail(404, 'Entry not found', { 'X-Error-Code': 'EntryNotFound' });

    const size = fileSize(file);
    let start = 0;
    let end = size - 1;
    let status = 200;
    const headers: Record<string, string> = { ...cors, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', ETag: `"${repoId}/${fileName}/${size}"` };
    if (range !== null && method === 'GET' && !behaviour.ignoreRange && size > 0) {
      const parsed = parseRange(range, size);
      if (parsed === 'invalid') return fail(416, 'Range Not Satisfiable', { 'Content-Range': `bytes */${size}` });
      [start, end] = parsed;
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    const length = end - start + 1;
    headers['Content-Length'] = String(Math.max(0, length));
    res.writeHead(status, headers);
    if (method === 'HEAD' || size === 0) {
      res.end();
      return;
    }

    const cutKey = `${repoId}/${fileName}`;
    const cutAt = behaviour.cutAfterBytes;
    const cut = cutAt !== undefined && length > cutAt && (behaviour.cutEveryGet || !cutDone.has(cutKey));
    if (cut) cutDone.add(cutKey);
    const sendBytes = cut ? cutAt : length;
    const finish = (): void => {
      // Destroying the socket after a partial body is what a dropped connection looks like.
      if (!cut) return;
      const socket = res.socket;
      if (behaviour.stallBeforeCutMs) setTimeout(() => socket?.destroy(), behaviour.stallBeforeCutMs);
      else socket?.destroy();
    };
    if (typeof file === 'string' || file instanceof Uint8Array) {
      const bytes = typeof file === 'string' ? Buffer.from(file) : Buffer.from(file.buffer, file.byteOffset, file.byteLength);
      const part = bytes.subarray(start, start + sendBytes);
      if (cut) res.write(part, finish);
      else res.end(part);
      return;
    }
    const stream = createReadStream(file.path, { start, end: start + sendBytes - 1 });
    stream.on('error', () => res.destroy());
    if (cut) {
      stream.on('data', (chunk) => res.write(chunk));
      stream.on('end', () => res.write(Buffer.alloc(0), finish));
    } else {
      stream.pipe(res);
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    endpoint: `http://${address}:${port}`,
    requests,
    resetCuts: () => cutDone.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** GPT-2 small's shape (openai-community/gpt2): 124,439,808 parameters. */
export const GPT2_SMALL_SIZE = { hidden: 768, layers: 12, heads: 12, positions: 1024, vocab: 50257 } as const;

export interface RandomGpt2Size {
  hidden: number;
  layers: number;
  heads: number;
  positions: number;
  vocab: number;
}

export interface RandomGpt2Files {
  /** The checkpoint's folder (a fresh temp dir unless given). */
  dir: string;
  /** Ready for startHubServer's repos: every file, model.safetensors by path. */
  files: Record<string, HubFile>;
  totalParams: number;
  /** Size of model.safetensors in bytes (header included). */
  weightFileBytes: number;
  config: Gpt2Config;
}

const tinyGpt2File = (name: string): URL => new URL(`../public/models/tiny-gpt2/${name}`, import.meta.url);

/**
 * A random GPT-2 in the Hugging Face layout, written to `dir`: config.json, model.safetensors
 * (F32, names as GPT2LMHeadModel.save_pretrained writes them: `transformer.…`, tied head left
 * out) and tiny-gpt2's tokenizer files (2048 tokens; vocab must be at least that). Weights come
 * from a seeded xorshift fill, streamed in 4 MB pieces, so 500 MB takes seconds and is never
 * held whole in memory.
 */
export function writeRandomGpt2Checkpoint(size: RandomGpt2Size = GPT2_SMALL_SIZE, opts: { dir?: string; seed?: number } = {}): RandomGpt2Files {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'peft-random-gpt2-'));
  const config = parseGpt2Config({
    model_type: 'gpt2',
    vocab_size: size.vocab,
    n_positions: size.positions,
    n_embd: size.hidden,
    n_layer: size.layers,
    n_head: size.heads,
    // tiny-gpt2's tokenizer: <|endoftext|> is its token 2047.
    bos_token_id: 2047,
    eos_token_id: 2047,
  });
  const shapes = gpt2WeightShapes(config);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[`transformer.${name}`] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const headerBytes = Buffer.from(headerText, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  const weightsPath = join(dir, 'model.safetensors');
  const fd = openSync(weightsPath, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, headerBytes);
    const piece = new Float32Array(1 << 20);
    let state = (opts.seed ?? 1) >>> 0 || 1;
    // Uniform on ±0.02·√3: the standard deviation of HF's init (0.02), cheaply.
    const scale = (0.02 * Math.sqrt(3) * 2) / 4294967296;
    for (const [name, shape] of shapes) {
      let left = shape.reduce((a, b) => a * b, 1);
      const kind = /ln_(\d|f)\.weight$/.test(name) ? 'one' : name.endsWith('.bias') ? 'zero' : 'random';
      while (left > 0) {
        const n = Math.min(left, piece.length);
        const view = piece.subarray(0, n);
        if (kind === 'one') view.fill(1);
        else if (kind === 'zero') view.fill(0);
        else {
          for (let i = 0; i < n; i++) {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            view[i] = (state >>> 0) * scale - 0.02 * Math.sqrt(3);
          }
        }
        writeSync(fd, new Uint8Array(view.buffer, 0, n * 4));
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
  const configText = JSON.stringify(gpt2ConfigToJson(config), null, 2);
  const files: Record<string, HubFile> = {
    'config.json': configText,
    'model.safetensors': { path: weightsPath },
    'tokenizer.json': readFileSync(tinyGpt2File('tokenizer.json'), 'utf8'),
    'tokenizer_config.json': readFileSync(tinyGpt2File('tokenizer_config.json'), 'utf8'),
  };
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === 'string') {
      const out = openSync(join(dir, name), 'w');
      writeSync(out, content);
      closeSync(out);
    }
  }
  return { dir, files, totalParams: gpt2ParamCount(config), weightFileBytes: statSync(weightsPath).size, config };
}
