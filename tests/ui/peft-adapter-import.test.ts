import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { PUBLIC_DIR } from '../../src/cli/node-env';
import { modelShapeOf, parseModelConfig } from '../../src/engine/io/model-config';
import { DEFAULT_SPEC } from '../../src/engine/experiment/spec';
import { readChosenAdapter, specForAdapter } from '../../src/ui/adapter-import';
import { adapterFileBytes, peftLoraConfig, peftLoraTensors, randomLoraPairs } from '../engine/peft-fixtures';

/**
 * The app's "Start from an adapter" with a zip of what PEFT's save_pretrained writes: read from
 * its config alone against the selected model's shape (pure code, as the page runs it); the file
 * names no task of ours, so the selected one is used when the model poses it as the file's kind.
 */
const shape = modelShapeOf(parseModelConfig(JSON.parse(readFileSync(path.join(PUBLIC_DIR, 'models', 'tiny-gpt2', 'config.json'), 'utf8'))));
const pairs = randomLoraPairs([0, 1, 2, 3].map((layer) => ({ path: `transformer.h.${layer}.attn.c_attn`, inF: 128, outF: 384, rank: 4 })), 2);
const files = adapterFileBytes(peftLoraConfig({ r: 4, lora_alpha: 8, task_type: 'SEQ_CLS', modules_to_save: ['classifier', 'score'] }), [
  ...peftLoraTensors(pairs),
  { name: 'base_model.model.score.weight', dtype: 'F32', shape: [2, 128], data: new Float32Array(256).fill(0.01) },
]);
const chosen = [{ name: 'gpt2-peft-lora.zip', bytes: zipSync({ 'adapter_config.json': strToU8(files.config), 'adapter_model.safetensors': files.weights }) }];

describe('a PEFT-made adapter chosen in the app', () => {
  it('becomes a LoRA on c_attn for the selected classification task', () => {
    const adapter = readChosenAdapter(chosen, 'tiny-gpt2', 'gpt2', { shape, taskId: 'spam' });
    expect(adapter.description).toMatchObject({ method: 'lora', options: { r: 4, alpha: 8, targets: ['c_attn'] }, task: { id: 'spam', kind: 'classify', numLabels: 2 }, peft: { peftType: 'LORA', taskType: 'SEQ_CLS' } });
    expect(adapter.tensors.has('base_model.model.score.weight')).toBe(true);
    const spec = specForAdapter({ ...DEFAULT_SPEC, task: 'spam' }, adapter.description, 0);
    expect(spec.methods).toEqual([{ name: 'lora', options: { r: 4, alpha: 8, dropout: 0.05, targets: ['c_attn'] } }]);
  });

  it('with a task of another kind selected, names the kind and the tasks that fit', () => {
    expect(() => readChosenAdapter(chosen, 'tiny-gpt2', 'gpt2', { shape, taskId: 'lm-spam' })).toThrow(/written by PEFT \(peft_type LORA, task_type SEQ_CLS\).*select a classify task with 2 labels first \(spam, sotu-party\)/);
  });

  it('a field that does not map is named before anything changes', () => {
    const dora = adapterFileBytes(peftLoraConfig({ r: 4, use_dora: true }), peftLoraTensors(pairs));
    const zip = [{ name: 'dora.zip', bytes: zipSync({ 'adapter_config.json': strToU8(dora.config), 'adapter_model.safetensors': dora.weights }) }];
    expect(() => readChosenAdapter(zip, 'tiny-gpt2', 'gpt2', { shape, taskId: 'lm-spam' })).toThrow(/field "use_dora"/);
  });
});
