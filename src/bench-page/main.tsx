import { createRoot } from 'react-dom/client';
import { initBackend } from '../engine/backend';
import { WASM_BINARY_URLS } from '../worker/wasm-binaries';
import { BenchPage } from './BenchPage';

/**
 * /bench (bench.html): the benchmark suite (src/engine/bench/suite.ts) on this page's own thread,
 * so anyone can measure their GPU, and a result link (`#result=…`) shows a shared result
 * without running anything. `npm run bench` drives this page with Playwright.
 */
const ready = initBackend({ wasmPaths: WASM_BINARY_URLS });
createRoot(document.getElementById('root')!).render(<BenchPage ready={ready} />);
