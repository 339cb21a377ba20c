import { describe, it, expect, beforeAll } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { gpt2WeightShapes, parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { Gpt2Model, ModelLoadError } from '../../src/engine/models/gpt2';
import type { HostTensor } from '../../src/engine/io/safetensors';
import { writeSafetensors } from '../../src/engine/io/safetensors';
import { parseAdapterFiles } from '../../src/engine/methods/adapter-files';

beforeAll(async () => {
  await useWasmBackend();
});

const config = parseGpt2Config({ model_type: 'gpt2', vocab_size: 30, n_positions: 8, n_embd: 8, n_layer: 1, n_head: 2 });

function weights(): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of gpt2WeightShapes(config)) {
    out.set(name, { dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01) });
  }
  return out;
}

describe('checkpoints that do not match their config are refused', () => {
  it('an extra layer (config says 1, weights have 2) names the tensor, loads nothing', () => {
    const w = weights();
    w.set('h.1.ln_1.weight', { dtype: 'F32', shape: [8], data: new Float32Array(8) });
    const before = tf.memory().numTensors;
    expect(() => Gpt2Model.fromWeights(config, w)).toThrow(ModelLoadError);
    expect(() => Gpt2Model.fromWeights(config, w)).toThrow(/unexpected tensor "h\.1\.ln_1\.weight"/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a NaN or infinite weight names the tensor and the element', () => {
    const w = weights();
    w.get('h.0.mlp.c_fc.weight')!.data[5] = Number.NaN;
    expect(() => Gpt2Model.fromWeights(config, w)).toThrow(/"h\.0\.mlp\.c_fc\.weight" element 5 is NaN/);
    const v = weights();
    v.get('wpe.weight')!.data[0] = Number.POSITIVE_INFINITY;
    expect(() => Gpt2Model.fromWeights(config, v)).toThrow(/"wpe\.weight" element 0 is Infinity/);
  });

  it('a tied lm_head copy and an old classifier head are tolerated', () => {
    const w = weights();
    w.set('lm_head.weight', w.get('wte.weight')!);
    w.set('score.weight', { dtype: 'F32', shape: [2, 8], data: new Float32Array(16) });
    const model = Gpt2Model.fromWeights(config, w);
    model.dispose();
  });
});

describe('adapter configs with an inconsistent task are refused', () => {
  const tensors = writeSafetensors([{ name: 'prompt_embeddings', dtype: 'F32', shape: [1, 8], data: new Float32Array(8) }]);
  const block = (task: Record<string, unknown>) =>
    JSON.stringify({ peft_type: 'PROMPT_TUNING', peft_playground: { version: 1, method: 'prompt', options: { length: 1 }, task } });

  for (const [what, task] of [
    ['numLabels differs from the labels', { id: 'spam', kind: 'classify', numLabels: 3, labels: ['ham', 'spam'] }],
    ['a classifier with one label', { id: 'spam', kind: 'classify', numLabels: 1, labels: ['ham'] }],
    ['language modelling with labels', { id: 'lm-spam', kind: 'lm', numLabels: 2, labels: [] }],
  ] as const) {
    it(what, () => {
      expect(() => parseAdapterFiles(block(task), tensors)).toThrow(/peft_playground\.task/);
    });
  }

  it('a consistent one parses', () => {
    const parsed = parseAdapterFiles(block({ id: 'spam', kind: 'classify', numLabels: 2, labels: ['ham', 'spam'] }), tensors);
    expect(parsed.description.task.numLabels).toBe(2);
  });
});
