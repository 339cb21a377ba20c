/**
 * Loads a checkpoint in the Hugging Face layout from any FileSource:
 *   config.json (required), model.safetensors or model.safetensors.index.json + shards,
 *   tokenizer.json and tokenizer_config.json (text models), preprocessor_config.json (images).
 * Everything is read and validated before anything is returned, so a caller never holds a
 * half-loaded checkpoint. Pickle checkpoints (pytorch_model.bin) are refused: unpickling runs
 * arbitrary code, and a checkpoint link is untrusted input.
 */
import type { FileSource } from './file-source';
import { readSafetensors, readSafetensorsHeader, SafetensorsError, type HostTensor } from './safetensors';

export interface CheckpointFiles {
  config: Record<string, unknown>;
  weights: Map<string, HostTensor>;
  tokenizerJson: Record<string, unknown> | null;
  tokenizerConfig: Record<string, unknown> | null;
  preprocessorConfig: Record<string, unknown> | null;
  /** The FileSource's description, for messages and provenance. */
  source: string;
}

export interface CheckpointProgress {
  file: string;
  loadedBytes: number;
  totalBytes?: number;
}

export interface LoadCheckpointOptions {
  onProgress?: (p: CheckpointProgress) => void;
  /**
   * When true, a missing tokenizer.json is an error (tokenizer_config.json stays optional); when
   * false, never (a text model run on token ids needs none). Unset: required when `inputsOf` is given.
   */
  requireTokenizer?: boolean;
  /**
   * What the model reads, decided from config.json once it is read: "text" requires
   * tokenizer.json (unless `requireTokenizer` is false), "image" requires preprocessor_config.json
   * (and reads no tokenizer).
   */
  inputsOf?: (config: Record<string, unknown>) => 'text' | 'image';
}

export class CheckpointError extends Error {
  /** The checkpoint file the problem is in (relative to the checkpoint root). */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'CheckpointError';
    this.file = file;
  }
}

const CONFIG = 'config.json';
const WEIGHTS = 'model.safetensors';
const WEIGHTS_INDEX = 'model.safetensors.index.json';
const TOKENIZER = 'tokenizer.json';
const TOKENIZER_CONFIG = 'tokenizer_config.json';
const PREPROCESSOR_CONFIG = 'preprocessor_config.json';
const PICKLE_FILES = ['pytorch_model.bin', 'pytorch_model.bin.index.json'];

export async function loadCheckpointFiles(
  source: FileSource,
  opts: LoadCheckpointOptions = {},
): Promise<CheckpointFiles> {
  const config = await readJsonObject(source, CONFIG, opts);
  if (config === null) throw new CheckpointError(CONFIG, `not found in ${source.description}`);
  // Tokenizer and preprocessor files are small: read them before the weights so that a missing
  // required one fails fast instead of after a large download.
  const inputs = opts.inputsOf?.(config) ?? 'text';
  let tokenizerJson: Record<string, unknown> | null = null;
  let tokenizerConfig: Record<string, unknown> | null = null;
  let preprocessorConfig: Record<string, unknown> | null = null;
  if (inputs === 'text') {
    tokenizerJson = await readJsonObject(source, TOKENIZER, opts);
    if (tokenizerJson === null && (opts.requireTokenizer ?? opts.inputsOf !== undefined)) {
      throw new CheckpointError(TOKENIZER, `not found in ${source.description} (a tokenizer is required here)`);
    }
    tokenizerConfig = await readJsonObject(source, TOKENIZER_CONFIG, opts);
  } else {
    preprocessorConfig = await readJsonObject(source, PREPROCESSOR_CONFIG, opts);
    if (preprocessorConfig === null) {
      throw new CheckpointError(PREPROCESSOR_CONFIG, `not found in ${source.description} (an image model needs it: image size, mean and std)`);
    }
  }
  const weights = await loadWeights(source, opts);
  return { config, weights, tokenizerJson, tokenizerConfig, preprocessorConfig, source: source.description };
}

async function readTracked(source: FileSource, file: string, opts: LoadCheckpointOptions): Promise<Uint8Array | null> {
  const { onProgress } = opts;
  if (onProgress === undefined) return source.read(file);
  let reported = -1;
  const bytes = await source.read(file, (loadedBytes, totalBytes) => {
    reported = loadedBytes;
    onProgress({ file, loadedBytes, totalBytes });
  });
  // Sources need not report progress; every file read still ends with one complete event.
  if (bytes !== null && reported !== bytes.length) {
    onProgress({ file, loadedBytes: bytes.length, totalBytes: bytes.length });
  }
  return bytes;
}

