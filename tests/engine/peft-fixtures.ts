import { writeSafetensors, type HostTensor, type SafetensorsWriteEntry } from '../../src/engine/io/safetensors';
import { prng } from './prng';

/**
 * Adapter files as Hugging Face PEFT writes them, built here from PEFT's documented layout (not
 * by our exporter): `base_model.model.<module>.lora_A.weight` [r, in] and `….lora_B.weight`
 * [out, r] for LoRA (peft/tuners/lora/layer.py: lora_A = nn.Linear(in, r), lora_B =
 * nn.Linear(r, out)), `prompt_embeddings` [num_virtual_tokens, token_dim] for prompt tuning, a
 * modules_to_save head under its module path (`base_model.model.score.weight` for LoRA,
 * `base_model.score.weight` for prompt learning). Only the safetensors byte format is ours.
 *
 * And the independent check: the merge W' = W + s·(B·A) PEFT's merge_and_unload does, written
 * in plain loops on the checkpoint's own weights (transposed, (B·A)ᵀ, for GPT-2's Conv1D [in, out]).
 */

export interface PeftLoraModule {
  /** The module's path in the transformers task model, e.g. "transformer.h.0.attn.c_attn". */
  path: string;
  inF: number;
  outF: number;
  rank: number;
}

export interface PeftLoraPair extends PeftLoraModule {
  a: Float32Array; // [rank, in]
  b: Float32Array; // [out, rank]
}

/** Random dense A and B (B nonzero, unlike a fresh PEFT init, so the update shows in the logits). */
export function randomLoraPairs(modules: readonly PeftLoraModule[], seed: number, amplitude = 0.2): PeftLoraPair[] {
  const next = prng(seed);
  const draw = (n: number) => Float32Array.from({ length: n }, () => (next() * 2 - 1) * amplitude);
  return modules.map((m) => ({ ...m, a: draw(m.rank * m.inF), b: draw(m.outF * m.rank) }));
}

export function peftLoraTensors(pairs: readonly PeftLoraPair[]): SafetensorsWriteEntry[] {
  return pairs.flatMap((p) => [
    { name: `base_model.model.${p.path}.lora_A.weight`, dtype: 'F32' as const, shape: [p.rank, p.inF], data: p.a },
    { name: `base_model.model.${p.path}.lora_B.weight`, dtype: 'F32' as const, shape: [p.outF, p.rank], data: p.b },
  ]);
}

/** A LoraConfig as PEFT 0.14's save_pretrained writes it, with `fields` overriding. */
export function peftLoraConfig(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: 'public/models/tiny-gpt2',
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: 16,
    lora_dropout: 0.05,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: 8,
    rank_pattern: {},
    revision: null,
    target_modules: ['c_attn'],
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
    ...fields,
  };
}

/** A PromptTuningConfig as PEFT writes it. */
export function peftPromptConfig(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    auto_mapping: null,
    base_model_name_or_path: 'public/models/tiny-gpt2',
    inference_mode: true,
    num_attention_heads: 4,
    num_layers: 4,
    num_transformer_submodules: 1,
    num_virtual_tokens: 5,
    peft_type: 'PROMPT_TUNING',
    prompt_tuning_init: 'RANDOM',
    prompt_tuning_init_text: null,
    revision: null,
    task_type: 'CAUSAL_LM',
    token_dim: 128,
    tokenizer_kwargs: null,
    tokenizer_name_or_path: null,
    ...fields,
  };
}

export function adapterFileBytes(config: Record<string, unknown>, tensors: SafetensorsWriteEntry[]): { config: string; weights: Uint8Array } {
  return { config: JSON.stringify(config, null, 2), weights: writeSafetensors(tensors, { format: 'pt' }) };
}

/**
 * The checkpoint's weights with each pair merged in: W'[o][i] = W[o][i] + s·Σ_k B[o][k]·A[k][i]
 * for nn.Linear ([out, in]); Conv1D ([in, out]) gets the transpose. `weightName` maps a module
 * path to its weight's key in `weights`.
 */
export function mergeLoraByHand(
  weights: ReadonlyMap<string, HostTensor>,
  pairs: readonly PeftLoraPair[],
  scale: number,
  options: { conv1d: boolean; weightName: (path: string) => string },
): Map<string, HostTensor> {
  const merged = new Map(weights);
  for (const p of pairs) {
    const key = options.weightName(p.path);
    const w = weights.get(key);
    if (!w) throw new Error(`no weight "${key}" in the checkpoint`);
    const data = Float64Array.from(w.data as Float32Array);
    for (let o = 0; o < p.outF; o++) {
      for (let i = 0; i < p.inF; i++) {
        let sum = 0;
        for (let k = 0; k < p.rank; k++) sum += p.b[o * p.rank + k] * p.a[k * p.inF + i];
        data[options.conv1d ? i * p.outF + o : o * p.inF + i] += scale * sum;
      }
    }
    merged.set(key, { dtype: 'F32', shape: [...w.shape], data: Float32Array.from(data) });
  }
  return merged;
}
