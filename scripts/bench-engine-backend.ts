/**
 * tfjs on wasm with one thread, for the engine scorecard and its isolated child processes: the
 * fair comparison with the single-threaded PyTorch peer. Both settings must come before the
 * backend initialises: setThreadsCount(1) sizes XNNPACK's thread pool, and the multithreading
 * flag set to false keeps the single-threaded binary (Node never gets the threaded one today).
 */
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../src/engine/tf';
import { initNodeBackend } from '../src/cli/node-env';
import type { BackendInfo } from '../src/engine/backend';

export async function initSingleThreadWasm(): Promise<{ info: BackendInfo; wasmThreads: number }> {
  setThreadsCount(1);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const info = await initNodeBackend();
  if (info.backend !== 'wasm') throw new Error(`the scorecard measures the wasm backend; got ${info.backend}`);
  return { info, wasmThreads: getThreadsCount() };
}
