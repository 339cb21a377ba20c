import { readFileSync } from 'node:fs';

/**
 * Trainable-parameter counts written out from the papers' formulas and the checkpoint's
 * config.json, independently of the engine, so the table can be checked against them.
 */

interface Gpt2Json {
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_inner: number | null;
}

export function tinyGpt2Config(): Gpt2Json {
  return JSON.parse(readFileSync(new URL('../public/models/tiny-gpt2/config.json', import.meta.url), 'utf8')) as Gpt2Json;
}

/** Every weight of GPT-2 with a tied LM head: embeddings, per-layer blocks, final LayerNorm. */
export function gpt2Params(c: Gpt2Json): number {
  const d = c.n_embd;
  const inner = c.n_inner ?? 4 * d;
  const perLayer =
    2 * d + // ln_1
    (d * 3 * d + 3 * d) + // attn.c_attn (q, k, v fused)
    (d * d + d) + // attn.c_proj
    2 * d + // ln_2
    (d * inner + inner) + // mlp.c_fc
    (inner * d + d); // mlp.c_proj
  return c.vocab_size * d + c.n_positions * d + c.n_layer * perLayer + 2 * d;
}

/** Prompt tuning: l virtual tokens of width d. */
export function promptParams(c: Gpt2Json, length: number): number {
  return length * c.n_embd;
}

/** LoRA on q and/or v (each d → d): per layer and target, A is r×d and B is d×r. */
export function loraParams(c: Gpt2Json, r: number, targets: number): number {
  return c.n_layer * targets * r * (c.n_embd + c.n_embd);
}
