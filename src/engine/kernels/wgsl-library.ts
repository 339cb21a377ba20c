/**
 * The WGSL sources of the custom kernels, by file name in shaders/ without ".wgsl"
 * (e.g. "apt-aggregate-forward"). shaders/ is the one place they live; how they are read
 * depends on where the engine runs, so the environment hands them over before the webgpu
 * kernels register: in the browser Vite bundles the folder (wgsl-vite.ts), in Node the CLI
 * reads it from disk (src/cli/wgsl-node.ts).
 */
export type WgslSources = Readonly<Record<string, string>>;

let library: WgslSources = {};

export function provideWgslSources(sources: WgslSources): void {
  library = { ...library, ...sources };
}

/** One shader's source; throws naming the file when it was never provided. */
export function wgsl(name: string): string {
  const source = library[name];
  if (source === undefined) {
    const known = Object.keys(library);
    throw new Error(`WGSL shader "shaders/${name}.wgsl" was not provided (have: ${known.length > 0 ? known.join(', ') : 'none'})`);
  }
  return source;
}

/** Reads an integer constant (`const NAME: u32 = 64u;`) from a shader, so dispatch sizes follow the WGSL. */
export function shaderConstant(source: string, name: string): number {
  const match = new RegExp(`const\\s+${name}\\s*:\\s*u32\\s*=\\s*(\\d+)u`).exec(source);
  if (!match) throw new Error(`shader constant ${name} not found`);
  return Number(match[1]);
}

/** "shaders/apt-aggregate-forward.wgsl" or "/x/shaders/nola-bits.wgsl" → its library name. */
export function wgslName(file: string): string {
  const base = file.split('/').pop() ?? file;
  return base.replace(/\.wgsl$/, '');
}
