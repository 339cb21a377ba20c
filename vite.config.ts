import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  // Relative base: the built site works from any folder (GitHub Pages, a file server's subpath).
  base: './',
  plugins: [react()],
  worker: {
    // The training worker is a module worker (it imports tfjs and the engine as ES modules).
    format: 'es',
  },
  build: {
    target: 'es2022',
    // tfjs is large by nature; it lands in the worker (and the lab and bench pages), never in the
    // app's page (tests/ui/page-bundle.test.ts).
    chunkSizeWarningLimit: 4096,
    // Three pages: the app, the kernel lab that e2e parity checks and browser benchmarks drive,
    // and /bench (bench.html), the benchmark suite anyone can run and share.
    rollupOptions: { input: { main: 'index.html', lab: 'lab.html', bench: 'bench.html' } },
  },
  preview: { port: 4173, strictPort: true },
});
