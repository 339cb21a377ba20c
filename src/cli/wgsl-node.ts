import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { wgslName, type WgslSources } from '../engine/kernels/wgsl-library';

/** shaders/*.wgsl read from disk: Node has no Vite to bundle them. */
export function readWgslSources(dir: string): WgslSources {
  const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl'));
  return Object.fromEntries(files.map((f) => [wgslName(f), readFileSync(path.join(dir, f), 'utf8')]));
}