/** null when the file is missing; throws when it exists but is not a JSON object. */
async function readJsonObject(
  source: FileSource,
  file: string,
  opts: LoadCheckpointOptions,
): Promise<Record<string, unknown> | null> {
  const bytes = await readTracked(source, file, opts);
  if (bytes === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CheckpointError(file, `is not valid UTF-8 JSON: ${reason}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CheckpointError(file, 'must contain a JSON object');
  }
  return parsed as Record<string, unknown>;
}

async function exists(source: FileSource, file: string): Promise<boolean> {
  return source.exists ? source.exists(file) : (await source.read(file)) !== null;
}

async function loadWeights(source: FileSource, opts: LoadCheckpointOptions): Promise<Map<string, HostTensor>> {
  const single = await readTracked(source, WEIGHTS, opts);
  if (single !== null) return parseSafetensors(WEIGHTS, single).tensors;

  const index = await readJsonObject(source, WEIGHTS_INDEX, opts);
  if (index !== null) return loadShards(source, parseWeightMap(index), opts);

  for (const pickle of PICKLE_FILES) {
    if (await exists(source, pickle)) {
      throw new CheckpointError(
        WEIGHTS,
        `not found in ${source.description}, which has ${pickle} instead — refused: pickle files ` +
          `can execute code; convert to safetensors (e.g. load with transformers and call ` +
          `save_pretrained(dir, safe_serialization=True))`,
      );
    }
  }
  throw new CheckpointError(WEIGHTS, `neither ${WEIGHTS} nor ${WEIGHTS_INDEX} found in ${source.description}`);
}

function parseSafetensors(
  file: string,
  bytes: Uint8Array,
  only?: (name: string) => boolean,
): { tensors: Map<string, HostTensor>; names: string[] } {
  try {
    const names = readSafetensorsHeader(bytes).entries.map((e) => e.name);
    return { tensors: readSafetensors(bytes, only ? { only } : {}).tensors, names };
  } catch (err) {
    if (err instanceof SafetensorsError) throw new CheckpointError(file, err.message, { cause: err });
    throw err;
  }
}

/** weight_map as shard file → tensor names (in first-mention order). */
function parseWeightMap(index: Record<string, unknown>): Map<string, string[]> {
  const weightMap = index.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new CheckpointError(WEIGHTS_INDEX, '"weight_map" must be an object {tensorName: shardFile}');
  }
  const shards = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string') {
      throw new CheckpointError(WEIGHTS_INDEX, `weight_map["${tensor}"] must be a shard file name, got ${JSON.stringify(shard)}`);
    }
    checkShardName(shard, tensor);
    const names = shards.get(shard) ?? [];
    names.push(tensor);
    shards.set(shard, names);
  }
  if (shards.size === 0) throw new CheckpointError(WEIGHTS_INDEX, 'weight_map lists no tensors');
  return shards;
}

/**
 * A shard name comes from an untrusted file and becomes a path or URL: allow only a relative
 * `.safetensors` path inside the checkpoint (no "..", no leading "/", no scheme, query or
 * fragment), so an index cannot make us read elsewhere or load a pickle.
 */
function checkShardName(shard: string, tensor: string): void {
  const segments = shard.split('/');
  const bad =
    !shard.endsWith('.safetensors') ||
    shard.startsWith('/') ||
    /^[a-z][a-z0-9+.-]*:/i.test(shard) ||
    /[\\?#%\0-\x1f]/.test(shard) ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw new CheckpointError(
      WEIGHTS_INDEX,
      `weight_map["${tensor}"] names shard ${JSON.stringify(shard)}: refused, shard files must be ` +
        `plain relative .safetensors paths inside the checkpoint (no "..", leading "/" or URL)`,
    );
  }
}

async function loadShards(
  source: FileSource,
  shards: Map<string, string[]>,
  opts: LoadCheckpointOptions,
): Promise<Map<string, HostTensor>> {
  const weights = new Map<string, HostTensor>();
  const shardOf = new Map<string, string>(); // every tensor seen in any shard → its shard
  for (const [shard, wanted] of shards) {
    const bytes = await readTracked(source, shard, opts);
    if (bytes === null) {
      throw new CheckpointError(shard, `listed in ${WEIGHTS_INDEX} but not found in ${source.description}`);
    }
    const wantedSet = new Set(wanted);
    const { tensors, names } = parseSafetensors(shard, bytes, (name) => wantedSet.has(name));
    for (const name of names) {
      const other = shardOf.get(name);
      // Two copies of a tensor make "which one is loaded" an accident of file order.
      if (other !== undefined) throw new CheckpointError(shard, `tensor "${name}" also appears in shard ${other}`);
      shardOf.set(name, shard);
    }
    for (const name of wanted) {
      const tensor = tensors.get(name);
      if (tensor === undefined) {
        throw new CheckpointError(shard, `tensor "${name}" is assigned to this shard by ${WEIGHTS_INDEX} but is not in it`);
      }
      weights.set(name, tensor);
    }
  }
  return weights;
}
