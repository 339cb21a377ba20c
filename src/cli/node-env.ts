import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, NODE_BACKEND_ORDER, type BackendInfo } from '../engine/backend';
import { sourceFor } from '../engine/io/node-source';
import type { FileSource } from '../engine/io/file-source';
import type { RunnerEnv } from '../engine/experiment/runner';
import { BUILT_IN_MODEL_IDS } from '../engine/experiment/link';

/** Repository root (this file is src/cli/node-env.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PUBLIC_DIR = path.join(REPO_ROOT, 'public');


/** tfjs on wasm (the fast backend in Node; tfjs-node cannot install here). */
export async function initNodeBackend(): Promise<BackendInfo> {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  return initBackend({ order: NODE_BACKEND_ORDER, wasmPaths: `${path.join(dir, 'dist')}/` });
}

/** A model argument: a built-in id, a folder, or an http(s) URL, all in the HF layout. */
export function modelSource(model: string): FileSource {
  if (BUILT_IN_MODEL_IDS.includes(model)) return sourceFor(path.join(PUBLIC_DIR, 'models', model));
  return sourceFor(model);
}

export async function readDataFile(file: string): Promise<unknown> {
  if (!/^[\w.-]+\.json$/.test(file)) throw new Error(`bad dataset file name "${file}"`);
  return JSON.parse(await readFile(path.join(PUBLIC_DIR, 'data', file), 'utf8'));
}

export const nodeRunnerEnv: RunnerEnv = { modelSource, readDataFile };
