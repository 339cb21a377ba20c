/**
 * How the tests (and scripts/screenshot.ts) start Debian's Chromium: never a browser Playwright
 * downloads, since its CDN is unreachable here. Checked on Chromium 156: headless with
 * --enable-unsafe-webgpu gives a real WebGPU adapter (SwiftShader: Vulkan on the CPU); without
 * the flag navigator.gpu exists but offers no adapter.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Quiet (no network here) and sandbox-free (CI runs as root). */
export const CHROMIUM_BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const CHROMIUM_WEBGPU_ARGS = [...CHROMIUM_BASE_ARGS, '--enable-unsafe-webgpu'];
