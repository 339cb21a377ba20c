/**
 * Tensor-name normalization for GPT-2 checkpoints. HF saves `GPT2Model` as `h.0.attn.c_attn.weight`,
 * `wte.weight`, … and `GPT2LMHeadModel` / `GPT2ForSequenceClassification` as
 * `transformer.h.0.…` plus `lm_head.weight` / `score.weight`. The model code sees one spelling:
 * the unprefixed one.
 */
import type { HostTensor } from './safetensors';

const PREFIX = 'transformer.';
/** Heads live outside `transformer.` and keep their names. */
const HEAD_NAMES = new Set(['lm_head.weight', 'score.weight']);
/**
 * Old HF checkpoints store the causal mask (`attn.bias`, `attn.masked_bias`, also for cross
 * attention) as buffers. They are constants, not weights. Anchored so `attn.c_attn.bias` stays.
 */
const MASK_BUFFER = /^h\.\d+\.(attn|crossattention)\.(bias|masked_bias)$/;

export function normalizeGpt2Names(weights: Map<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const originalOf = new Map<string, string>();
  for (const [name, tensor] of weights) {
    const normalized = HEAD_NAMES.has(name) || !name.startsWith(PREFIX) ? name : name.slice(PREFIX.length);
    if (MASK_BUFFER.test(normalized)) continue;
    const earlier = originalOf.get(normalized);
    if (earlier !== undefined) {
      // Both spellings present: which one the model would get is ambiguous, so refuse.
      throw new Error(`checkpoint has both "${earlier}" and "${name}" for tensor "${normalized}"`);
    }
    originalOf.set(normalized, name);
    out.set(normalized, tensor);
  }
  return out;
}
