import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli';
import { writeSafetensors } from '../../src/engine/io/safetensors';
import { gpt2WeightShapes, parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { realGpt2TokenizerJson, REAL_GPT2_TOKENIZER_CONFIG } from '../tokenize/real-gpt2';
import { createRng } from '../../src/engine/data/rng';

const TINY = path.join('public', 'models', 'tiny-gpt2');
const tinyConfig = JSON.parse(readFileSync(path.join(TINY, 'config.json'), 'utf8')) as { n_embd: number; n_layer: number; vocab_size: number; n_positions: number };

describe('cli info / params', () => {
  it('info reports the architecture and the exact parameter count from config.json', () => {
    const r = runCli(['info', 'tiny-gpt2']);
    expect(r.status).toBe(0);
    const out = r.lines[0];
    expect(out.architecture).toBe('GPT2LMHeadModel');
    const d = tinyConfig.n_embd;
    // wte + wpe + L·(12d² + 13d) + 2d, counted by hand.
    const expected = tinyConfig.vocab_size * d + tinyConfig.n_positions * d + tinyConfig.n_layer * (12 * d * d + 13 * d) + 2 * d;
    expect(out.totalParams).toBe(expected);
  });

  it('params gives LoRA r·(in+out) per target, without loading weights', () => {
    const r = runCli(['params', 'tiny-gpt2', '--method', 'lora', '--r', '4', '--targets', 'q,v', '--task', 'spam']);
    expect(r.status).toBe(0);
    const d = tinyConfig.n_embd;
    expect(r.lines[0].trainable).toBe(tinyConfig.n_layer * 2 * 4 * (d + d));
    expect(r.lines[0].head).toBe(2 * d);
  });

  it('bad input: one line on stderr naming the problem, non-zero exit (2 for bad arguments)', () => {
    for (const [args, status, named] of [
      [['params', 'tiny-gpt2', '--method', 'lora', '--r', 'abc'], 2, /--r/],
      [['params', 'tiny-gpt2', '--method', 'lora', '--rank', '4'], 2, /--rank/],
      [['frobnicate'], 2, /frobnicate/],
      [['params', 'tiny-gpt2', '--method', 'nope'], 1, /nope/],
      [['info', path.join(tmpdir(), 'no-such-model-folder')], 1, /config\.json/],
    ] as const) {
      const r = runCli([...args]);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr).toMatch(named);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stdout).toBe('');
    }
  });
});

