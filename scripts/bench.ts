/**
 * `npm run bench [-- --quick | --ci | --full] [--no-build] [--no-readme] [--port N]`: the one
 * benchmark suite (src/engine/bench/suite.ts) in Chromium with WebGPU (SwiftShader here, the
 * real GPU on a user's machine). Builds the app into its own folder, serves it, opens the
 * /bench page (bench.html), picks the mode, clicks Run, and waits for the result the page
 * computes — the same code path a user's browser takes. Then it names the machine (the page
 * cannot see the CPU model), validates the result against the schema, writes
 * bench/results.json and bench/results.md, prints the tables and regenerates README.md's
 * Performance block (unless --no-readme). Default mode: full (for real GPUs); --quick finishes in
 * under 10 minutes on a 2-core CPU.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchMarkdown, parseBenchResults, type BenchMode } from '../src/engine/bench/results';
import { updateReadmeBench } from './bench-readme-lib';
import { ROOT, withServedBrowser } from './browser-session';
import { hostMachine } from './bench-host';

const args = process.argv.slice(2);
const mode: BenchMode = args.includes('--ci') ? 'ci' : args.includes('--quick') ? 'quick' : 'full';
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : Number(process.env.BENCH_PORT ?? 4184);

const started = performance.now();
const raw = await withServedBrowser({ port, build: !args.includes('--no-build'), outDir: `dist-bench-${port}` }, async (session) => {
  const page = await session.browser.newPage();
  page.setDefaultTimeout(0);
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[page] ${message.text()}`);
  });
  await page.goto(`${session.base}bench.html`);
  await page.getByTestId('bench-backend').filter({ hasNotText: 'starting backend' }).waitFor();
  console.error(await page.getByTestId('bench-backend').textContent());
  await page.getByTestId(`bench-mode-${mode}`).check();
  await page.getByTestId('bench-run').click();
  let last = '';
  const timer = setInterval(() => {
    void page
      .getByTestId('bench-progress')
      .textContent({ timeout: 1000 })
      .then((text) => {
        if (text && text !== last) console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${(last = text)}`);
      })
      .catch(() => undefined);
  }, 2000);
  try {
    await page.waitForFunction(() => window.benchResults !== undefined || document.querySelector('[data-testid="bench-error"]') !== null, undefined, { polling: 1000 });
  } finally {
    clearInterval(timer);
  }
  const error = await page.getByTestId('bench-error').textContent({ timeout: 1000 }).catch(() => null);
  if (error) throw new Error(`the suite failed in the page: ${error}`);
  return page.evaluate(() => window.benchResults);
});

const results = parseBenchResults({ ...raw, machine: hostMachine() }, 'results from the /bench page');
const markdown = benchMarkdown(results);
console.log(`\n${markdown}`);
await mkdir(path.join(ROOT, 'bench'), { recursive: true });
await writeFile(path.join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
await writeFile(path.join(ROOT, 'bench', 'results.md'), `# Benchmark suite results\n\n${markdown}`);
console.log('wrote bench/results.json and bench/results.md');
if (!args.includes('--no-readme')) {
  await updateReadmeBench(ROOT, results);
  console.log('regenerated the Performance block of README.md');
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
