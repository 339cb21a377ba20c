import { initBackend, type BackendName } from '../engine/backend';
import { WASM_BINARY_URLS } from '../worker/wasm-binaries';
import { aptLab } from './apt';
import { blocksLab } from './blocks';
import { deptLab } from './dept';
import { nolaLab } from './nola';

/**
 * The kernel lab (lab.html): the engine on the page's own thread with plain functions on
 * `window.lab`, for what must run in a real browser but is not a user feature — WGSL kernel
 * parity against the plain-tfjs twins (e2e) and the browser benchmarks (scripts/bench-*.ts).
 * `?backend=wasm` (or any order, comma separated) picks the backend as in the app.
 */
const requested = new URLSearchParams(location.search).get('backend');
const order = requested ? (requested.split(',') as BackendName[]) : undefined;
const status = document.getElementById('lab-status');

const ready = initBackend({ ...(order ? { order } : {}), wasmPaths: WASM_BINARY_URLS }).then(
  (info) => {
    if (status) status.textContent = `backend: ${info.backend} · ${info.adapter}`;
    return info;
  },
  (error: unknown) => {
    if (status) status.textContent = `backend failed: ${error instanceof Error ? error.message : String(error)}`;
    throw error;
  },
);

const lab = { ready, nola: nolaLab, apt: aptLab, dept: deptLab, blocks: blocksLab };
export type Lab = typeof lab;
(window as unknown as { lab: Lab }).lab = lab;
