import type { BackendName } from '../engine/backend';

/**
 * engine/backend.ts's BROWSER_BACKEND_ORDER, restated: that module starts tfjs, which the page
 * never imports (tests/ui/page-bundle.test.ts). tests/engine/pure-layer.test.ts checks they agree.
 */
export const BROWSER_BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * `?backend=` (a development and testing aid): `?backend=wasm` starts the fallback chain at
 * wasm (wasm → cpu), `?backend=webgl` at WebGL, and a comma list (`?backend=wasm,cpu`) is used
 * as given. Unknown names are ignored. No parameter: the normal webgpu → webgl → wasm → cpu.
 */
export function backendOrderFromQuery(search: string): BackendName[] | null {
  const raw = new URLSearchParams(search).get('backend');
  if (!raw) return null;
  const names = raw
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n): n is BackendName => (BROWSER_BACKEND_ORDER as readonly string[]).includes(n));
  if (names.length === 0) return null;
  if (names.length > 1) return names;
  return BROWSER_BACKEND_ORDER.slice(BROWSER_BACKEND_ORDER.indexOf(names[0]));
}
