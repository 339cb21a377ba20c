/**
 * Node-only file sources. This is the one engine file that imports node:fs; the browser bundle
 * must never import it (the page and the worker use downloadSource / memorySource).
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRelativePath, type FileSource } from './file-source';
import { downloadSource } from './http-source';

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Files in a local folder. A missing file (or folder) reads as null. */
export function folderSource(dir: string): FileSource {
  const root = resolve(dir);
  const pathFor = (path: string): string => {
    checkRelativePath(path);
    const full = resolve(root, path);
    // Belt and braces on top of checkRelativePath: never read outside the folder.
    if (!full.startsWith(root + sep)) throw new Error(`refused file path ${JSON.stringify(path)}: outside ${root}`);
    return full;
  };
  return {
    description: `folder ${root}`,
    async read(path, onProgress) {
      try {
        const buffer = await readFile(pathFor(path));
        const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        onProgress?.(bytes.length, bytes.length);
        return bytes;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },
    async exists(path) {
      try {
        return (await stat(pathFor(path))).isFile();
      } catch (err) {
        if (isMissing(err)) return false;
        throw err;
      }
    },
  };
}

/** http(s) URLs → downloadSource (global fetch); file:// URLs and everything else → folderSource. */
export function sourceFor(location: string): FileSource {
  if (/^https?:\/\//i.test(location)) return downloadSource(location);
  if (/^file:\/\//i.test(location)) return folderSource(fileURLToPath(location));
  return folderSource(location);
}
