import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { nodeRunnerEnv } from '../../src/cli/node-env';
import { hashToSpec, specToHash } from '../../src/engine/experiment/link';
import { SWEEP_PRESETS, sweepPresetById } from '../../src/engine/experiment/presets';
import { DEFAULT_SPEC, parseExperimentSpec, type ExperimentSpec } from '../../src/engine/experiment/spec';
import { runSweep } from '../../src/engine/experiment/run-sweep';
import { paretoFront, sweepMetric, sweepSpecs, variantSpec, withSweepSettings, type SweepPoint } from '../../src/engine/experiment/sweep';
import { sequenceFitProblems } from '../../src/engine/experiment/fit';

beforeAll(async () => {
  await useWasmBackend();
});

/** tiny-gpt2's sizes (public/models/tiny-gpt2/config.json). */
const TINY = { hidden: 128, maxPositions: 128 };

function presetBase(id: string, overrides: Partial<ExperimentSpec> = {}): ExperimentSpec {
  return parseExperimentSpec({ ...withSweepSettings(parseExperimentSpec(DEFAULT_SPEC), sweepPresetById(id).settings), ...overrides });
}

describe('sweep variants', () => {
  it('a variant keeps the experiment and replaces only its method and the rates it names', () => {
    const base = parseExperimentSpec({ ...DEFAULT_SPEC, steps: 7, seed: 3 });
    const spec = variantSpec(base, { label: 'x', method: { name: 'dept', options: { length: 20 } }, lr: { lowrank: 0.5 } });
    expect(spec.methods).toEqual([{ name: 'dept', options: { length: 20, budget: 100, r: expect.any(Number), init: 'vocab' } }]);
    expect(spec.optimizer.lr).toEqual({ ...base.optimizer.lr, lowrank: 0.5 });
    expect({ ...spec, methods: [], optimizer: null }).toEqual({ ...base, methods: [], optimizer: null });
  });

  it("the DePT Fig. 3 sweep: PT l=100 and DePT m = 0…80, each DePT within rounding of PT's 100·d parameters", () => {
    const base = presetBase('dept-vs-pt');
    const specs = sweepSpecs(sweepPresetById('dept-vs-pt'), base);
    expect(specs.map((s) => s.label)).toEqual(['PT l=100', 'DePT m=0', 'DePT m=20', 'DePT m=40', 'DePT m=60', 'DePT m=80']);
    // Independent arithmetic: DePT trains m·d + (s + d)·r with r = round((100 − m)·d / (s + d)).
    const s = base.seqLen;
    const d = TINY.hidden;
    for (const { spec } of specs.slice(1)) {
      const m = spec.methods[0].options.length as number;
      const r = Math.round(((100 - m) * d) / (s + d));
      const count = m * d + (s + d) * r;
      expect(Math.abs(count - 100 * d)).toBeLessThanOrEqual((s + d) / 2);
    }
    // Every variant fits tiny-gpt2's 128 positions with its prompt.
    for (const { spec } of specs) expect(sequenceFitProblems(spec, TINY.maxPositions)).toEqual([]);
  });

  it('the Fig. 5 ablation: two rates, then one rate for both at each of the two values', () => {
    const base = presetBase('dept-learning-rates');
    const lrs = sweepSpecs(sweepPresetById('dept-learning-rates'), base).map(({ spec }) => [spec.optimizer.lr.prompt, spec.optimizer.lr.lowrank]);
    const { prompt, lowrank } = base.optimizer.lr;
    expect(prompt).not.toBe(lowrank);
    expect(lrs).toEqual([
      [prompt, lowrank],
      [prompt, prompt],
      [lowrank, lowrank],
    ]);
  });

  it('every variant of every preset is a link that replays exactly that run', () => {
    for (const preset of SWEEP_PRESETS) {
      for (const { spec } of sweepSpecs(preset, presetBase(preset.id))) {
        const { spec: back, notices } = hashToSpec(specToHash(spec));
        expect(notices).toEqual([]);
        expect(back).toEqual(spec);
      }
    }
  });

  it('compares by accuracy on classification and by validation loss on language modelling', () => {
    const finalEval = { step: 3, loss: 1.5, accuracy: 0.75, perplexity: null, count: 32 };
    expect(sweepMetric('spam', { finalEval })).toEqual({ name: 'accuracy', value: 0.75, higherIsBetter: true });
    expect(sweepMetric('lm-spam', { finalEval: { ...finalEval, accuracy: null, perplexity: 4.48 } })).toEqual({ name: 'validation loss', value: 1.5, higherIsBetter: false });
    expect(sweepMetric('spam', { finalEval: null })).toBeNull();
  });
});

describe('the Pareto front of parameters vs metric', () => {
  const point = (label: string, trainableParams: number, value: number | null, higherIsBetter = true): SweepPoint => ({
    label,
    spec: parseExperimentSpec(DEFAULT_SPEC),
    trainableParams,
    headParams: 0,
    storedBytes: 4 * trainableParams,
    metric: value === null ? null : { name: higherIsBetter ? 'accuracy' : 'validation loss', value, higherIsBetter },
    meanStepMs: 1,
    meanTokensPerSec: 1,
    trainingPeakBytes: 1,
  });

  it('keeps the runs nothing beats with fewer parameters, sorted by parameters', () => {
    const points = [point('big-best', 1000, 0.9), point('small', 10, 0.6), point('mid-worse', 500, 0.55), point('mid', 100, 0.8), point('unscored', 5, null), point('tie-bigger', 200, 0.8)];
    // mid-worse: beaten by small (fewer params, better); tie-bigger: same metric as mid with more params.
    expect(paretoFront(points).map((p) => p.label)).toEqual(['small', 'mid', 'big-best']);
  });

  it('for a loss, lower is better', () => {
    const points = [point('a', 10, 2.0, false), point('b', 100, 1.5, false), point('c', 1000, 1.8, false)];
    expect(paretoFront(points).map((p) => p.label)).toEqual(['a', 'b']);
  });
});

describe('running a sweep', () => {
  it('trains each variant on its own and measures the shorter sequence as less training memory', async () => {
    const preset = sweepPresetById('dept-vs-pt');
    const base = presetBase('dept-vs-pt', { steps: 1, batchSize: 2, eval: { every: 0, maxBatches: 1 } });
    // PT (l = 100) and DePT m = 20 only: their sequences are 124 and 44 tokens long.
    const short = { ...preset, variants: (b: ExperimentSpec) => preset.variants(b).filter((v) => v.label === 'PT l=100' || v.label === 'DePT m=20') };
    const seen: string[] = [];
    const points = await runSweep(short, base, nodeRunnerEnv, { onPoint: (p) => seen.push(p.label) });
    expect(seen).toEqual(['PT l=100', 'DePT m=20']);
    const [pt, dept] = points as [SweepPoint, SweepPoint];
    expect(pt.trainableParams).toBe(100 * TINY.hidden);
    expect(pt.storedBytes).toBe(4 * 100 * TINY.hidden);
    expect(Math.abs(dept.trainableParams - pt.trainableParams)).toBeLessThanOrEqual((base.seqLen + TINY.hidden) / 2);
    for (const point of points) {
      expect(point.metric?.name).toBe('accuracy');
      expect(point.metric?.value).toBeGreaterThanOrEqual(0);
      expect(point.meanStepMs).toBeGreaterThan(0);
    }
    // Both hold the same weights copy; the step's activations scale with the sequence length.
    expect(dept.trainingPeakBytes).not.toBeNull();
    expect(dept.trainingPeakBytes!).toBeLessThan(pt.trainingPeakBytes! * 0.75);
  }, 120_000);
});
