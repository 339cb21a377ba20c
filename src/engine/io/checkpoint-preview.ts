/**
 * What a checkpoint is before its weights are downloaded: the family and parameter count from
 * config.json (a few hundred bytes), and the download size from a HEAD of model.safetensors or
 * the sharded index's `metadata.total_size`. The UI shows this and asks before fetching 500 MB.
 */
import { CheckpointError } from './checkpoint';
import type { FileSource } from './file-source';
import { MODEL_FAMILIES, modelShapeOf, parseModelConfig, type ModelConfig } from './model-config';
import type { ModelFamily } from '../models/hooks';

export interface CheckpointPreview {
  family: ModelFamily;
  /** "GPT-2", "T5", "ViT". */
  familyTitle: string;
  model: ModelConfig;
  totalParams: number;
  /** Bytes of weights to download; null when the source cannot say without downloading them. */
  weightBytes: number | null;
  /** The weight files a load will download (model.safetensors, or the shards of the index). */
  files: string[];
}

const WEIGHTS = 'model.safetensors';
const WEIGHTS_INDEX = 'model.safetensors.index.json';

function parseJsonObject(file: string, bytes: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new CheckpointError(file, `is not valid UTF-8 JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CheckpointError(file, 'must contain a JSON object');
  return parsed as Record<string, unknown>;
}

/** Reads config.json (refusing unsupported architectures by name) and sizes the weights. */
export async function checkpointPreview(source: FileSource): Promise<CheckpointPreview> {
  const configBytes = await source.read('config.json');
  if (configBytes === null) throw new CheckpointError('config.json', `not found in ${source.description}`);
  const model = parseModelConfig(parseJsonObject('config.json', configBytes));
  const { totalParams } = modelShapeOf(model);
  const preview = { family: model.family, familyTitle: MODEL_FAMILIES[model.family].title, model, totalParams };

  const single = source.size ? await source.size(WEIGHTS) : null;
  if (single !== null) return { ...preview, weightBytes: single, files: [WEIGHTS] };

  const indexBytes = await source.read(WEIGHTS_INDEX);
  if (indexBytes !== null) {
    const index = parseJsonObject(WEIGHTS_INDEX, indexBytes);
    const weightMap = index.weight_map;
    const shards = typeof weightMap === 'object' && weightMap !== null ? [...new Set(Object.values(weightMap).filter((v): v is string => typeof v === 'string'))] : [];
    const metadata = index.metadata as Record<string, unknown> | undefined;
    const total = metadata?.total_size;
    const weightBytes = typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : null;
    return { ...preview, weightBytes, files: shards };
  }
  // No size method (memory, folder): whether model.safetensors exists is all we can say cheaply.
  const exists = source.exists ? await source.exists(WEIGHTS) : false;
  return { ...preview, weightBytes: null, files: exists ? [WEIGHTS] : [] };
}
