import { describe, expect, it } from 'vitest';
import { stepFlops, stepMatmulTerms, sumFlops, termFlops, type FlopsWorkload } from '../../src/engine/bench/step-flops';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';

/**
 * A one-block GPT-2 small enough to count by hand: d = 8, 2 heads (head dim 4), MLP 32,
 * vocabulary 16; batch 2 × 4 tokens of language modelling (B·T = 8 rows, 6 next-token targets).
 */
const shape = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', vocab_size: 16, n_positions: 16, n_embd: 8, n_layer: 1, n_head: 2, bos_token_id: 15, eos_token_id: 15 }));
const work: FlopsWorkload = { batch: 2, task: { kind: 'lm', numLabels: 0, seqLen: 4 } };
const mm = (m: number, k: number, n: number, times = 1) => 2 * m * k * n * times;

// Forward products of the frozen model (2·m·k·n each).
const cAttn = mm(8, 8, 24); // 3072
const scores = mm(4, 4, 4, 2 * 2); // per (example, head): [4, 4] × [4, 4] → 512
const context = mm(4, 4, 4, 2 * 2); // 512
const attnProj = mm(8, 8, 8); // 1024
const fc = mm(8, 8, 32); // 4096
const mlpProj = mm(8, 32, 8); // 4096
const lmHead = mm(6, 8, 16); // 1536: positions 0…T−2 of each example
const baseForward = cAttn + scores + context + attnProj + fc + mlpProj + lmHead;

describe('step FLOPs', () => {
  it('counts a product and its operand gradients', () => {
    const term = { label: 't', m: 3, k: 5, n: 7, times: 2, gradA: true, gradB: false };
    expect(termFlops(term)).toEqual({ forward: 420, backward: 420, total: 840 });
    expect(sumFlops([term, { ...term, gradB: true }]).backward).toBe(420 + 840);
  });

  it('full fine-tuning: every product backpropagates into both operands (2× forward)', () => {
    expect(baseForward).toBe(14848);
    expect(stepFlops({ shape }, work, { name: 'full', options: {} })).toEqual({ forward: 14848, backward: 2 * 14848, total: 3 * 14848 });
  });

  it('head only: the untied LM head gets dW, nothing below it backpropagates', () => {
    expect(stepFlops({ shape }, work, { name: 'head', options: {} })).toEqual({ forward: baseForward, backward: lmHead, total: baseForward + lmHead });
  });

  it('LoRA r=2 on q, v: dW only where the input needs no gradient, dX through the frozen rest', () => {
    const xA = mm(8, 8, 2); // 256, per target
    const xAB = mm(8, 2, 8); // 256, per target
    const forward = baseForward + 2 * (xA + xAB);
    const backward =
      0 + // c_attn: frozen, and its input (the embeddings) needs no gradient
      2 * (xA + 2 * xAB) + // x·A: dA only; (x·A)·B: dB and d(x·A)
      2 * scores + // dQ and dK (the fused qkv output depends on the adapters)
      2 * context + // dP and dV
      attnProj + fc + mlpProj + lmHead; // frozen: dX only
    expect(forward).toBe(15872);
    expect(backward).toBe(14336);
    expect(stepFlops({ shape }, work, { name: 'lora', options: { r: 2, alpha: 16, dropout: 0, targets: ['q', 'v'] } })).toEqual({ forward, backward, total: forward + backward });
  });

  it('prompt tuning: 2 prompt rows lengthen the sequence; the gradient flows through every frozen product', () => {
    const T = 6; // 2 prompt rows + 4 tokens
    const forward = mm(2 * T, 8, 24) + 2 * mm(T, 4, T, 4) + mm(2 * T, 8, 8) + mm(2 * T, 8, 32) + mm(2 * T, 32, 8) + lmHead;
    // dX through every product (the weights are frozen), and both operands of the two attention products.
    const backward = forward + 2 * mm(T, 4, T, 4);
    const counted = stepFlops({ shape }, work, { name: 'prompt', options: { length: 2, init: 'vocab' } });
    expect(counted.forward).toBe(forward);
    expect(counted.backward).toBe(backward);
  });

  it('lists the products in forward order, the LM head last', () => {
    const labels = stepMatmulTerms({ shape }, work, { name: 'full', options: {} }).map((t) => t.label);
    expect(labels).toEqual(['h.0.attn.c_attn', 'decoder.0 self scores', 'decoder.0 self context', 'h.0.attn.c_proj', 'h.0.mlp.c_fc', 'h.0.mlp.c_proj', 'lm head']);
  });
});
