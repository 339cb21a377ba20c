/**
 * Where checkpoint files come from, behind one small interface: a URL (fetch), in-memory bytes
 * (dropped files, tests) or, in Node only, a folder (see node-source.ts). Paths are relative to
 * the checkpoint's root, with `/` separators.
 */
export interface FileSource {
  /** Human-readable origin, used in error messages ("https://…/gpt2", "folder /tmp/x"). */
  readonly description: string;
  /**
   * The file's bytes, or null when it does not exist. Other failures throw.
   * `onProgress` (optional for implementers) reports bytes received so far, for big downloads.
   */
  read(
    path: string,
    onProgress?: (loadedBytes: number, totalBytes?: number) => void,
  ): Promise<Uint8Array | null>;
  /**
   * Optional cheap existence check (HEAD, stat). Callers fall back to `read` when absent; it
   * exists so that asking "is there a pytorch_model.bin?" does not download 500 MB.
   */
  exists?(path: string): Promise<boolean>;
  /**
   * Optional size in bytes without reading the file (HEAD's Content-Length): null when the file
   * is missing or the size is unknown. Lets a preview say "498 MB" before downloading anything.
   */
  size?(path: string): Promise<number | null>;
}

/** Refuses paths that could climb out of the checkpoint root. */
export function checkRelativePath(path: string): void {
  const segments = path.split('/');
  const bad =
    path.length === 0 ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    segments.some((s) => s === '..' || s === '.' || s === '');
  if (bad) throw new Error(`refused file path ${JSON.stringify(path)}: must be relative, without "..", "." or empty segments`);
}

/**
 * Files under a base URL: `${baseUrl}/${path}`. HTTP 404 → null; any other non-OK status
 * throws naming the URL and status. `fetchImpl` is called as a plain function (never as a
 * method of some object) because browsers throw "Illegal invocation" for a rebound `fetch`.
 */
export function urlSource(baseUrl: string, fetchImpl: typeof fetch = fetch): FileSource {
  const base = baseUrl.replace(/\/+$/, '');
  const urlFor = (path: string): string => {
    checkRelativePath(path);
    return `${base}/${path.split('/').map(encodeURIComponent).join('/')}`;
  };

  const read = async (
    path: string,
    onProgress?: (loadedBytes: number, totalBytes?: number) => void,
  ): Promise<Uint8Array | null> => {
    const url = urlFor(path);
    const response = await fetchImpl(url);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET ${url} failed: HTTP ${response.status} ${response.statusText}`.trim());
    if (onProgress === undefined || response.body === null) {
      return new Uint8Array(await response.arrayBuffer());
    }
    return readStream(response, onProgress);
  };

  const exists = async (path: string): Promise<boolean> => {
    const url = urlFor(path);
    const response = await fetchImpl(url, { method: 'HEAD' });
    if (response.status === 404) return false;
    if (response.ok) return true;
    // Some static hosts refuse HEAD (405); asking with GET is slower but answers the question.
    return (await read(path)) !== null;
  };

  return { description: base, read, exists };
}

async function readStream(
  response: Response,
  onProgress: (loadedBytes: number, totalBytes?: number) => void,
): Promise<Uint8Array> {
  // Content-Length is the compressed size under Content-Encoding, so it only feeds progress;
  // the buffer is assembled from the chunks actually received.
  const header = response.headers.get('content-length');
  const declared = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  const total = response.headers.get('content-encoding') ? undefined : declared;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Files held in memory (dropped files, tests). Strings are stored as UTF-8. */
export function memorySource(files: Record<string, Uint8Array | string>, description = 'in-memory files'): FileSource {
  const encoder = new TextEncoder();
  const stored = new Map<string, Uint8Array>();
  for (const [path, content] of Object.entries(files)) {
    stored.set(path, typeof content === 'string' ? encoder.encode(content) : content);
  }
  return {
    description,
    async read(path, onProgress) {
      const bytes = stored.get(path) ?? null;
      if (bytes !== null) onProgress?.(bytes.length, bytes.length);
      return bytes;
    },
    async exists(path) {
      return stored.has(path);
    },
  };
}
