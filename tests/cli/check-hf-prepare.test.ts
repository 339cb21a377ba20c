import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareHfCheck, MANIFEST_FILE, type HfCheckManifest } from '../../scripts/check-hf-prepare';
import { readSafetensors } from '../../src/engine/io/safetensors';
import { parseAdapterFiles } from '../../src/engine/methods/adapter-files';
import { modelShapeOf, parseModelConfig } from '../../src/engine/io/model-config';

/**
 * `npm run check:hf:prepare` on one family (GPT-2, the quickest): the folder holds every file the
 * manifest names, the random checkpoint is another model than the built-in one, our CLI's
 * outputs are complete, our adapters read back, and the adapters PEFT is to write come with the
 * CLI arguments that load them. (scripts/check-with-hf.py reads this folder.)
 */
let dir = '';
let manifest: HfCheckManifest;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'check-hf-'));
  manifest = await prepareHfCheck(dir, { families: ['gpt2'] });
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string) => readFileSync(path.join(dir, file));
const json = (file: string) => JSON.parse(read(file).toString('utf8')) as Record<string, unknown>;

describe('check:hf:prepare', () => {
  it('writes the manifest it returns, and every path in it exists', () => {
    expect(json(MANIFEST_FILE)).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(manifest.version).toBe(1);
    const paths = [
      ...manifest.checkpoints.map((c) => c.path),
      ...manifest.forward.map((f) => f.ours),
      ...manifest.ourAdapters.flatMap((a) => [a.ours, path.join(a.adapter, 'adapter_config.json'), path.join(a.adapter, 'adapter_model.safetensors')]),
    ];
    for (const p of paths) expect(existsSync(path.join(dir, p)), p).toBe(true);
  });

  it('a built-in and a random checkpoint per family, in the Hugging Face layout', () => {
    expect(manifest.checkpoints.map((c) => [c.name, c.random])).toEqual([
      ['tiny-gpt2', false],
      ['random-gpt2', true],
    ]);
    const shapes = manifest.checkpoints.map((c) => modelShapeOf(parseModelConfig(json(path.join(c.path, 'config.json')))));
    expect(shapes[1].hidden).not.toBe(shapes[0].hidden);
    for (const c of manifest.checkpoints) {
      const weights = readSafetensors(new Uint8Array(read(path.join(c.path, 'model.safetensors')))).tensors;
      // GPT2LMHeadModel's names, as transformers' from_pretrained reads them.
      expect([...weights.keys()].every((name) => name.startsWith('transformer.')), c.name).toBe(true);
      expect(existsSync(path.join(dir, c.path, 'tokenizer.json'))).toBe(true);
    }
  });

  it('our forward outputs: next-token logits over the vocabulary for the ids in the manifest', () => {
    expect(manifest.forward).toHaveLength(2);
    for (const f of manifest.forward) {
      const out = json(f.ours);
      expect(out.ids).toEqual(f.input.ids);
      expect((out.lastLogits as number[]).length).toBe(2048);
      expect((out.lastLogits as number[]).every(Number.isFinite)).toBe(true);
    }
    const [builtIn, random] = manifest.forward.map((f) => json(f.ours).lastLogits as number[]);
    expect(builtIn).not.toEqual(random);
  });

  it('our adapters (LoRA q,v and c_attn, prompt; LM and classification) read back, with their forward outputs', () => {
    const shape = modelShapeOf(parseModelConfig(json('checkpoints/tiny-gpt2/config.json')));
    expect(manifest.ourAdapters.map((a) => `${a.method}/${a.task}`)).toEqual(['lora/lm', 'lora/lm', 'lora/classify', 'prompt/lm', 'prompt/classify']);
    for (const a of manifest.ourAdapters) {
      const parsed = parseAdapterFiles(read(path.join(a.adapter, 'adapter_config.json')).toString('utf8'), new Uint8Array(read(path.join(a.adapter, 'adapter_model.safetensors'))), shape);
      expect(parsed.description.method).toBe(a.method);
      const out = json(a.ours);
      expect(out.adapter).toBe(path.join(dir, a.adapter));
      expect((out.lastLogits as number[]).length).toBe(a.task === 'classify' ? 2 : 2048);
    }
    const cAttn = readSafetensors(new Uint8Array(read('adapters/gpt2-lora-lm-c_attn-mlp_out/adapter_model.safetensors'))).tensors;
    expect(cAttn.get('base_model.model.transformer.h.0.attn.c_attn.lora_B.weight')!.shape).toEqual([384, 4]);
  });

  it('the adapters PEFT is to write: c_attn and c_attn + c_proj (SEQ_CLS) LoRA and prompt tuning, each with the CLI arguments that load it', () => {
    expect(manifest.peftMade.map((p) => [p.name, p.peft_type, p.task_type])).toEqual([
      ['gpt2-lora-c_attn', 'LORA', 'CAUSAL_LM'],
      ['gpt2-lora-c_attn-c_proj-seq-cls', 'LORA', 'SEQ_CLS'],
      ['gpt2-prompt', 'PROMPT_TUNING', 'CAUSAL_LM'],
    ]);
    for (const p of manifest.peftMade) {
      expect(p.args.slice(0, 4)).toEqual(['forward', `checkpoints/${p.checkpoint}`, '--adapter', p.adapter]);
      expect(existsSync(path.join(dir, p.adapter))).toBe(false);
    }
  });
});
