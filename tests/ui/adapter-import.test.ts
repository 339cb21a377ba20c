import { beforeAll, describe, expect, it } from 'vitest';
import { unzipSync, zipSync, strToU8 } from 'fflate';
import { useWasmBackend } from '../engine/node-backend';
import { createRng } from '../../src/engine/data/rng';
import { Gpt2Model } from '../../src/engine/models/gpt2';
import { adapterToFiles } from '../../src/engine/methods/adapter-files';
import { adapterFromChosenFiles, readAdapterZip } from '../../src/engine/methods/adapter-package';
import { methodByName, resolveMethodConfig } from '../../src/engine/methods/registry';
import { AdapterError, type TaskShape } from '../../src/engine/methods/types';
import { createTaskHead } from '../../src/engine/train/task-head';
import { DEFAULT_SPEC, parseExperimentSpec } from '../../src/engine/experiment/spec';
import { adapterDownload, adapterZipName, readChosenAdapter, specForAdapter } from '../../src/ui/adapter-import';
import { tinyConfig } from '../engine/tiny';

/**
 * The app's adapter files: the downloaded zip holds exactly the two files the CLI writes, and
 * what a user chooses is read whole or refused with a reason (never half-read).
 */

let files: { config: string; weights: Uint8Array };

beforeAll(async () => {
  await useWasmBackend();
  // A LoRA adapter for the spam task (2 labels) on a tiny GPT-2, as a run would export it.
  const model = Gpt2Model.randomInit(tinyConfig(), createRng(1));
  const task: TaskShape = { kind: 'classify', numLabels: 2, seqLen: 16 };
  const options = resolveMethodConfig('lora', { r: 2 }) as Record<string, unknown>;
  const method = methodByName('lora').attach(model, task, options, createRng(2));
  const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(3) });
  files = await adapterToFiles(method, head, { method: 'lora', options, task: { id: 'spam', kind: 'classify', numLabels: 2, seqLen: 16, labels: ['ham', 'spam'] }, baseModel: 'tiny-gpt2' });
  head.dispose();
  method.dispose();
  model.dispose();
});

const chosenZip = (bytes: Uint8Array, name = 'tiny-gpt2-spam-lora-adapter.zip') => [{ name, bytes }];

