import { createRng } from '../data/rng';
import type { BaseCheckpoint } from '../experiment/base-model';
import type { FileSource } from '../io/file-source';
import { writeSafetensors, type HostTensor } from '../io/safetensors';
import { gpt2ModelShape } from '../models/gpt2';
import { gpt2ConfigToJson, gpt2WeightShapes, parseGpt2Config } from '../models/gpt2-config';
import { loadTokenizer } from '../tokenize/tokenizer';

/** The sizes a benchmark picks; everything else is tiny-gpt2's (vocabulary 2048, no dropout). */
export interface RandomGpt2Size {
  hidden: number;
  layers: number;
  heads: number;
  positions: number;
}

async function readJson(source: FileSource, file: string): Promise<unknown> {
  const bytes = await source.read(file);
  if (!bytes) throw new Error(`${source.description}: ${file} not found`);
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * A GPT-2 of any size with random weights at Hugging Face's init scale, held in memory, with
 * tiny-gpt2's tokenizer read from `tokenizerSource`: for timing and memory, where the numerics
 * do not matter but the shapes must (tiny-gpt2's 128 positions cannot hold PT's 100 prompt
 * tokens plus 256 input tokens).
 */
export async function randomGpt2Checkpoint(size: RandomGpt2Size, tokenizerSource: FileSource, seed = 1): Promise<BaseCheckpoint> {
  const tokenizer = loadTokenizer((await readJson(tokenizerSource, 'tokenizer.json')) as Record<string, unknown>, (await readJson(tokenizerSource, 'tokenizer_config.json')) as Record<string, unknown>);
  const config = parseGpt2Config({
    model_type: 'gpt2',
    vocab_size: 2048,
    n_positions: size.positions,
    n_embd: size.hidden,
    n_layer: size.layers,
    n_head: size.heads,
    bos_token_id: 2047,
    eos_token_id: 2047,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
  });
  const rng = createRng(seed);
  const weights = new Map<string, HostTensor>();
  for (const [name, shape] of gpt2WeightShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) data.fill(1);
    else if (name.endsWith('.weight')) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * config.initializerRange;
    weights.set(name, { dtype: 'F32', shape, data });
  }
  const source = `random GPT-2 d=${size.hidden} L=${size.layers} heads=${size.heads} positions=${size.positions}`;
  return { source, model: { family: 'gpt2', config }, shape: gpt2ModelShape(config), weights, tokenizer, imageProcessor: null };
}

/**
 * A GPT-2 checkpoint's config.json and model.safetensors in Hugging Face's layout (GPT2LMHeadModel
 * names, `transformer.`-prefixed), so that another framework (the PyTorch peer) trains the very
 * same weights. The tokenizer files are the caller's to copy.
 */
export function gpt2CheckpointFiles(base: BaseCheckpoint): { 'config.json': Uint8Array; 'model.safetensors': Uint8Array } {
  if (base.model.family !== 'gpt2') throw new Error(`gpt2CheckpointFiles: a ${base.model.family} checkpoint`);
  const entries = [...base.weights].map(([name, t]) => ({ name: `transformer.${name}`, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }));
  return {
    'config.json': new TextEncoder().encode(JSON.stringify(gpt2ConfigToJson(base.model.config), null, 2) + '\n'),
    'model.safetensors': writeSafetensors(entries, { format: 'pt' }),
  };
}
