import { wgslName, type WgslSources } from './wgsl-library';

/** The browser's copy of shaders/*.wgsl, bundled by Vite (backend.ts imports this only off Node). */
const files = import.meta.glob('../../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export const BUNDLED_WGSL: WgslSources = Object.fromEntries(Object.entries(files).map(([file, source]) => [wgslName(file), source]));
