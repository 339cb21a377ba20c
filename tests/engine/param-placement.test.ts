import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import { METHODS, resolveMethodConfig } from '../../src/engine/methods/registry';
import { methodParamPlacement, placementTotal, type ParamPlacement } from '../../src/engine/methods/param-placement';
import type { TaskShape } from '../../src/engine/methods/types';

/** tiny-gpt2 from its config.json; the expected counts are written out from its numbers alone. */
const json = JSON.parse(readFileSync(new URL('../../public/models/tiny-gpt2/config.json', import.meta.url), 'utf8')) as {
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
};
const shape = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', ...json }));
const d = json.n_embd;
const L = json.n_layer;
const V = json.vocab_size;
const P = json.n_positions;
const inner = 4 * d;

const CLS: TaskShape = { kind: 'classify', numLabels: 3, seqLen: 24 };
const LM: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 32 };

function layers(attention: number, mlp: number) {
  return Array.from({ length: L }, () => ({ attention, mlp }));
}

function placement(parts: Partial<ParamPlacement>): ParamPlacement {
  return { embeddings: 0, layers: layers(0, 0), head: 0, other: 0, ...parts };
}

/** Every method with a few configurations, and where the formulas put their parameters. */
const CASES: Array<{ name: string; options: Record<string, unknown>; task: TaskShape; expected: ParamPlacement }> = [
  {
    name: 'full',
    options: {},
    task: CLS,
    expected: placement({
      embeddings: V * d + P * d,
      // ln_1 + c_attn (q, k, v) + c_proj; ln_2 + c_fc + c_proj, biases included.
      layers: layers(2 * d + (d * 3 * d + 3 * d) + (d * d + d), 2 * d + (d * inner + inner) + (inner * d + d)),
      head: 3 * d,
      other: 2 * d, // ln_f
    }),
  },
  { name: 'full', options: {}, task: LM, expected: placement({ embeddings: V * d + P * d, layers: layers(2 * d + 4 * d * d + 4 * d, 2 * d + 8 * d * d + 5 * d), other: 2 * d }) },
  { name: 'head', options: {}, task: CLS, expected: placement({ head: 3 * d }) },
  { name: 'head', options: {}, task: LM, expected: placement({ head: V * d }) },
  { name: 'prompt', options: { length: 20 }, task: CLS, expected: placement({ embeddings: 20 * d, head: 3 * d }) },
  { name: 'prompt', options: { length: 7 }, task: LM, expected: placement({ embeddings: 7 * d }) },
  {
    name: 'dept',
    options: { length: 40, budget: 100 },
    task: CLS,
    expected: placement({ embeddings: 40 * d + (24 + d) * Math.round((60 * d) / (24 + d)), head: 3 * d }),
  },
  { name: 'dept', options: { length: 10, budget: null, r: 5 }, task: LM, expected: placement({ embeddings: 10 * d + (32 + d) * 5 }) },
  { name: 'lora', options: { r: 4, targets: ['q', 'v'] }, task: CLS, expected: placement({ layers: layers(2 * 4 * (d + d), 0), head: 3 * d }) },
  {
    name: 'lora',
    options: { r: 2, targets: ['k', 'attn_out', 'mlp_in', 'mlp_out'] },
    task: LM,
    expected: placement({ layers: layers(2 * 2 * (d + d), 2 * (d + inner) + 2 * (inner + d)) }),
  },
  { name: 'nola', options: { k: 100, l: 50, targets: ['q', 'v'] }, task: CLS, expected: placement({ layers: layers(2 * 150, 0), head: 3 * d }) },
  { name: 'nola', options: { k: 8, l: 8, targets: ['q', 'mlp_in', 'mlp_out'] }, task: LM, expected: placement({ layers: layers(16, 32) }) },
  { name: 'deep-prompt', options: { length: 16 }, task: CLS, expected: placement({ layers: layers(16 * d, 0), head: 3 * d }) },
  { name: 'apt', options: { length: 16, r: 4, variant: 'low-rank' }, task: LM, expected: placement({ layers: layers(16 * d + 2 * d * 4 + 1, 0) }) },
  { name: 'apt', options: { length: 8, variant: 'dense' }, task: CLS, expected: placement({ layers: layers(8 * d + d * d + 1, 0), head: 3 * d }) },
];

describe('where the parameters live', () => {
  it('covers every registered method', () => {
    const covered = new Set(CASES.map((c) => c.name));
    for (const method of METHODS) {
      expect(covered.has(method.name), method.name).toBe(true);
      expect(method.paramPlacement, `${method.name} has its own placement`).toBeTypeOf('function');
    }
  });

  for (const { name, options, task, expected } of CASES) {
    it(`${name} ${JSON.stringify(options)} on ${task.kind}: each part from the formulas, summing to trainableParams`, () => {
      const got = methodParamPlacement(shape, task, name, options);
      expect(got).toEqual(expected);
      const method = METHODS.find((m) => m.name === name)!;
      const count = method.trainableParams(shape, task, resolveMethodConfig(name, options));
      expect(placementTotal(got)).toBe(count.method + count.head);
      expect(got.head).toBe(count.head);
    });
  }

  it('invalid options fail naming the field', () => {
    expect(() => methodParamPlacement(shape, CLS, 'lora', { r: 0 })).toThrow(/lora\.r/);
  });
});
