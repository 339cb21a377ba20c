import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hashToSpec, specToHash } from '../../src/engine/experiment/link';
import { sweepPresetById, SWEEP_PRESETS } from '../../src/engine/experiment/presets';
import { DEFAULT_SPEC, parseExperimentSpec } from '../../src/engine/experiment/spec';
import { sweepSpecs, withSweepSettings } from '../../src/engine/experiment/sweep';
import { sequenceFitProblems } from '../../src/engine/experiment/fit';
import { parseGpt2Config } from '../../src/engine/models/gpt2-config';
import { gpt2ModelShape } from '../../src/engine/models/gpt2';
import { methodByName } from '../../src/engine/methods/registry';

/** tiny-gpt2's sizes, read from its config.json (not from the engine's shape). */
const config = JSON.parse(readFileSync(new URL('../../public/models/tiny-gpt2/config.json', import.meta.url), 'utf8')) as {
  n_embd: number;
  n_layer: number;
  n_positions: number;
};
const d = config.n_embd;
const L = config.n_layer;

function base() {
  return withSweepSettings(parseExperimentSpec(DEFAULT_SPEC), sweepPresetById('params-vs-accuracy').settings);
}

describe('the params-vs-accuracy preset', () => {
  it('is registered, draws the params chart, and runs on one classification task', () => {
    const preset = sweepPresetById('params-vs-accuracy');
    expect(SWEEP_PRESETS).toContain(preset);
    expect(preset.chart).toBe('params');
    expect(preset.settings.task).toBe('spam');
  });

  it('holds each method at its budgets, one distinct configuration per variant, with trainable counts from the formulas', () => {
    const spec0 = base();
    const s = spec0.seqLen;
    const specs = sweepSpecs(sweepPresetById('params-vs-accuracy'), spec0);
    // Written out independently of the engine: PT l·d; DePT m·d + (s + d)·round((l − m)·d/(s + d));
    // LoRA on q, v: L·2·r·(d + d); NOLA on q, v: L·2·(k + l); APT low-rank r=4: L·(p·d + 2·d·4 + 1).
    const deptCount = (m: number, l: number) => m * d + (s + d) * Math.round(((l - m) * d) / (s + d));
    const expected: Record<string, number> = {
      'PT l=60': 60 * d,
      'PT l=100': 100 * d,
      'DePT m=30 (PT 60)': deptCount(30, 60),
      'DePT m=50 (PT 100)': deptCount(50, 100),
      'LoRA r=1': L * 2 * 1 * (d + d),
      'LoRA r=8': L * 2 * 8 * (d + d),
      'NOLA k=l=32': L * 2 * (32 + 32),
      'NOLA k=l=100': L * 2 * (100 + 100),
      'APT p=4': L * (4 * d + 2 * d * 4 + 1),
      'APT p=16': L * (16 * d + 2 * d * 4 + 1),
    };
    expect(specs.map((v) => v.label)).toEqual(Object.keys(expected));
    expect(specs.length).toBeGreaterThanOrEqual(8);
    expect(specs.length).toBeLessThanOrEqual(12);
    // One point per configuration: no two variants share a method and options.
    const keys = specs.map(({ spec }) => JSON.stringify(spec.methods));
    expect(new Set(keys).size).toBe(specs.length);

    const shape = gpt2ModelShape(parseGpt2Config({ model_type: 'gpt2', ...config }));
    for (const { label, spec } of specs) {
      expect(spec.methods).toHaveLength(1);
      const [method] = spec.methods;
      const count = methodByName(method.name).trainableParams(shape, { kind: 'classify', numLabels: 2, seqLen: s }, method.options);
      expect(count.method, label).toBe(expected[label]);
      expect(count.head, label).toBe(2 * d);
    }
    // Every DePT variant is within half a rank step of its PT budget.
    expect(Math.abs(expected['DePT m=50 (PT 100)'] - 100 * d)).toBeLessThanOrEqual((s + d) / 2);
    expect(Math.abs(expected['DePT m=30 (PT 60)'] - 60 * d)).toBeLessThanOrEqual((s + d) / 2);
  });

  it('every variant fits tiny-gpt2 and is a link that replays exactly that run', () => {
    for (const { spec } of sweepSpecs(sweepPresetById('params-vs-accuracy'), base())) {
      expect(sequenceFitProblems(spec, config.n_positions)).toEqual([]);
      const { spec: back, notices } = hashToSpec(specToHash(spec));
      expect(notices).toEqual([]);
      expect(back).toEqual(spec);
    }
  });
});
