import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli';
import { writeSafetensors } from '../../src/engine/io/safetensors';
import { gpt2WeightShapes, parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { parseT5Config, t5WeightShapes } from '../../src/engine/models/t5-config';
import { createRng } from '../../src/engine/data/rng';

/**
 * Checkpoints whose vocabulary is larger than their tokenizer (t5-small: 32,128 embedding rows,
 * 32,100 tokens; padded GPT-2 vocabularies): random ones with vocab_size = the tiny tokenizer's
 * 2048 tokens + 64, written with the real tiny-gpt2 / tiny-t5 tokenizer files. The weights are
 * arranged so that the padded ids win: GPT-2's final LayerNorm has weight 0 and a bias b, so every
 * hidden state is b and a padded row set to 10·b tops the logits; T5's embedding has a large first
 * coordinate (the decoder's last hidden state points along it), larger on one padded row, so
 * greedy decoding picks that row.
 */

const MODELS = path.join('public', 'models');
const TOKENS = 2048;
const PAD = 64;
const VOCAB = TOKENS + PAD;
/** The padded GPT-2 rows that top the logits, best first. */
const GPT2_WINNERS = [TOKENS + 63, TOKENS + 10];
/** The padded T5 row greedy decoding picks. */
const T5_WINNER = TOKENS + 7;

let work = '';
const folder = (name: string) => path.join(work, name);

function normal(rng: ReturnType<typeof createRng>, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

function writeCheckpoint(dir: string, config: Record<string, unknown>, weights: Map<string, { shape: number[]; data: Float32Array }>, tokenizerFrom: string | null): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors([...weights].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data }))));
  if (tokenizerFrom) for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(MODELS, tokenizerFrom, file), path.join(dir, file));
}

function paddedGpt2(): { config: Record<string, unknown>; weights: Map<string, { shape: number[]; data: Float32Array }> } {
  const config = { model_type: 'gpt2', vocab_size: VOCAB, n_positions: 64, n_embd: 32, n_layer: 1, n_head: 2, bos_token_id: 2047, eos_token_id: 2047, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 };
  const rng = createRng(11);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of gpt2WeightShapes(parseGpt2Config(config))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = /ln_\d\.weight$/.test(name) ? new Float32Array(n).fill(1) : name.endsWith('.weight') ? normal(rng, n, 0.02) : new Float32Array(n);
    weights.set(name, { shape, data });
  }
  const d = config.n_embd;
  const bias = normal(rng, d, 1);
  weights.get('ln_f.weight')!.data.fill(0);
  weights.get('ln_f.bias')!.data.set(bias);
  const wte = weights.get('wte.weight')!.data;
  GPT2_WINNERS.forEach((row, rank) => wte.set(bias.map((b) => b * (10 - rank)), row * d));
  return { config, weights };
}

function paddedT5(): { config: Record<string, unknown>; weights: Map<string, { shape: number[]; data: Float32Array }> } {
  const tiny = JSON.parse(readFileSync(path.join(MODELS, 'tiny-t5', 'config.json'), 'utf8')) as Record<string, unknown>;
  const config = { ...tiny, vocab_size: VOCAB, d_model: 32, d_kv: 8, d_ff: 64, num_layers: 1, num_decoder_layers: 1, num_heads: 2 };
  const rng = createRng(12);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of t5WeightShapes(parseT5Config(config))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = name.endsWith('layer_norm.weight') ? new Float32Array(n).fill(1) : normal(rng, n, name === 'shared.weight' ? 1 : 0.05);
    weights.set(name, { shape, data });
  }
  const d = config.d_model;
  const shared = weights.get('shared.weight')!.data;
  for (let row = 0; row < VOCAB; row++) shared[row * d] = 100;
  shared[T5_WINNER * d] = 110;
  return { config, weights };
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'padded-vocab-'));
  const gpt2 = paddedGpt2();
  writeCheckpoint(folder('gpt2'), gpt2.config, gpt2.weights, 'tiny-gpt2');
  writeCheckpoint(folder('gpt2-no-tokenizer'), gpt2.config, gpt2.weights, null);
  const t5 = paddedT5();
  writeCheckpoint(folder('t5'), t5.config, t5.weights, 'tiny-t5');
  writeCheckpoint(folder('t5-no-tokenizer'), t5.config, t5.weights, null);
});

interface Gpt2Out {
  ids: number[];
  tokens: Array<string | null> | null;
  top: Array<{ id: number; token: string | null; logit: number }>;
  lastLogits: number[];
}

interface T5Out {
  inputIds: number[];
  inputTokens: Array<string | null> | null;
  generatedIds: number[];
  generatedTokens: Array<string | null> | null;
  finished: boolean;
  text: string | null;
  scores?: number[][] | Array<Array<{ id: number; token: string | null; logit: number }>>;
}

function ok<T>(args: string[]): T {
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(0);
  return r.lines[0] as unknown as T;
}

