import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRng } from '../src/engine/data/rng';
import { writeSafetensors } from '../src/engine/io/safetensors';
import { gpt2WeightShapes, parseGpt2Config } from '../src/engine/models/gpt2-config';
import { parseT5Config, t5WeightShapes } from '../src/engine/models/t5-config';
import { parseVitConfig, vitWeightShapes } from '../src/engine/models/vit-config';
import type { ModelFamily } from '../src/engine/models/hooks';
import { PUBLIC_DIR } from '../src/cli/node-env';

/**
 * One random checkpoint per family for `npm run check:hf:prepare`: shapes and a config.json other
 * than the built-in ones' (other widths, depths and heads; T5 gated-GELU with an untied head), so
 * that transformers and our engine are compared on more than the checkpoints we trained. Weights
 * are random with a scale that keeps activations well above float32 noise; the tokenizer and
 * preprocessor files are the built-in ones (same vocabulary of 2048).
 */

const BUILT_IN: Record<ModelFamily, string> = { gpt2: 'tiny-gpt2', vit: 'tiny-vit', t5: 'tiny-t5' };
const EXTRA_FILES: Record<ModelFamily, string[]> = {
  gpt2: ['tokenizer.json', 'tokenizer_config.json'],
  vit: ['preprocessor_config.json'],
  t5: ['tokenizer.json', 'tokenizer_config.json'],
};

/** config.json of each random checkpoint: the built-in one's, with these fields changed. */
const OVERRIDES: Record<ModelFamily, Record<string, unknown>> = {
  gpt2: { n_layer: 2, n_embd: 64, n_head: 4, n_positions: 64, n_ctx: 64, initializer_range: 0.1 },
  vit: { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, initializer_range: 0.1, id2label: { 0: 'a', 1: 'b', 2: 'c' }, label2id: { a: 0, b: 1, c: 2 } },
  t5: {
    d_model: 64,
    d_kv: 16,
    d_ff: 96,
    num_layers: 2,
    num_decoder_layers: 3,
    num_heads: 4,
    feed_forward_proj: 'gated-gelu',
    dense_act_fn: 'gelu_new',
    is_gated_act: true,
    tie_word_embeddings: false,
  },
};

const NORM_WEIGHT = /(ln_\d|ln_f|layernorm(_before|_after)?|layer_norm|final_layer_norm)\.weight$/;

function weightShapes(family: ModelFamily, config: Record<string, unknown>): Map<string, number[]> {
  if (family === 'gpt2') return new Map([...gpt2WeightShapes(parseGpt2Config(config))].map(([name, shape]) => [`transformer.${name}`, shape]));
  if (family === 'vit') return vitWeightShapes(parseVitConfig(config));
  return t5WeightShapes(parseT5Config(config));
}

/** Writes `random-<family>` under `dir`; returns its folder. */
export async function writeRandomCheckpoint(dir: string, family: ModelFamily, seed: number): Promise<string> {
  const source = path.join(PUBLIC_DIR, 'models', BUILT_IN[family]);
  const config = { ...(JSON.parse(await readFile(path.join(source, 'config.json'), 'utf8')) as Record<string, unknown>), ...OVERRIDES[family] };
  const rng = createRng(seed);
  const entries = [...weightShapes(family, config)].map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const stream = rng.fork(name);
    // Norm weights near 1, everything else N(0, 0.1²): random, but the logits stay in a sane range.
    const data = Float32Array.from({ length: size }, () => (NORM_WEIGHT.test(name) ? 1 + 0.1 * stream.normal() : 0.1 * stream.normal()));
    return { name, dtype: 'F32' as const, shape, data };
  });
  const out = path.join(dir, `random-${family}`);
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  await writeFile(path.join(out, 'model.safetensors'), writeSafetensors(entries, { format: 'pt' }));
  for (const file of EXTRA_FILES[family]) await copyFile(path.join(source, file), path.join(out, file));
  return out;
}

/** Copies a built-in checkpoint (so the folder travels to a machine without this repo). */
export async function copyBuiltInCheckpoint(dir: string, family: ModelFamily): Promise<string> {
  const name = BUILT_IN[family];
  const source = path.join(PUBLIC_DIR, 'models', name);
  const out = path.join(dir, name);
  await mkdir(out, { recursive: true });
  for (const file of ['config.json', 'model.safetensors', ...EXTRA_FILES[family]]) await copyFile(path.join(source, file), path.join(out, file));
  return out;
}
