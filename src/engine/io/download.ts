/**
 * Streamed, resumable, cancellable download of one file over HTTP. Checkpoints are hundreds of
 * megabytes fetched on home connections: a cut connection resumes where it stopped (an HTTP
 * Range request) instead of starting over, progress reports a rate and a time left, and every
 * failure says what the user can do about it. Runs in a page, a Web Worker and Node (global fetch).
 */

export type DownloadErrorKind = 'not-found' | 'unauthorized' | 'network' | 'cut' | 'http' | 'cancelled';

export class DownloadError extends Error {
  override name = 'DownloadError';
  readonly kind: DownloadErrorKind;
  readonly url: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | null;
  /** Bytes received before the failure (kept nowhere: a failed download returns nothing). */
  readonly receivedBytes: number;

  constructor(kind: DownloadErrorKind, url: string, message: string, details: { status?: number; receivedBytes?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.url = url;
    this.status = details.status ?? null;
    this.receivedBytes = details.receivedBytes ?? 0;
  }
}

export interface DownloadProgress {
  loadedBytes: number;
  /** null when the server did not say (no Content-Length, or a compressed body). */
  totalBytes: number | null;
  /** Over the last few seconds; null until there is a time span to measure. */
  bytesPerSec: number | null;
  /** null while the total or the rate is unknown. */
  etaSec: number | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Called as a plain function: browsers throw "Illegal invocation" for a rebound `fetch`. */
  fetchImpl?: typeof fetch;
  /** How many times a cut connection is resumed (or restarted) before giving up. */
  maxRetries?: number;
  /** Wait before retry k (1-based) is retryDelayMs · k. */
  retryDelayMs?: number;
  /** Milliseconds clock for the progress rate (tests); defaults to performance.now. */
  now?: () => number;
}

/**
 * Transfer rate over a sliding time window, from (time, bytes) samples. Pure: the caller passes
 * the time, so tests drive it with a fake clock. A drop in bytes (a restart from 0) starts over.
 */
export class ProgressMeter {
  private samples: Array<{ atMs: number; loadedBytes: number }> = [];

  constructor(private readonly windowMs = 3000) {}

  update(loadedBytes: number, totalBytes: number | null, atMs: number): DownloadProgress {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && loadedBytes < last.loadedBytes) this.samples = [];
    this.samples.push({ atMs, loadedBytes });
    // Keep one sample at or before the window's start so the span covers the whole window.
    while (this.samples.length > 2 && this.samples[1].atMs <= atMs - this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const spanMs = atMs - first.atMs;
    const bytesPerSec = spanMs > 0 ? ((loadedBytes - first.loadedBytes) * 1000) / spanMs : null;
    const etaSec = bytesPerSec !== null && bytesPerSec > 0 && totalBytes !== null ? Math.max(0, totalBytes - loadedBytes) / bytesPerSec : null;
    return { loadedBytes, totalBytes, bytesPerSec, etaSec };
  }
}

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The error for a non-OK answer, in words a user can act on. */
export function statusError(url: string, response: Response, method = 'GET'): DownloadError {
  const { status } = response;
  if (status === 404) {
    return new DownloadError('not-found', url, `${method} ${url}: not found (HTTP 404) — check the repo id, the revision and the file name; private or gated repos answer 401/403`, { status });
  }
  if (status === 401 || status === 403) {
    return new DownloadError(
      'unauthorized',
      url,
      `${method} ${url}: HTTP ${status} — a private or gated repository (or one that does not exist: the hub answers 401 for repos it will not show); the playground sends no access token, so only public checkpoints load`,
      { status },
    );
  }
  return new DownloadError('http', url, `${method} ${url} failed: HTTP ${status} ${response.statusText}`.trim(), { status });
}

function networkError(url: string, cause: unknown, method = 'GET'): DownloadError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DownloadError(
    'network',
    url,
    `${method} ${url}: no answer (${reason}) — the host is unreachable, or it refused cross-origin access (CORS); a browser cannot tell these apart`,
    { cause },
  );
}