describe('forward on a GPT-2 whose vocabulary is 64 rows larger than its tokenizer', () => {
  it('--ids past the tokenizer run; their tokens and the padded top-k print as null', () => {
    const out = ok<Gpt2Out>(['forward', folder('gpt2'), '--ids', `5,${TOKENS},${VOCAB - 1},7`, '--top', '4']);
    expect(out.ids).toEqual([5, TOKENS, VOCAB - 1, 7]);
    expect(out.tokens).toHaveLength(4);
    expect(out.tokens![1]).toBeNull();
    expect(out.tokens![2]).toBeNull();
    expect(typeof out.tokens![0]).toBe('string');
    expect(out.lastLogits).toHaveLength(VOCAB);
    expect(out.top.map((t) => t.id).slice(0, 2)).toEqual(GPT2_WINNERS);
    expect(out.top.slice(0, 2).map((t) => t.token)).toEqual([null, null]);
    // Below the padded rows come real tokens, decoded.
    expect(out.top.slice(2).every((t) => t.id < TOKENS && typeof t.token === 'string')).toBe(true);
  });

  it('--text: the padded ids top the logits and the run still succeeds', () => {
    const out = ok<Gpt2Out>(['forward', folder('gpt2'), '--text', 'Call me Ishmael.']);
    expect(out.tokens!.every((t) => typeof t === 'string')).toBe(true);
    expect(out.top[0]).toMatchObject({ id: GPT2_WINNERS[0], token: null });
  });

  it('--ids needs no tokenizer: the same logits, tokens null', () => {
    const args = ['--ids', `5,${TOKENS},7`];
    const withTokenizer = ok<Gpt2Out>(['forward', folder('gpt2'), ...args]);
    const without = ok<Gpt2Out>(['forward', folder('gpt2-no-tokenizer'), ...args]);
    expect(without.tokens).toBeNull();
    expect(without.top.every((t) => t.token === null)).toBe(true);
    expect(without.lastLogits).toEqual(withTokenizer.lastLogits);
    // --text still needs one, and says so.
    const r = runCli(['forward', folder('gpt2-no-tokenizer'), '--text', 'hi']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no tokenizer/);
  });
});

describe('forward on a T5 whose vocabulary is 64 rows larger than its tokenizer', () => {
  it('greedy decoding that emits padded ids keeps them: ids printed, tokens null, text of the rest', () => {
    const out = ok<T5Out>(['forward', folder('t5'), '--ids', `5,${TOKENS + 3},1`, '--max-new-tokens', '3']);
    expect(out.inputTokens![1]).toBeNull();
    expect(out.generatedIds).toEqual([T5_WINNER, T5_WINNER, T5_WINNER]);
    expect(out.generatedTokens).toEqual([null, null, null]);
    expect(out.finished).toBe(false);
    expect(out.text).toBe('');
    const text = ok<T5Out>(['forward', folder('t5'), '--text', 'The whale', '--max-new-tokens', '2']);
    expect(text.generatedIds).toEqual([T5_WINNER, T5_WINNER]);
    expect(text.text).toBe('');
  });

  it('--scores: every step\'s logits over the whole vocabulary, whose argmax is the generated id', () => {
    const out = ok<T5Out>(['forward', folder('t5'), '--ids', '5,6,1', '--max-new-tokens', '3', '--scores']);
    const scores = out.scores as number[][];
    expect(scores).toHaveLength(out.generatedIds.length);
    scores.forEach((step, i) => {
      expect(step).toHaveLength(VOCAB);
      expect(step.indexOf(Math.max(...step))).toBe(out.generatedIds[i]);
    });
    // --top k: each step's k best, from the same logits.
    const top = ok<T5Out>(['forward', folder('t5'), '--ids', '5,6,1', '--max-new-tokens', '3', '--scores', '--top', '3']);
    const best = top.scores as Array<Array<{ id: number; token: string | null; logit: number }>>;
    expect(best).toHaveLength(3);
    best.forEach((step, i) => {
      expect(step).toHaveLength(3);
      expect(step[0]).toMatchObject({ id: out.generatedIds[i], token: null });
      const sorted = [...scores[i]].sort((a, b) => b - a).slice(0, 3);
      step.forEach((entry, k) => {
        expect(entry.logit).toBeCloseTo(sorted[k], 5);
        expect(entry.logit).toBe(scores[i][entry.id]);
      });
      expect(step.slice(1).every((e) => e.id >= TOKENS || typeof e.token === 'string')).toBe(true);
    });
  });

  it('--ids needs no tokenizer: ids generated as with one, tokens and text null', () => {
    const args = ['--ids', `5,${TOKENS + 3},1`, '--max-new-tokens', '2'];
    const withTokenizer = ok<T5Out>(['forward', folder('t5'), ...args]);
    const without = ok<T5Out>(['forward', folder('t5-no-tokenizer'), ...args]);
    expect(without.generatedIds).toEqual(withTokenizer.generatedIds);
    expect(without.inputTokens).toBeNull();
    expect(without.generatedTokens).toBeNull();
    expect(without.text).toBeNull();
  });

  it('--top on T5 without --scores is refused, naming --scores', () => {
    const r = runCli(['forward', folder('t5'), '--ids', '5,1', '--top', '3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--scores/);
  });

  it('training on it: the predictions decode what they can instead of failing the run', () => {
    const spec = path.join(work, 't5-spec.json');
    writeFileSync(spec, JSON.stringify({ model: folder('t5'), task: 'spam', methods: [{ name: 'lora' }], steps: 1, batchSize: 2, seqLen: 16, eval: { every: 0, maxBatches: 1 }, logEvery: 1 }));
    const r = runCli(['train', spec]);
    expect(r.status, r.stderr).toBe(0);
    const predictions = r.lines.filter((l) => l.type === 'predictions') as Array<{ predictions: Array<{ label: string; predicted: string }> }>;
    expect(predictions).toHaveLength(1);
    expect(predictions[0].predictions.length).toBeGreaterThan(0);
    for (const p of predictions[0].predictions) expect(typeof p.predicted).toBe('string');
  });
});
