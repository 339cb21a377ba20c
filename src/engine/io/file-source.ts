/**
 * Where checkpoint files come from, behind one small interface: a URL (downloadSource in
 * http-source.ts: resumable, cancellable), in-memory bytes (dropped files, tests) or, in Node
 * only, a folder (see node-source.ts). Paths are relative to the checkpoint's root, with `/`
 * separators.
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
