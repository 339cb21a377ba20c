import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { build, type Plugin, type Rollup } from 'vite';

/**
 * The app's page never contains tfjs (DESIGN.md, "Two layers"): importing tfjs runs
 * tfjs-core's query-string parsing, which throws on a malformed `?x=%%` and blanks the page,
 * and it doubles what the page downloads. Training runs in the worker, a bundle of its own.
 *
 * This builds the app as `npm run build` does (nothing is written) and walks what index.html
 * loads: its entry chunk and every chunk that chunk imports, statically or lazily. A tfjs
 * module in any of them fails the test, naming the import chain that pulled it in.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TFJS = /[\\/]node_modules[\\/]@tensorflow[\\/]/;

interface PageBundle {
  chunks: string[];
  modules: string[];
  /** For each tfjs module on the page: the import chain from the entry (paths relative to the repo). */
  tfjsChains: string[][];
}

function recordPage(into: (page: PageBundle) => void): Plugin {
  return {
    name: 'record-page-bundle',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c): c is Rollup.OutputChunk => c.type === 'chunk');
      const entry = chunks.find((c) => c.isEntry && c.facadeModuleId !== null && /[\\/]index\.html$/.test(c.facadeModuleId));
      if (!entry) return;
      const byFile = new Map(chunks.map((c) => [c.fileName, c]));
      const seen = new Set<string>();
      const queue = [entry.fileName];
      while (queue.length > 0) {
        const file = queue.shift()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const chunk = byFile.get(file);
        if (chunk) queue.push(...chunk.imports, ...chunk.dynamicImports);
      }
      const modules = [...seen].flatMap((file) => byFile.get(file)?.moduleIds ?? []);
      // The shortest import chain from the page's entry module to each tfjs module it reaches.
      const parent = new Map<string, string | null>([[entry.facadeModuleId!, null]]);
      const order = [entry.facadeModuleId!];
      for (let i = 0; i < order.length; i++) {
        const info = this.getModuleInfo(order[i]);
        for (const next of [...(info?.importedIds ?? []), ...(info?.dynamicallyImportedIds ?? [])]) {
          if (parent.has(next)) continue;
          parent.set(next, order[i]);
          if (!TFJS.test(next)) order.push(next);
        }
      }
      const relative = (id: string) => id.replace(ROOT, '');
      const tfjsChains: string[][] = [];
      for (const [id, from] of parent) {
        if (!TFJS.test(id) || from === null || TFJS.test(from)) continue;
        const chain = [id];
        for (let at: string | null = from; at !== null; at = parent.get(at) ?? null) chain.unshift(at);
        tfjsChains.push(chain.map(relative));
      }
      into({ chunks: [...seen], modules, tfjsChains });
    },
  };
}

describe('the page bundle', () => {
  test('holds no tfjs module, by any import chain', async () => {
    let page: PageBundle | null = null;
    await build({
      root: ROOT,
      configFile: `${ROOT}vite.config.ts`,
      logLevel: 'silent',
      build: { write: false },
      plugins: [recordPage((p) => (page = p))],
    });
    expect(page, 'the build has an index.html entry').not.toBeNull();
    const { chunks, modules, tfjsChains } = page as unknown as PageBundle;
    expect(chunks.length).toBeGreaterThan(0);
    // The page itself is there (the walk found the app's modules)…
    expect(modules.some((id) => id.endsWith('src/ui/App.tsx'))).toBe(true);
    // …and no tfjs: each chain printed here is an import to cut.
    expect(tfjsChains.map((chain) => chain.join('\n  → '))).toEqual([]);
    expect(modules.filter((id) => TFJS.test(id))).toEqual([]);
  }, 120_000);
});
