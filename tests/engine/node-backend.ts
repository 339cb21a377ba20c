import type { BackendInfo } from '../../src/engine/backend';
import { initNodeBackend } from '../../src/cli/node-env';

/** Starts tfjs on the wasm backend in Node (the one the CLI uses). */
export function useWasmBackend(): Promise<BackendInfo> {
  return initNodeBackend();
}
