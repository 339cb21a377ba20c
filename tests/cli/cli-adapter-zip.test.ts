import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { runCli } from './run-cli';
import { adapterDownload } from '../../src/ui/adapter-import';

/**
 * The app's download → the CLI: `forward --adapter` reads the `.zip` the app makes (built here by
 * the app's own function from the files `train --save-adapter` wrote) exactly as the folder.
 */
describe('forward --adapter with the app’s zip', () => {
  it('gives the same answer as the adapter folder; a broken zip fails naming the problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'adapter-zip-'));
    const specFile = path.join(dir, 'spec.json');
    // Prompt tuning with a classification head: PEFT names that head "base_model.score.weight".
    writeFileSync(
      specFile,
      JSON.stringify({ model: 'tiny-gpt2', task: 'spam', methods: [{ name: 'prompt', options: { length: 4 } }], steps: 2, batchSize: 2, seqLen: 16, eval: { every: 0, maxBatches: 1 }, logEvery: 1 }),
    );
    const out = path.join(dir, 'prompt');
    const trained = runCli(['train', specFile, '--save-adapter', out]);
    expect(trained.status, trained.stderr).toBe(0);
    const files = { config: readFileSync(path.join(out, 'adapter_config.json'), 'utf8'), weights: new Uint8Array(readFileSync(path.join(out, 'adapter_model.safetensors'))) };
    const zipFile = path.join(dir, 'tiny-gpt2-spam-prompt-adapter.zip');
    writeFileSync(zipFile, adapterDownload(files));

    const text = 'Free money, click now!';
    const fromDir = runCli(['forward', 'tiny-gpt2', '--adapter', out, '--text', text]);
    const fromZip = runCli(['forward', 'tiny-gpt2', '--adapter', zipFile, '--text', text]);
    expect(fromDir.status, fromDir.stderr).toBe(0);
    expect(fromZip.status, fromZip.stderr).toBe(0);
    const answer = (r: typeof fromDir) => {
      const { adapter: _adapter, ...rest } = r.lines[0];
      return rest;
    };
    expect((fromZip.lines[0] as { lastLogits: number[] }).lastLogits).toHaveLength(2);
    expect(answer(fromZip)).toEqual(answer(fromDir));

    const cut = path.join(dir, 'cut.zip');
    writeFileSync(cut, adapterDownload(files).subarray(0, 300));
    const broken = runCli(['forward', 'tiny-gpt2', '--adapter', cut, '--text', text]);
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/--adapter .*cut\.zip: .*cut\.zip is not a readable zip/);

    const half = path.join(dir, 'half.zip');
    writeFileSync(half, zipSync({ 'adapter_config.json': strToU8(files.config) }));
    const missing = runCli(['forward', 'tiny-gpt2', '--adapter', half, '--text', text]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/half\.zip holds no adapter_model\.safetensors \(it holds: adapter_config\.json\)/);
  });
});
