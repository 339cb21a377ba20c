import { describe, it, expect } from 'vitest';
import { CheckpointError, loadCheckpointFiles, type CheckpointProgress } from '../../src/engine/io/checkpoint';
import { memorySource, type FileSource } from '../../src/engine/io/file-source';
import { writeSafetensors } from '../../src/engine/io/safetensors';

const config = JSON.stringify({ model_type: 'gpt2', n_layer: 1 });
const tokenizer = JSON.stringify({ version: '1.0', model: { type: 'BPE' } });

function f32(name: string, values: number[]) {
  return { name, dtype: 'F32' as const, shape: [values.length], data: new Float32Array(values) };
}

const shard1 = writeSafetensors([f32('wte.weight', [1, 2]), f32('h.0.ln_1.weight', [3])]);
const shard2 = writeSafetensors([f32('ln_f.weight', [4, 5, 6])]);
const index = JSON.stringify({
  metadata: { total_size: 24 },
  weight_map: {
    'wte.weight': 'model-00001-of-00002.safetensors',
    'h.0.ln_1.weight': 'model-00001-of-00002.safetensors',
    'ln_f.weight': 'model-00002-of-00002.safetensors',
  },
});
const sharded = {
  'config.json': config,
  'model.safetensors.index.json': index,
  'model-00001-of-00002.safetensors': shard1,
  'model-00002-of-00002.safetensors': shard2,
};

async function expectCheckpointError(promise: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as CheckpointError).file).toBe(file);
  expect((err as CheckpointError).message).toMatch(pattern);
}

function indexWith(weightMap: Record<string, string>): string {
  return JSON.stringify({ metadata: {}, weight_map: weightMap });
}

