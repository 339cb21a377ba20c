/**
 * A local stand-in for huggingface.co, for trying hub loading in the browser by hand or from a
 * Playwright webServer: `npx tsx scripts/serve-fake-hub.ts [--port 4190] [--no-small]`.
 * Serves tiny-gpt2 as `test/tiny-gpt2` (plus private, no-CORS and cut variants) and, unless
 * --no-small, a random GPT-2-small-sized checkpoint (≈ 500 MB, written to a temp folder) as
 * `test/gpt2-small-random`. Point the app's hub endpoint at the printed address.
 */
import { readFileSync, rmSync } from 'node:fs';
import { startHubServer, writeRandomGpt2Checkpoint, type HubFile } from '../e2e/hub-server';

const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : 4190;
if (!Number.isInteger(port) || port <= 0) throw new Error(`--port must be a port number, got ${args[portArg + 1]}`);

const tinyFile = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../public/models/tiny-gpt2/${name}`, import.meta.url)));
const tiny: Record<string, HubFile> = Object.fromEntries(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((n) => [n, tinyFile(n)]));
const small = args.includes('--no-small') ? null : writeRandomGpt2Checkpoint();

const hub = await startHubServer({
  port,
  repos: {
    'test/tiny-gpt2': tiny,
    'test/tiny-gpt2-private': tiny,
    'test/tiny-gpt2-no-cors': tiny,
    'test/tiny-gpt2-cut': tiny,
    ...(small ? { 'test/gpt2-small-random': small.files } : {}),
  },
  behaviours: {
    'test/tiny-gpt2-private': { private: true },
    'test/tiny-gpt2-no-cors': { noCors: true },
    'test/tiny-gpt2-cut': { cutAfterBytes: 1_000_000 },
  },
});
console.log(`fake hub at ${hub.endpoint}${small ? ` (GPT-2-small-sized checkpoint in ${small.dir})` : ''}`);

const stop = async (): Promise<void> => {
  await hub.close();
  if (small) rmSync(small.dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
