/**
 * FileSources over HTTP built on downloadFile: a folder URL in the Hugging Face layout, and a
 * hub repository at a revision. Resumes cut downloads, cancels with an AbortSignal, and reports
 * rate and time left per file. A missing file reads as null (the FileSource contract) — except
 * config.json of a hub repo, whose absence means the repo or revision is wrong (see hubSource).
 */
import { checkRelativePath, type FileSource } from './file-source';
import { DownloadError, downloadFile, headFile, type DownloadProgress, type HeadResult } from './download';
import { DEFAULT_HUB_ENDPOINT, hubFolderUrl } from './model-ref';

export interface HttpSourceOptions {
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
  maxRetries?: number;
  retryDelayMs?: number;
  /** Rate and time left of each file being downloaded (FileSource's onProgress has only bytes). */
  onDownloadProgress?: (file: string, progress: DownloadProgress) => void;
  /** Shown in error messages instead of the folder URL. */
  description?: string;
}

/** The full URL of a file in an HttpFileSource's folder. */
export interface HttpFileSource extends FileSource {
  readonly folderUrl: string;
  fileUrl(path: string): string;
  exists(path: string): Promise<boolean>;
  size(path: string): Promise<number | null>;
}

export function downloadSource(folderUrl: string, opts: HttpSourceOptions = {}): HttpFileSource {
  const base = folderUrl.replace(/\/+$/, '');
  const fileUrl = (path: string): string => {
    checkRelativePath(path);
    return `${base}/${path.split('/').map(encodeURIComponent).join('/')}`;
  };
  const fetchOpts = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}) };
  const read: FileSource['read'] = async (path, onProgress) => {
    try {
      return await downloadFile(fileUrl(path), {
        ...fetchOpts,
        ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
        ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
        onProgress: (p) => {
          onProgress?.(p.loadedBytes, p.totalBytes ?? undefined);
          opts.onDownloadProgress?.(path, p);
        },
      });
    } catch (err) {
      if (err instanceof DownloadError && err.kind === 'not-found') return null;
      throw err;
    }
  };
  /** HEAD's answer, or 'refused' where the host does not do HEAD (405, as some static hosts). */
  const head = async (path: string): Promise<HeadResult | null | 'refused'> => {
    try {
      return await headFile(fileUrl(path), fetchOpts);
    } catch (err) {
      if (err instanceof DownloadError && err.status === 405) return 'refused';
      throw err;
    }
  };
  return {
    description: opts.description ?? base,
    folderUrl: base,
    fileUrl,
    read,
    async exists(path) {
      const answer = await head(path);
      // A host that refuses HEAD: asking with GET is slower but answers the question.
      return answer === 'refused' ? (await read(path)) !== null : answer !== null;
    },
    async size(path) {
      const answer = await head(path);
      return answer === 'refused' ? null : answer?.sizeBytes ?? null;
    },
  };
}

export interface HubSourceOptions extends Omit<HttpSourceOptions, 'description'> {
  /** The hub's address; tests and mirrors point it elsewhere. */
  endpoint?: string;
}

/**
 * Files of a Hugging Face hub repository at a revision (`${endpoint}/${repo}/resolve/${rev}/…`).
 * Every checkpoint repo has config.json, so a 404 for it means the repository or revision does
 * not exist (or is private): that read throws a `not-found` DownloadError saying so, instead of
 * the generic "config.json not found".
 */
export function hubSource(repo: string, revision: string, opts: HubSourceOptions = {}): HttpFileSource {
  const endpoint = opts.endpoint ?? DEFAULT_HUB_ENDPOINT;
  const description = `${repo}@${revision} on ${new URL(endpoint).host}`;
  const inner = downloadSource(hubFolderUrl(endpoint, repo, revision), { ...opts, description });
  return {
    ...inner,
    async read(path, onProgress) {
      const bytes = await inner.read(path, onProgress);
      if (bytes === null && path === 'config.json') {
        const url = inner.fileUrl(path);
        throw new DownloadError(
          'not-found',
          url,
          `${description}: config.json not found (HTTP 404 for ${url}) — repository or revision not found, or private; check the repo id ("org/name") and the revision`,
          { status: 404 },
        );
      }
      return bytes;
    },
  };
}
