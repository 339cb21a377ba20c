import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METHOD_INFOS, METHOD_NAMES, methodInfo, resolveMethodConfig } from '../../src/engine/methods/catalog';
import { METHODS, methodByName } from '../../src/engine/methods/registry';
import * as pure from '../../src/engine/io/model-config';
import * as families from '../../src/engine/models/families';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import { BUILT_IN_MODELS } from '../../src/engine/experiment/built-in-models';
import { BROWSER_BACKEND_ORDER } from '../../src/engine/backend';
import { BROWSER_BACKEND_ORDER as PAGE_BACKEND_ORDER, backendOrderFromQuery } from '../../src/ui/backend-order';
import type { HostTensor } from '../../src/engine/io/safetensors';

/**
 * The pure layer (what the page imports, no tfjs) and the tensor layer describe the same
 * methods and models: the tensor registry is the catalog plus `attach`, and where the pure layer
 * restates something the tensor side still defines (models/ and backend.ts are not split yet),
 * the two must agree.
 */

describe('methods: the catalog and the registry', () => {
  it('list the same methods in the same order, each registry entry built on its catalog entry', () => {
    expect(METHODS.map((m) => m.name)).toEqual(METHOD_NAMES);
    METHOD_INFOS.forEach((info, i) => {
      const method = METHODS[i];
      // The tensor side spreads the info: the very same schema, defaults and formulas.
      expect(method.schema).toBe(info.schema);
      expect(method.defaults).toBe(info.defaults);
      expect(method.trainableParams).toBe(info.trainableParams);
      expect(method.paramPlacement).toBe(info.paramPlacement);
      expect(method.unsupportedReason).toBe(info.unsupportedReason);
      expect(method.storedBytes).toBe(info.storedBytes);
      expect(typeof method.attach).toBe('function');
      expect('attach' in info).toBe(false);
      expect(methodInfo(info.name)).toBe(info);
      expect(methodByName(info.name)).toBe(method);
    });
  });

  it('resolve options the same way and name unknown methods and bad fields', () => {
    expect(resolveMethodConfig('lora', { r: 4 })).toEqual({ r: 4, alpha: 16, dropout: 0, targets: ['q', 'v'] });
    expect(() => methodInfo('evil')).toThrow(/unknown method "evil"/);
    expect(() => resolveMethodConfig('lora', { r: 0 })).toThrow(/lora\.r/);
  });
});

const builtInConfigs = BUILT_IN_MODELS.map((m) => ({ id: m.id, json: JSON.parse(readFileSync(new URL(`../../public/models/${m.id}/config.json`, import.meta.url), 'utf8')) as unknown }));
// Other sizes of each family, with the optional fields a real checkpoint varies.
const otherConfigs: Array<{ id: string; json: unknown }> = [
  { id: 'gpt2 n_inner', json: { model_type: 'gpt2', vocab_size: 300, n_positions: 64, n_embd: 48, n_layer: 3, n_head: 4, n_inner: 100 } },
  { id: 'vit 32px', json: { model_type: 'vit', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, image_size: 32, patch_size: 8, num_channels: 1, id2label: { 0: 'a', 1: 'b' } } },
  { id: 't5 gated', json: { model_type: 't5', vocab_size: 200, d_model: 32, d_kv: 8, d_ff: 64, num_layers: 2, num_decoder_layers: 3, num_heads: 4, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false } },
];

describe('models: io/model-config.ts (pure) and models/families.ts', () => {
  it('have the same family table', () => {
    expect(pure.MODEL_FAMILIES).toEqual(families.MODEL_FAMILIES);
    for (const value of ['gpt2', 'vit', 't5', 'llama', '__proto__', 7]) expect(pure.isModelFamily(value)).toBe(families.isModelFamily(value));
  });

  it.each([...builtInConfigs, ...otherConfigs])('parse $id to the same config, shape and input length', ({ json }) => {
    const config = pure.parseModelConfig(json);
    expect(config).toEqual(families.parseModelConfig(json));
    expect(pure.modelShapeOf(config)).toEqual(families.modelShapeOf(config));
    expect(pure.fixedInputLength(config)).toEqual(families.fixedInputLength(config));
    if (config.family === 'gpt2') expect(pure.gpt2ModelShape(config.config)).toEqual(gpt2ModelShape(config.config));
    const weights = new Map<string, HostTensor>([['transformer.wte.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) }]]);
    expect([...pure.normalizeWeightNames(config, weights).keys()]).toEqual([...families.normalizeWeightNames(config, weights).keys()]);
  });

  it('refuse the same unsupported configs with the same message', () => {
    for (const json of [{ model_type: 'llama' }, null, 'gpt2', {}]) {
      expect(() => pure.parseModelConfig(json)).toThrow();
      let message = '';
      try {
        families.parseModelConfig(json);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(() => pure.parseModelConfig(json)).toThrow(message);
    }
  });
});

describe('backends: the page restates the browser order', () => {
  it('as engine/backend.ts has it', () => {
    expect(PAGE_BACKEND_ORDER).toEqual(BROWSER_BACKEND_ORDER);
    expect(backendOrderFromQuery('?backend=wasm')).toEqual(['wasm', 'cpu']);
  });
});
