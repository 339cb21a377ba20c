import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli';
import { PUBLIC_DIR } from '../../src/cli/node-env';
import { readSafetensors, writeSafetensors } from '../../src/engine/io/safetensors';
import { expectAllClose } from '../engine/tiny';
import { adapterFileBytes, mergeLoraByHand, peftLoraConfig, peftLoraTensors, randomLoraPairs } from '../engine/peft-fixtures';

/**
 * The CLI with a folder as PEFT's save_pretrained leaves it (GPT-2's default: LoRA on the whole
 * c_attn): `forward --adapter` gives the logits of `forward` on a checkpoint folder into which
 * the same update was merged by hand, with no adapter at all.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'peft-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeAdapter(name: string, files: { config: string; weights: Uint8Array }): string {
  const out = path.join(dir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'adapter_config.json'), files.config);
  writeFileSync(path.join(out, 'adapter_model.safetensors'), files.weights);
  return out;
}

describe('forward --adapter on a PEFT-made folder', () => {
  it('GPT-2 c_attn LoRA equals the hand-merged checkpoint’s logits', () => {
    const source = path.join(PUBLIC_DIR, 'models', 'tiny-gpt2');
    const weights = readSafetensors(new Uint8Array(readFileSync(path.join(source, 'model.safetensors')))).tensors;
    const r = 4;
    const alpha = 8;
    const modules = [0, 1, 2, 3].map((layer) => ({ path: `transformer.h.${layer}.attn.c_attn`, inF: 128, outF: 384, rank: r }));
    const pairs = randomLoraPairs(modules, 31);
    const adapter = writeAdapter('gpt2-c-attn', adapterFileBytes(peftLoraConfig({ r, lora_alpha: alpha, fan_in_fan_out: true }), peftLoraTensors(pairs)));

    // The checkpoint stores GPT2LMHeadModel's names ("transformer.h.0.attn.c_attn.weight", [in, out]).
    const merged = mergeLoraByHand(weights, pairs, alpha / r, { conv1d: true, weightName: (p) => `${p}.weight` });
    const mergedDir = path.join(dir, 'tiny-gpt2-merged');
    mkdirSync(mergedDir);
    for (const file of ['config.json', 'tokenizer.json']) copyFileSync(path.join(source, file), path.join(mergedDir, file));
    writeFileSync(
      path.join(mergedDir, 'model.safetensors'),
      writeSafetensors([...merged].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array })), { format: 'pt' }),
    );

    const ids = '5,77,301,12,999,40,7';
    const viaAdapter = runCli(['forward', 'tiny-gpt2', '--adapter', adapter, '--ids', ids]);
    const viaMerge = runCli(['forward', mergedDir, '--ids', ids]);
    expect(viaAdapter.status, viaAdapter.stderr).toBe(0);
    expect(viaMerge.status, viaMerge.stderr).toBe(0);
    const logits = (r: typeof viaAdapter) => r.lines[0].lastLogits as number[];
    expect(logits(viaAdapter)).toHaveLength(2048);
    expectAllClose(logits(viaAdapter), logits(viaMerge), 1e-4, 1e-4);
  });

  it('an adapter that does not map fails naming the field; params counts --targets c_attn', () => {
    const pairs = randomLoraPairs([{ path: 'transformer.h.0.attn.c_attn', inF: 128, outF: 384, rank: 2 }], 1);
    const dora = writeAdapter('dora', adapterFileBytes(peftLoraConfig({ r: 2, use_dora: true }), peftLoraTensors(pairs)));
    const refused = runCli(['forward', 'tiny-gpt2', '--adapter', dora, '--ids', '1,2']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/field "use_dora" is true/);

    const params = runCli(['params', 'tiny-gpt2', '--method', 'lora', '--r', '4', '--targets', 'c_attn']);
    expect(params.status, params.stderr).toBe(0);
    expect(params.lines[0]).toMatchObject({ options: { targets: ["c_attn"] }, trainable: 4 * 4 * (128 + 384), unsupported: null });
  });
});
