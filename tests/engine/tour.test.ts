import { describe, expect, it } from 'vitest';
import { hashToSpec } from '../../src/engine/experiment/link';
import { sweepPresetById } from '../../src/engine/experiment/presets';
import { sequenceFitProblems } from '../../src/engine/experiment/fit';
import { TOUR_STEPS, tourStepHash } from '../../src/ui/tour-steps';

describe('the guided tour', () => {
  it('has 3 to 5 steps, each with a title and a paragraph', () => {
    expect(TOUR_STEPS.length).toBeGreaterThanOrEqual(3);
    expect(TOUR_STEPS.length).toBeLessThanOrEqual(5);
    expect(new Set(TOUR_STEPS.map((s) => s.id)).size).toBe(TOUR_STEPS.length);
    for (const step of TOUR_STEPS) {
      expect(step.title.length).toBeGreaterThan(5);
      expect(step.paragraph.length).toBeGreaterThan(80);
    }
  });

  for (const step of TOUR_STEPS) {
    it(`step "${step.id}": its link parses without notices to the step's experiment, which fits tiny-gpt2`, () => {
      const hash = tourStepHash(step);
      expect(hash.startsWith('#')).toBe(true);
      const { spec, notices } = hashToSpec(hash);
      expect(notices).toEqual([]);
      expect(spec).toEqual(step.spec);
      expect(spec.model).toBe('tiny-gpt2');
      expect(sequenceFitProblems(spec, 128)).toEqual([]);
    });
  }

  it('the first three compare the methods the issue names; the last opens the params-vs-accuracy sweep on its settings', () => {
    const names = TOUR_STEPS.map((s) => s.spec.methods.map((m) => m.name).sort().join(','));
    expect(names.slice(0, 3)).toEqual(['full,head,lora', 'dept,prompt', 'lora,nola']);
    const last = TOUR_STEPS.at(-1)!;
    expect(last.presetId).toBe('params-vs-accuracy');
    const preset = sweepPresetById(last.presetId!);
    expect(last.spec.task).toBe(preset.settings.task);
    expect(last.spec.seqLen).toBe(preset.settings.seqLen);
    // DePT's step really matches PT's budget.
    const dept = TOUR_STEPS[1].spec.methods.find((m) => m.name === 'dept')!;
    const pt = TOUR_STEPS[1].spec.methods.find((m) => m.name === 'prompt')!;
    expect(dept.options.budget).toBe(pt.options.length);
  });
});