describe('the downloaded zip', () => {
  it('is named <model>-<task>-<method>-adapter.zip, from the last part of a folder or URL', () => {
    expect(adapterZipName('tiny-gpt2', 'spam', 'lora')).toBe('tiny-gpt2-spam-lora-adapter.zip');
    expect(adapterZipName('https://example.org/models/my gpt2/', 'lm-spam', 'deep-prompt')).toBe('my-gpt2-lm-spam-deep-prompt-adapter.zip');
  });

  it('holds exactly adapter_config.json and adapter_model.safetensors, byte for byte as the CLI writes them', () => {
    const entries = unzipSync(adapterDownload(files));
    expect(Object.keys(entries).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(new TextDecoder().decode(entries['adapter_config.json'])).toBe(files.config);
    expect(entries['adapter_model.safetensors']).toEqual(files.weights);
    expect(readAdapterZip(adapterDownload(files))).toEqual({ configText: files.config, weights: files.weights });
  });

  it('a zip of the adapter folder (files one level down) reads the same', () => {
    const zipped = zipSync({ 'my-adapter/adapter_config.json': strToU8(files.config), 'my-adapter/adapter_model.safetensors': files.weights, 'my-adapter/README.md': strToU8('hi') });
    expect(readAdapterZip(zipped)).toEqual({ configText: files.config, weights: files.weights });
  });
});

describe('reading what a user chose', () => {
  it('the zip, or the two files together, give the same adapter: method, options, task, base model', () => {
    const fromZip = readChosenAdapter(chosenZip(adapterDownload(files)), 'tiny-gpt2', 'gpt2');
    const fromPair = readChosenAdapter(
      [
        { name: 'adapter_model.safetensors', bytes: files.weights },
        { name: 'adapter_config.json', bytes: strToU8(files.config) },
      ],
      'tiny-gpt2',
      'gpt2',
    );
    expect(fromZip.description).toEqual(fromPair.description);
    expect(fromZip.description).toMatchObject({ method: 'lora', baseModel: 'tiny-gpt2', task: { id: 'spam', kind: 'classify', numLabels: 2, seqLen: 16 } });
    expect(fromZip.warnings).toEqual([]);
    expect([...fromZip.tensors.keys()]).toContain('base_model.model.score.weight');
    expect(fromPair.fileName).toBe('adapter_model.safetensors + adapter_config.json');
  });

  it('another base model is a warning that names both', () => {
    const read = readChosenAdapter(chosenZip(adapterDownload(files)), 'https://example.org/gpt2-other', 'gpt2');
    expect(read.warnings).toHaveLength(1);
    expect(read.warnings[0]).toMatch(/"tiny-gpt2".*"https:\/\/example\.org\/gpt2-other"/);
  });

  const refusals: Array<[string, () => unknown, RegExp]> = [
    ['a file that is not a zip', () => readChosenAdapter(chosenZip(strToU8('{"not": "a zip"}'), 'notes.zip'), 'tiny-gpt2', 'gpt2'), /notes\.zip is not a zip file/],
    [
      'a zip cut short',
      () => readChosenAdapter(chosenZip(adapterDownload(files).subarray(0, 200), 'cut.zip'), 'tiny-gpt2', 'gpt2'),
      /cut\.zip is not a readable zip/,
    ],
    [
      'a zip without the weights names what it holds',
      () => readChosenAdapter(chosenZip(zipSync({ 'adapter_config.json': strToU8(files.config), 'notes.txt': strToU8('x') }), 'half.zip'), 'tiny-gpt2', 'gpt2'),
      /half\.zip holds no adapter_model\.safetensors \(it holds: adapter_config\.json, notes\.txt\)/,
    ],
    [
      'a config that is not JSON',
      () => readChosenAdapter(chosenZip(zipSync({ 'adapter_config.json': strToU8('{ nope'), 'adapter_model.safetensors': files.weights })), 'tiny-gpt2', 'gpt2'),
      /adapter_config\.json is not valid JSON/,
    ],
    [
      'a config without our block names the field',
      () =>
        readChosenAdapter(
          chosenZip(zipSync({ 'adapter_config.json': strToU8(JSON.stringify({ peft_type: 'LORA', r: 8 })), 'adapter_model.safetensors': files.weights })),
          'tiny-gpt2',
          'gpt2',
        ),
      /field "peft_playground\./,
    ],
    [
      'weights that are not safetensors',
      () => readChosenAdapter(chosenZip(zipSync({ 'adapter_config.json': strToU8(files.config), 'adapter_model.safetensors': new Uint8Array(4) })), 'tiny-gpt2', 'gpt2'),
      /adapter_model\.safetensors: file is 4 bytes/,
    ],
    ['only one of the two files', () => readChosenAdapter([{ name: 'adapter_config.json', bytes: strToU8(files.config) }], 'tiny-gpt2', 'gpt2'), /missing adapter_model\.safetensors/],
    ['a GPT-2 classification adapter on ViT', () => readChosenAdapter(chosenZip(adapterDownload(files)), 'tiny-vit', 'vit'), /trained for a classify task \("spam".*a vit model runs image-classify/],
    [
      'a task this app does not know',
      () => readChosenAdapter(chosenZip(adapterDownload({ ...files, config: files.config.replace('"id": "spam"', '"id": "no-such-task"') })), 'tiny-gpt2', 'gpt2'),
      /"no-such-task" is not a task this app knows/,
    ],
  ];
  it.each(refusals)('refuses %s, naming what is wrong', (_, read, message) => {
    expect(read).toThrow(AdapterError);
    expect(read).toThrow(message);
  });

  it('adapterFromChosenFiles refuses a third file instead of guessing', () => {
    expect(() =>
      adapterFromChosenFiles([
        { name: 'adapter_config.json', bytes: strToU8(files.config) },
        { name: 'adapter_model.safetensors', bytes: files.weights },
        { name: 'other.bin', bytes: new Uint8Array(1) },
      ]),
    ).toThrow(/choose one adapter \.zip, or the two files/);
  });
});

describe('the experiment that starts from an adapter', () => {
  it('takes the adapter’s method, options, task and input length, keeps the other settings, and the chosen steps', () => {
    const spec = parseExperimentSpec({ ...DEFAULT_SPEC, task: 'lm-spam', seqLen: 32, batchSize: 4 });
    const { description } = readChosenAdapter(chosenZip(adapterDownload(files)), 'tiny-gpt2', 'gpt2');
    const next = specForAdapter(spec, description, 0);
    expect(next.methods).toEqual([{ name: 'lora', options: description.options }]);
    expect([next.task, next.seqLen, next.steps, next.batchSize, next.seed]).toEqual(['spam', 16, 0, 4, spec.seed]);
    expect(specForAdapter(spec, description, 25).steps).toBe(25);
  });
});
