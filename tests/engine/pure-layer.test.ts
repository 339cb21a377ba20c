import { describe, expect, it } from 'vitest';
import { METHOD_INFOS, METHOD_NAMES, methodInfo, resolveMethodConfig } from '../../src/engine/methods/catalog';
import { METHODS, methodByName } from '../../src/engine/methods/registry';
import * as pure from '../../src/engine/io/model-config';
import * as families from '../../src/engine/models/families';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import { gpt2ModelShape as pureGpt2ModelShape } from '../../src/engine/models/gpt2-config';
import { BROWSER_BACKEND_ORDER } from '../../src/engine/backend';
import { BROWSER_BACKEND_ORDER as PAGE_BACKEND_ORDER, backendOrderFromQuery } from '../../src/ui/backend-order';

/**
 * The pure layer (what the page imports, no tfjs) and the tensor layer describe the same
 * methods and models: the tensor registry is the catalog plus `attach`, and where the pure layer
 * restates something the tensor side defines (the page's backend order), the two must agree.
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

describe('models: models/families.ts is io/model-config.ts (pure) plus the model classes', () => {
  it('re-exports the config side itself, so the page and the engine parse and size checkpoints with the same code', () => {
    expect(families.MODEL_FAMILIES).toBe(pure.MODEL_FAMILIES);
    expect(families.parseModelConfig).toBe(pure.parseModelConfig);
    expect(families.modelShapeOf).toBe(pure.modelShapeOf);
    expect(families.fixedInputLength).toBe(pure.fixedInputLength);
    expect(families.normalizeWeightNames).toBe(pure.normalizeWeightNames);
    expect(gpt2ModelShape).toBe(pureGpt2ModelShape);
  });
});

describe('backends: the page restates the browser order', () => {
  it('as engine/backend.ts has it', () => {
    expect(PAGE_BACKEND_ORDER).toEqual(BROWSER_BACKEND_ORDER);
    expect(backendOrderFromQuery('?backend=wasm')).toEqual(['wasm', 'cpu']);
  });
});