describe('loadCheckpointFiles', () => {
  it('loads a single-file checkpoint with tokenizer files', async () => {
    const files = await loadCheckpointFiles(
      memorySource(
        {
          'config.json': config,
          'model.safetensors': writeSafetensors([f32('wte.weight', [1, 2])]),
          'tokenizer.json': tokenizer,
          'tokenizer_config.json': '{"model_max_length": 1024}',
        },
        'test checkpoint',
      ),
      { requireTokenizer: true },
    );
    expect(files.config).toEqual({ model_type: 'gpt2', n_layer: 1 });
    expect(Array.from(files.weights.get('wte.weight')!.data)).toEqual([1, 2]);
    expect(files.tokenizerJson).toEqual(JSON.parse(tokenizer));
    expect(files.tokenizerConfig).toEqual({ model_max_length: 1024 });
    expect(files.source).toBe('test checkpoint');
  });

  it('loads a sharded checkpoint (2 shards), reading each shard once, with progress', async () => {
    const base = memorySource(sharded);
    const reads: string[] = [];
    const counting: FileSource = {
      description: base.description,
      read: (path, onProgress) => {
        reads.push(path);
        return base.read(path, onProgress);
      },
    };
    const progress: CheckpointProgress[] = [];
    const files = await loadCheckpointFiles(counting, { onProgress: (p) => progress.push(p) });
    expect([...files.weights.keys()].sort()).toEqual(['h.0.ln_1.weight', 'ln_f.weight', 'wte.weight']);
    expect(Array.from(files.weights.get('ln_f.weight')!.data)).toEqual([4, 5, 6]);
    expect(files.tokenizerJson).toBeNull();
    expect(files.tokenizerConfig).toBeNull();
    expect(reads.filter((r) => r.startsWith('model-'))).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const shardDone = progress.find((p) => p.file === 'model-00002-of-00002.safetensors');
    expect(shardDone).toEqual({ file: 'model-00002-of-00002.safetensors', loadedBytes: shard2.length, totalBytes: shard2.length });
  });

  it('refuses a missing shard', async () => {
    const files = { ...sharded } as Record<string, Uint8Array | string>;
    delete files['model-00002-of-00002.safetensors'];
    await expectCheckpointError(loadCheckpointFiles(memorySource(files)), 'model-00002-of-00002.safetensors', /listed in model.safetensors.index.json but not found/);
  });

  it('refuses a tensor missing from its shard', async () => {
    const files = {
      ...sharded,
      'model.safetensors.index.json': indexWith({
        'wte.weight': 'model-00001-of-00002.safetensors',
        'wpe.weight': 'model-00002-of-00002.safetensors',
      }),
    };
    await expectCheckpointError(loadCheckpointFiles(memorySource(files)), 'model-00002-of-00002.safetensors', /tensor "wpe.weight" is assigned to this shard .* but is not in it/);
  });

  it('refuses a tensor present in two shards', async () => {
    const files = { ...sharded, 'model-00002-of-00002.safetensors': writeSafetensors([f32('ln_f.weight', [4, 5, 6]), f32('wte.weight', [9, 9])]) };
    await expectCheckpointError(loadCheckpointFiles(memorySource(files)), 'model-00002-of-00002.safetensors', /tensor "wte.weight" also appears in shard model-00001-of-00002.safetensors/);
  });

  it.each(['../secret.safetensors', '/etc/model.safetensors', 'https://evil.example/x.safetensors', 'a/../../b.safetensors', 'pytorch_model.bin', 'C:\\x.safetensors'])(
    'refuses shard name %s',
    async (shard) => {
      const files = { ...sharded, 'model.safetensors.index.json': indexWith({ 'wte.weight': shard }) };
      await expectCheckpointError(loadCheckpointFiles(memorySource(files)), 'model.safetensors.index.json', /refused, shard files must be plain relative/);
    },
  );

  it('refuses a pickle-only folder with the explanation', async () => {
    const files = { 'config.json': config, 'pytorch_model.bin': new Uint8Array([0x80, 0x02]) };
    await expectCheckpointError(
      loadCheckpointFiles(memorySource(files)),
      'model.safetensors',
      /has pytorch_model\.bin instead — refused: pickle files can execute code; convert to safetensors/,
    );
  });

  it('explains when there are no weights at all', async () => {
    await expectCheckpointError(loadCheckpointFiles(memorySource({ 'config.json': config }, 'empty dir')), 'model.safetensors', /neither model.safetensors nor model.safetensors.index.json found in empty dir/);
  });

  it('requires config.json, as a JSON object', async () => {
    await expectCheckpointError(loadCheckpointFiles(memorySource({}, 'nowhere')), 'config.json', /not found in nowhere/);
    await expectCheckpointError(loadCheckpointFiles(memorySource({ 'config.json': '{oops' })), 'config.json', /not valid UTF-8 JSON/);
    await expectCheckpointError(loadCheckpointFiles(memorySource({ 'config.json': '[1]' })), 'config.json', /must contain a JSON object/);
  });

  it('requires tokenizer.json only when asked, and rejects a broken one', async () => {
    const files = { 'config.json': config, 'model.safetensors': shard2 };
    await expect(loadCheckpointFiles(memorySource(files))).resolves.toMatchObject({ tokenizerJson: null });
    await expectCheckpointError(loadCheckpointFiles(memorySource(files), { requireTokenizer: true }), 'tokenizer.json', /not found/);
    await expectCheckpointError(loadCheckpointFiles(memorySource({ ...files, 'tokenizer.json': 'nope' })), 'tokenizer.json', /not valid/);
  });

  it('names the weights file when its safetensors are malformed', async () => {
    const bad = writeSafetensors([f32('wte.weight', [1, 2])]).slice(0, -4);
    await expectCheckpointError(
      loadCheckpointFiles(memorySource({ 'config.json': config, 'model.safetensors': bad })),
      'model.safetensors',
      /model.safetensors: tensor "wte.weight": data_offsets \[0, 8\] end beyond data section of 4 bytes/,
    );
  });
});
