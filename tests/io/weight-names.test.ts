import { describe, it, expect } from 'vitest';
import type { HostTensor } from '../../src/engine/io/safetensors';
import { normalizeGpt2Names } from '../../src/engine/io/weight-names';

function t(value: number): HostTensor {
  return { dtype: 'F32', shape: [1], data: new Float32Array([value]) };
}

const bare = ['wte.weight', 'wpe.weight', 'h.0.attn.c_attn.weight', 'h.0.attn.c_attn.bias', 'h.0.mlp.c_fc.weight', 'ln_f.bias'];

describe('normalizeGpt2Names', () => {
  it('keeps GPT2Model names (unprefixed) and drops mask buffers', () => {
    const weights = new Map(bare.map((n, i) => [n, t(i)] as const));
    weights.set('h.0.attn.bias', t(-1));
    weights.set('h.0.attn.masked_bias', t(-1));
    const out = normalizeGpt2Names(weights);
    expect([...out.keys()]).toEqual(bare);
    expect(out.get('h.0.attn.c_attn.bias')).toBe(weights.get('h.0.attn.c_attn.bias'));
  });

  it('strips transformer. from GPT2LMHeadModel names, keeps lm_head and score', () => {
    const weights = new Map<string, HostTensor>(bare.map((n, i) => [`transformer.${n}`, t(i)] as const));
    weights.set('transformer.h.0.attn.bias', t(-1));
    weights.set('transformer.h.11.attn.masked_bias', t(-1));
    weights.set('transformer.h.0.crossattention.bias', t(-1));
    weights.set('lm_head.weight', t(100));
    weights.set('score.weight', t(101));
    const out = normalizeGpt2Names(weights);
    expect([...out.keys()]).toEqual([...bare, 'lm_head.weight', 'score.weight']);
    expect(out.get('wte.weight')!.data[0]).toBe(0);
    expect(out.get('lm_head.weight')!.data[0]).toBe(100);
  });

  it('refuses a tensor present both with and without the prefix', () => {
    const weights = new Map([
      ['wte.weight', t(1)],
      ['transformer.wte.weight', t(2)],
    ]);
    expect(() => normalizeGpt2Names(weights)).toThrow(/both "wte.weight" and "transformer.wte.weight" for tensor "wte.weight"/);
  });
});
