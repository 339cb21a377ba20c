import type { FileSource } from '../io/file-source';
import { loadCheckpointFiles, type CheckpointProgress } from '../io/checkpoint';
import type { HostTensor } from '../io/safetensors';
import { normalizeGpt2Names } from '../io/weight-names';
import { parseGpt2Config, type Gpt2Config } from '../models/gpt2-config';
import { gpt2ModelShape } from '../models/gpt2';
import type { ModelShape } from '../models/hooks';
import { loadTokenizer } from '../tokenize/tokenizer';
import type { TextTokenizer } from '../tokenize/types';

/**
 * A checkpoint held on the host: config, weights, tokenizer. Each run builds its own model
 * from it (full fine-tuning changes the weights; the other runs must not see that).
 */
export interface BaseCheckpoint {
  source: string;
  config: Gpt2Config;
  shape: ModelShape;
  weights: Map<string, HostTensor>;
  tokenizer: TextTokenizer;
}

export async function loadBaseCheckpoint(source: FileSource, onProgress?: (p: CheckpointProgress) => void): Promise<BaseCheckpoint> {
  const files = await loadCheckpointFiles(source, { requireTokenizer: true, ...(onProgress ? { onProgress } : {}) });
  const config = parseGpt2Config(files.config);
  const tokenizer = loadTokenizer(files.tokenizerJson!, files.tokenizerConfig);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(`${source.description}: tokenizer has ${tokenizer.vocabSize} tokens but config.json vocab_size is ${config.vocabSize}`);
  }
  return { source: source.description, config, shape: gpt2ModelShape(config), weights: normalizeGpt2Names(files.weights), tokenizer };
}

/** Config-only view for parameter counts without loading weights. */
export async function loadModelShape(source: FileSource): Promise<{ config: Gpt2Config; shape: ModelShape }> {
  const bytes = await source.read('config.json');
  if (!bytes) throw new Error(`${source.description}: config.json not found`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${source.description}: config.json is not valid JSON (${(error as Error).message})`);
  }
  const config = parseGpt2Config(json);
  return { config, shape: gpt2ModelShape(config) };
}