describe('cli forward', () => {
  it('returns the tokens and the last position logits over the vocabulary', () => {
    const r = runCli(['forward', 'tiny-gpt2', '--text', 'Call me Ishmael.']);
    expect(r.status).toBe(0);
    const out = r.lines[0] as { ids: number[]; tokens: string[]; lastLogits: number[]; top: Array<{ id: number; logit: number }> };
    expect(out.tokens.length).toBe(out.ids.length);
    expect(out.lastLogits).toHaveLength(tinyConfig.vocab_size);
    const best = out.lastLogits.indexOf(Math.max(...out.lastLogits));
    expect(out.top[0].id).toBe(best);
  });

  it('refuses ids outside the vocabulary, naming the element', () => {
    const r = runCli(['forward', 'tiny-gpt2', '--ids', `1,2,${tinyConfig.vocab_size}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/element 2/);
  });

  it('loads a checkpoint with the real 50,257-token GPT-2 vocabulary and transformer.-prefixed names', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gpt2-vocab-'));
    const config = { model_type: 'gpt2', vocab_size: 50257, n_positions: 64, n_embd: 32, n_layer: 1, n_head: 2 };
    const rng = createRng(7);
    const tensors = [...gpt2WeightShapes(parseGpt2Config(config))].map(([name, shape]) => ({
      name: `transformer.${name}`,
      dtype: 'F32' as const,
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.02),
    }));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(tensors));
    writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(realGpt2TokenizerJson()));
    writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(REAL_GPT2_TOKENIZER_CONFIG));
    const r = runCli(['forward', dir, '--text', 'Hello world', '--top', '1']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.lines[0] as { ids: number[]; lastLogits: number[] };
    expect(out.ids).toEqual([15496, 995]); // GPT-2's own ids for "Hello", " world"
    expect(out.lastLogits).toHaveLength(50257);
  });
});

describe('cli train', () => {
  let adapterDir = '';
  beforeAll(() => {
    adapterDir = mkdtempSync(path.join(tmpdir(), 'adapter-'));
  });

  it('trains a spec, streams JSON lines, saves an adapter that forward --adapter loads', () => {
    const specFile = path.join(adapterDir, 'spec.json');
    writeFileSync(
      specFile,
      JSON.stringify({ model: 'tiny-gpt2', task: 'spam', methods: [{ name: 'lora', options: { r: 2 } }], steps: 3, batchSize: 2, seqLen: 16, eval: { every: 0, maxBatches: 1 }, logEvery: 1 }),
    );
    const out = path.join(adapterDir, 'lora');
    const r = runCli(['train', specFile, '--save-adapter', out]);
    expect(r.status, r.stderr).toBe(0);
    const steps = r.lines.filter((l) => l.type === 'step');
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    for (const s of steps) expect(Number.isFinite(s.loss as number)).toBe(true);
    expect(r.lines.at(-1)?.type).toBe('summary');
    expect(existsSync(path.join(out, 'adapter_config.json'))).toBe(true);
    const config = JSON.parse(readFileSync(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(config.peft_type).toBe('LORA');

    const f = runCli(['forward', 'tiny-gpt2', '--adapter', out, '--text', 'Free money, click now!']);
    expect(f.status, f.stderr).toBe(0);
    const result = f.lines[0] as { task: string; lastLogits: number[]; top: Array<{ label: string }> };
    expect(result.task).toBe('classify');
    expect(result.lastLogits).toHaveLength(2);
    expect(['ham', 'spam']).toContain(result.top[0].label);
  });

  it('a spec with a bad field exits 2 naming the field', () => {
    const specFile = path.join(adapterDir, 'bad.json');
    writeFileSync(specFile, JSON.stringify({ steps: -1 }));
    const r = runCli(['train', specFile]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/"steps"/);
  });
});

describe('cli train with a link', () => {
  it('accepts an experiment link, prints notices for bad keys, and runs', () => {
    const r = runCli(['train', 'http://localhost:5173/#model=tiny-gpt2&task=lm-spam&methods=prompt&prompt.length=4&steps=2&batch=2&seq=16&eval.every=0&eval.batches=1&bogus=1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines.some((l) => l.type === 'notice' && String(l.message).includes('bogus'))).toBe(true);
    const start = r.lines.find((l) => l.type === 'run-start') as { trainable: { method: number } };
    expect(start.trainable.method).toBe(4 * tinyConfig.n_embd);
    expect(r.lines.filter((l) => l.type === 'step')).toHaveLength(2);
  });

  it('--checkpoint blocks trains with activation checkpointing: the spec says so and the losses are those without it', () => {
    const link = '#model=tiny-gpt2&task=lm-spam&methods=lora&steps=2&batch=2&seq=16&eval.every=0&eval.batches=1';
    const losses = (args: string[]) => {
      const r = runCli(['train', link, ...args]);
      expect(r.status, r.stderr).toBe(0);
      return { spec: r.lines.find((l) => l.type === 'spec') as { spec: { memory: { checkpoint: string } } }, steps: r.lines.filter((l) => l.type === 'step').map((l) => l.loss) };
    };
    const plain = losses([]);
    const checkpointed = losses(['--checkpoint', 'blocks']);
    expect(plain.spec.spec.memory.checkpoint).toBe('none');
    expect(checkpointed.spec.spec.memory.checkpoint).toBe('blocks');
    expect(checkpointed.steps).toEqual(plain.steps);
    const bad = runCli(['train', link, '--checkpoint', 'layers']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--checkpoint/);
  });
});
