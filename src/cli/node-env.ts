import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, NODE_BACKEND_ORDER, type BackendInfo } from '../engine/backend';
import { sourceFor } from '../engine/io/node-source';
import type { FileSource } from '../engine/io/file-source';
import type { RunnerEnv } from '../engine/experiment/runner';
import { BUILT_IN_MODEL_IDS } from '../engine/experiment/link';
import { UsageError } from './args';
import { installNodeWebgpu } from './node-webgpu';
import { readWgslSources } from './wgsl-node';

/**
 * Repository root (this file is src/cli/node-env.ts), or PEFT_PLAYGROUND_ROOT: the bench:gpu
 * bundle is one bundled file beside the folders it needs (shaders/, public/).
 */
export const REPO_ROOT = process.env.PEFT_PLAYGROUND_ROOT ? path.resolve(process.env.PEFT_PLAYGROUND_ROOT) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PUBLIC_DIR = path.join(REPO_ROOT, 'public');


export const SHADERS_DIR = path.join(REPO_ROOT, 'shaders');

/** The backends the CLI offers (`--backend`); wasm is the default. */
export const NODE_BACKENDS = ['wasm', 'webgpu', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/** `--backend` as given to a command: absent means wasm. */
export function nodeBackendOption(value: string | true | undefined): NodeBackend {
  if (value === undefined) return 'wasm';
  if (typeof value === 'string' && (NODE_BACKENDS as readonly string[]).includes(value)) return value as NodeBackend;
  throw new UsageError(`--backend: expected ${NODE_BACKENDS.join(', ')}, got ${value === true ? 'nothing' : JSON.stringify(value)}`);
}

/**
 * Starts tfjs in Node. wasm (the default; tfjs-node cannot install here) falls back to cpu;
 * webgpu runs on Dawn (src/cli/node-webgpu.ts) and, asked for explicitly, never falls back: it
 * fails with one line saying why.
 */
export async function initNodeBackend(backend: NodeBackend = 'wasm'): Promise<BackendInfo> {
  if (backend === 'cpu') return initBackend({ order: ['cpu'] });
  if (backend === 'wasm') {
    const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    return initBackend({ order: NODE_BACKEND_ORDER, wasmPaths: `${path.join(dir, 'dist')}/` });
  }
  const { driver } = await installNodeWebgpu();
  try {
    const info = await initBackend({ order: ['webgpu'], wgsl: readWgslSources(SHADERS_DIR) });
    return { ...info, adapter: driver === 'swiftshader' ? `${info.adapter} (software Vulkan on the CPU)` : info.adapter };
  } catch (error) {
    throw new Error(`--backend webgpu: ${error instanceof Error ? error.message : String(error)}`);
  }
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
