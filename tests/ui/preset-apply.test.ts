import { describe, expect, it } from 'vitest';
import { SWEEP_PRESETS, sweepPresetById } from '../../src/engine/experiment/presets';
import { DEFAULT_SPEC, parseExperimentSpec } from '../../src/engine/experiment/spec';
import { presetApplication, presetFitsModel } from '../../src/ui/preset-apply';
import { experimentLabel, formatChanges, settingChanges } from '../../src/ui/results-scope';

const base = (over: Record<string, unknown>) => parseExperimentSpec({ ...DEFAULT_SPEC, ...over });

describe('sweep presets on the model they were made for', () => {
  it('every preset names built-in models that pose its task', () => {
    for (const preset of SWEEP_PRESETS) expect(preset.models.length).toBeGreaterThan(0);
  });

  it('on tiny-t5 NOLA vs LoRA switches to tiny-gpt2 and lists what it changes', () => {
    const preset = sweepPresetById('nola-vs-lora');
    const spec = base({ model: 'tiny-t5', task: 'spam', steps: 4, batchSize: 2 });
    expect(presetFitsModel(preset, 'tiny-t5', 't5')).toBe(false);
    const applied = presetApplication(preset, spec, 't5');
    expect(applied.spec.model).toBe('tiny-gpt2');
    expect(applied.spec.task).toBe('lm-spam');
    const text = formatChanges(applied.changes);
    expect(text).toContain('model tiny-t5→tiny-gpt2');
    expect(text).toContain('task spam→lm-spam');
    expect(text).toContain('steps 4→60');
    expect(text).toContain('batch 2→8');
  });

  it('a GPT-2 from elsewhere keeps its model; an unchanged experiment lists nothing', () => {
    const preset = sweepPresetById('dept-vs-pt');
    const hub = base({ model: 'openai-community/gpt2' });
    expect(presetApplication(preset, hub, 'gpt2').spec.model).toBe('openai-community/gpt2');
    const applied = presetApplication(preset, base({}), 'gpt2');
    expect(presetApplication(preset, applied.spec, 'gpt2').changes).toEqual([]);
  });
});

describe('results labelled with their experiment', () => {
  it('names model, task, methods and steps; a stream counts no steps', () => {
    expect(experimentLabel(base({ methods: [{ name: 'full' }, { name: 'lora' }], steps: 40 }))).toBe('tiny-gpt2 · spam · full, lora · 40 steps');
    expect(experimentLabel(base({ model: 'tiny-vit', task: 'split-mnist', methods: [{ name: 'lora' }] }))).toBe('tiny-vit · split-mnist · lora');
  });

  it('says which settings changed, options by name', () => {
    const a = base({ methods: [{ name: 'lora', options: { r: 4 } }] });
    const b = base({ steps: 10, methods: [{ name: 'lora', options: { r: 8 } }] });
    expect(formatChanges(settingChanges(a, b))).toBe('steps 60→10, lora options changed');
    expect(settingChanges(a, a)).toEqual([]);
  });
});
