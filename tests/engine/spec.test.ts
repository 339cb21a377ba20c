import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, SPEC_VERSION, SpecError, parseExperimentSpec } from '../../src/engine/experiment/spec';

/** The SpecError a spec gives, or fails the test if it parses. */
function specError(json: unknown): SpecError {
  try {
    parseExperimentSpec(json);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return error as SpecError;
  }
  return expect.fail(`spec ${JSON.stringify(json)} was accepted`);
}

describe('parseExperimentSpec: defaults', () => {
  it('an empty spec is the default spec, with every method option filled in', () => {
    const spec = parseExperimentSpec({});
    expect({ ...spec, methods: undefined }).toEqual({ ...DEFAULT_SPEC, methods: undefined });
    expect(spec.version).toBe(SPEC_VERSION);
    expect(spec.methods).toEqual([
      { name: 'full', options: {} },
      { name: 'prompt', options: { length: 20, init: 'vocab' } },
      { name: 'lora', options: { r: 8, alpha: 16, dropout: 0, targets: ['q', 'v'] } },
    ]);
  });

  it('a partial spec keeps its fields and takes the rest (nested ones too) from the defaults', () => {
    const spec = parseExperimentSpec({
      version: 1,
      task: 'sotu',
      steps: 10,
      optimizer: { lr: { lora: 1e-3 }, clipNorm: null },
      schedule: { kind: 'cosine' },
      methods: [{ name: 'lora', options: { r: 4, targets: ['q', 'k', 'v'] } }, { name: 'head' }],
    });
    expect(spec.task).toBe('sotu');
    expect(spec.steps).toBe(10);
    expect(spec.model).toBe(DEFAULT_SPEC.model);
    expect(spec.seed).toBe(DEFAULT_SPEC.seed);
    expect(spec.optimizer).toEqual({ ...DEFAULT_SPEC.optimizer, lr: { ...DEFAULT_SPEC.optimizer.lr, lora: 1e-3 }, clipNorm: null });
    expect(spec.schedule).toEqual({ kind: 'cosine', warmupSteps: DEFAULT_SPEC.schedule.warmupSteps });
    expect(spec.eval).toEqual(DEFAULT_SPEC.eval);
    // Arrays replace: exactly the two methods given, options completed by each method's defaults.
    expect(spec.methods).toEqual([
      { name: 'lora', options: { r: 4, alpha: 16, dropout: 0, targets: ['q', 'k', 'v'] } },
      { name: 'head', options: {} },
    ]);
  });

  it('does not modify the defaults or its input', () => {
    const defaults = JSON.parse(JSON.stringify(DEFAULT_SPEC));
    const input = { optimizer: { lr: { head: 0.5 } }, methods: [{ name: 'prompt', options: { length: 3 } }] };
    const copy = JSON.parse(JSON.stringify(input));
    const spec = parseExperimentSpec(input);
    spec.optimizer.lr.model = 9;
    expect(DEFAULT_SPEC).toEqual(defaults);
    expect(input).toEqual(copy);
  });

  it('a parsed spec parses to itself (round trip through JSON)', () => {
    const spec = parseExperimentSpec({ steps: 7, methods: [{ name: 'prompt', options: { length: 2, init: 'random' } }] });
    expect(parseExperimentSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });
});

describe('parseExperimentSpec: errors name the field', () => {
  const cases: Array<{ title: string; json: unknown; field: string; also?: RegExp }> = [
    { title: 'a negative learning rate', json: { optimizer: { lr: { lora: -1 } } }, field: 'optimizer.lr.lora' },
    { title: 'a learning rate of the wrong type', json: { optimizer: { lr: { prompt: '3e-2' } } }, field: 'optimizer.lr.prompt' },
    { title: "a zero low-rank learning rate (DePT's A, B)", json: { optimizer: { lr: { lowrank: 0 } } }, field: 'optimizer.lr.lowrank' },
    { title: 'a DePT budget below its prompt length', json: { methods: [{ name: 'dept', options: { length: 60, budget: 20 } }] }, field: 'methods.0.options', also: /dept\.budget/ },
    { title: 'a bad LoRA r', json: { methods: [{ name: 'lora', options: { r: 0 } }] }, field: 'methods.0.options', also: /lora\.r/ },
    { title: 'a fractional LoRA r in the second method', json: { methods: [{ name: 'full' }, { name: 'lora', options: { r: 2.5 } }] }, field: 'methods.1.options', also: /lora\.r/ },
    { title: 'an unknown LoRA target', json: { methods: [{ name: 'lora', options: { targets: ['q', 'wte'] } }] }, field: 'methods.0.options', also: /lora\.targets/ },
    { title: 'an unknown option of a method', json: { methods: [{ name: 'prompt', options: { lenght: 5 } }] }, field: 'methods.0.options', also: /lenght/ },
    { title: 'an unknown method', json: { methods: [{ name: 'adapter' }] }, field: 'methods.0.name' },
    { title: 'no methods', json: { methods: [] }, field: 'methods' },
    { title: 'a wrong schedule kind', json: { schedule: { kind: 'step' } }, field: 'schedule.kind' },
    { title: 'a non-integer step count', json: { steps: 1.5 }, field: 'steps' },
    { title: 'a seqLen below 2', json: { seqLen: 1 }, field: 'seqLen' },
    { title: 'beta2 = 1', json: { optimizer: { beta2: 1 } }, field: 'optimizer.beta2' },
    { title: 'a wrong version', json: { version: 2 }, field: 'version' },
    { title: 'a version of the wrong type', json: { version: '1' }, field: 'version' },
  ];
  for (const { title, json, field, also } of cases) {
    it(title, () => {
      const error = specError(json);
      expect(error.message).toContain(`"${field}"`);
      if (also) expect(error.message).toMatch(also);
    });
  }

  it('an unknown top-level key is refused and named', () => {
    expect(specError({ stpes: 10 }).message).toContain('stpes');
  });

  it('an unknown nested key is refused and named with its parent', () => {
    const error = specError({ optimizer: { momentum: 0.9 } });
    expect(error.message).toContain('momentum');
    expect(error.message).toContain('"optimizer"');
  });

  it('a spec that is not an object', () => {
    for (const json of [null, 3, 'spec', [DEFAULT_SPEC]]) expect(specError(json).message).toMatch(/object/);
  });
});

describe('sequenceFitProblems', () => {
  it('names the method whose prompt does not fit, and passes specs that fit', async () => {
    const { sequenceFitProblems } = await import('../../src/engine/experiment/fit');
    const spec = parseExperimentSpec({ seqLen: 100, methods: [{ name: 'lora' }, { name: 'prompt', options: { length: 20 } }] });
    expect(sequenceFitProblems(spec, 128)).toEqual([]);
    expect(sequenceFitProblems(spec, 119)).toEqual(["sequence length 100 + 20 prompt tokens (prompt) exceeds the model's context of 119 tokens"]);
    expect(sequenceFitProblems(spec, 99)[0]).toMatch(/^sequence length 100 exceeds/);
  });
});