function cancelled(url: string, receivedBytes: number): DownloadError {
  return new DownloadError('cancelled', url, `download of ${url} cancelled after ${mb(receivedBytes)}`, { receivedBytes });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A declared length we can trust for the body: not under Content-Encoding (compressed size). */
function bodyLength(response: Response): number | null {
  if (response.headers.get('content-encoding')) return null;
  const header = response.headers.get('content-length');
  return header !== null && /^\d+$/.test(header) ? Number(header) : null;
}

/** `Content-Range: bytes a-b/total` → {start, total}; total null for `*`. */
function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = header === null ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (match === null) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

/** Received bytes, preallocated when the total is known so a 500 MB file is not held twice. */
class Assembly {
  private buffer: Uint8Array | null = null;
  private chunks: Uint8Array[] = [];
  length = 0;

  reset(totalBytes: number | null): void {
    this.buffer = totalBytes !== null ? new Uint8Array(totalBytes) : null;
    this.chunks = [];
    this.length = 0;
  }

  append(chunk: Uint8Array): boolean {
    if (this.buffer !== null) {
      if (this.length + chunk.length > this.buffer.length) return false;
      this.buffer.set(chunk, this.length);
    } else {
      this.chunks.push(chunk);
    }
    this.length += chunk.length;
    return true;
  }

  bytes(): Uint8Array {
    if (this.buffer !== null) return this.buffer.length === this.length ? this.buffer : this.buffer.slice(0, this.length);
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

/**
 * GETs `url` and returns its bytes. A body that breaks off mid-file is resumed with
 * `Range: bytes=<received>-` (kept if the server answers 206 with a matching Content-Range,
 * restarted from 0 if it answers 200), up to `maxRetries` times. Throws a DownloadError whose
 * `kind` says what happened; a cancelled or failed download keeps nothing.
 */
export async function downloadFile(url: string, opts: DownloadOptions = {}): Promise<Uint8Array> {
  const { signal, onProgress } = opts;
  const fetchImpl = opts.fetchImpl ?? fetch;
  const maxRetries = opts.maxRetries ?? 3;
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const now = opts.now ?? defaultNow;
  const meter = new ProgressMeter();
  const data = new Assembly();
  let totalBytes: number | null = null;
  let retries = 0;
  let lastCut: unknown = null;
  let askedAgain = false;

  const report = (): void => onProgress?.(meter.update(data.length, totalBytes, now()));

  for (;;) {
    if (signal?.aborted) throw cancelled(url, data.length);
    const resumeFrom = data.length;
    // A resume bypasses the HTTP cache (no-store): its own completion of a truncated entry would
    // rewrite our Range request, and the bytes are in hand already.
    const resume: RequestInit = resumeFrom > 0 ? { headers: { Range: `bytes=${resumeFrom}-` }, cache: 'no-store' } : {};
    let response: Response;
    try {
      response = await fetchImpl(url, { ...resume, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw cancelled(url, data.length);
      // A first request that gets no answer is the host or CORS, where waiting does not help;
      // it is asked once more at once because a pooled keep-alive connection the server just
      // closed fails the same way. After bytes have arrived, the host is known to answer, so a
      // failed reconnect is one more cut.
      if (resumeFrom === 0 && retries === 0) {
        if (askedAgain) throw networkError(url, err);
        askedAgain = true;
        continue;
      }
      lastCut = err;
      retries = await nextRetry(url, retries, maxRetries, retryDelayMs, data.length, totalBytes, err, signal);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw statusError(url, response);
    }

    if (resumeFrom > 0) {
      const range = response.status === 206 ? parseContentRange(response.headers.get('content-range')) : null;
      if (range === null || range.start !== resumeFrom || (range.total !== null && totalBytes !== null && range.total !== totalBytes)) {
        if (response.status === 206) {
          // A partial answer for some other range cannot be used; ask for the whole file again.
          await response.body?.cancel().catch(() => undefined);
          data.reset(null);
          totalBytes = null;
          retries = await nextRetry(url, retries, maxRetries, retryDelayMs, 0, null, lastCut, signal);
          continue;
        }
        // 200: the server ignored the Range header and sends the whole file from byte 0.
        totalBytes = bodyLength(response);
        data.reset(totalBytes);
        report();
      }
    } else {
      totalBytes = response.status === 206 ? parseContentRange(response.headers.get('content-range'))?.total ?? null : bodyLength(response);
      data.reset(totalBytes);
    }

    const body = response.body;
    if (body === null) {
      const whole = new Uint8Array(await response.arrayBuffer());
      onProgress?.(meter.update(whole.length, whole.length, now()));
      return whole;
    }
    const reader = body.getReader();
    let cut: unknown = null;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!data.append(value)) {
          await reader.cancel().catch(() => undefined);
          throw new DownloadError('http', url, `GET ${url}: the server sent more than the ${totalBytes} bytes it announced`, { status: response.status, receivedBytes: data.length });
        }
        report();
      }
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      if (signal?.aborted) throw cancelled(url, data.length);
      cut = err;
    }
    if (cut === null && totalBytes !== null && data.length < totalBytes) cut = new Error(`body ended at byte ${data.length} of ${totalBytes}`);
    if (cut === null) {
      if (data.length === 0) report();
      return data.bytes();
    }
    lastCut = cut;
    retries = await nextRetry(url, retries, maxRetries, retryDelayMs, data.length, totalBytes, cut, signal);
  }
}

/** Waits before the next attempt, or throws `cut` when the retries are spent. */
async function nextRetry(
  url: string,
  retries: number,
  maxRetries: number,
  retryDelayMs: number,
  receivedBytes: number,
  totalBytes: number | null,
  cause: unknown,
  signal: AbortSignal | undefined,
): Promise<number> {
  if (retries >= maxRetries) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const where = totalBytes !== null ? `${receivedBytes} of ${totalBytes} bytes (${((100 * receivedBytes) / Math.max(1, totalBytes)).toFixed(1)}%)` : `${receivedBytes} bytes`;
    throw new DownloadError('cut', url, `GET ${url}: the connection broke off after ${where} (${reason}); gave up after ${maxRetries} ${maxRetries === 1 ? 'retry' : 'retries'}`, { receivedBytes, cause });
  }
  try {
    await sleep(retryDelayMs * (retries + 1), signal);
  } catch {
    throw cancelled(url, receivedBytes);
  }
  return retries + 1;
}

export interface HeadResult {
  /** The file's size: `X-Linked-Size` (the hub's size of an LFS file) or Content-Length; null if unsaid. */
  sizeBytes: number | null;
}

/**
 * HEAD `url` (redirects followed, as the hub's LFS files redirect to a CDN): null when the file
 * does not exist, its size when the server says it. Errors as downloadFile's.
 */
export async function headFile(url: string, opts: Pick<DownloadOptions, 'signal' | 'fetchImpl'> = {}): Promise<HeadResult | null> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, { method: 'HEAD', ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled(url, 0);
    throw networkError(url, err, 'HEAD');
  }
  if (response.status === 404) return null;
  if (!response.ok) throw statusError(url, response, 'HEAD');
  const linked = response.headers.get('x-linked-size');
  if (linked !== null && /^\d+$/.test(linked)) return { sizeBytes: Number(linked) };
  return { sizeBytes: bodyLength(response) };
}
