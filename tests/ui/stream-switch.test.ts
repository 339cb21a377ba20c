import { beforeEach, describe, expect, it } from 'vitest';
import { isStreamTaskId, switchTask } from '../../src/ui/continual/stream-switch';
import { runBlockers, streamProblems } from '../../src/ui/run-blockers';
import { useAppStore } from '../../src/ui/store';
import { DEFAULT_SPEC, parseExperimentSpec, type ExperimentSpec } from '../../src/engine/experiment/spec';
import { DEFAULT_CONTINUAL } from '../../src/engine/continual/settings';
import { methodByName } from '../../src/engine/methods/registry';

const vitSpec = parseExperimentSpec({ ...DEFAULT_SPEC, model: 'tiny-vit', task: 'mnist-5shot', methods: [{ name: 'prompt', options: { init: 'random' } }, { name: 'lora', options: {} }] });

describe('choosing a task stream in the editor', () => {
  it('knows the stream tasks', () => {
    expect(isStreamTaskId('split-mnist')).toBe(true);
    expect(isStreamTaskId('sotu-eras')).toBe(true);
    expect(isStreamTaskId('mnist-5shot')).toBe(false);
    expect(isStreamTaskId('no-such-task')).toBe(false);
  });

  it('entering a stream with several methods sets LoRA r = 4 and remembers them; leaving restores them', () => {
    const entered = switchTask(vitSpec, 'split-mnist', null);
    expect(entered.spec.task).toBe('split-mnist');
    expect(entered.spec.methods).toHaveLength(1);
    expect(entered.spec.methods[0].name).toBe('lora');
    expect(entered.spec.methods[0].options).toMatchObject({ r: 4, alpha: 16, targets: ['q', 'v'] });
    expect(entered.methodsBeforeStream).toBe(vitSpec.methods);
    expect(entered.changes).toEqual(['Methods set to LoRA (r = 4): a task stream trains one PET method per continual strategy.']);
    expect(() => parseExperimentSpec(entered.spec)).not.toThrow();

    const left = switchTask(entered.spec, 'mnist-5shot', entered.methodsBeforeStream);
    expect(left.spec.task).toBe('mnist-5shot');
    expect(left.spec.methods).toEqual(vitSpec.methods);
    expect(left.methodsBeforeStream).toBeNull();
    expect(left.changes).toEqual([`Methods restored to ${methodByName('prompt').title}, LoRA.`]);
  });

  it('entering with one method keeps it; leaving with nothing remembered keeps the method too', () => {
    const one: ExperimentSpec = { ...vitSpec, methods: [vitSpec.methods[0]] };
    const entered = switchTask(one, 'split-mnist', null);
    expect(entered.spec.methods).toEqual(one.methods);
    expect(entered.changes).toEqual([]);
    const left = switchTask(entered.spec, 'mnist-5shot', null);
    expect(left.spec.methods).toEqual(one.methods);
    expect(left.changes).toEqual([]);
  });

  it('methods remembered on GPT-2 come back on ViT with prompt rows starting random', () => {
    const gpt2Methods = parseExperimentSpec(DEFAULT_SPEC).methods;
    expect(gpt2Methods.find((m) => m.name === 'prompt')?.options.init).toBe('vocab');
    const inStream = parseExperimentSpec({ ...DEFAULT_SPEC, model: 'tiny-vit', task: 'split-mnist', methods: [{ name: 'lora', options: { r: 4 } }] });
    const left = switchTask(inStream, 'mnist-5shot', gpt2Methods);
    expect(left.spec.methods.map((m) => m.name)).toEqual(['full', 'prompt', 'lora']);
    expect(left.spec.methods.find((m) => m.name === 'prompt')?.options.init).toBe('random');
  });
});

describe('run blockers of a task stream', () => {
  const stream = (methods: ExperimentSpec['methods'], strategies = DEFAULT_CONTINUAL.strategies) =>
    parseExperimentSpec({ ...DEFAULT_SPEC, model: 'tiny-vit', task: 'split-mnist', methods, continual: { ...DEFAULT_CONTINUAL, strategies } });

  it('a stream with other than one method is blocked, saying so', () => {
    const two = stream(vitSpec.methods);
    expect(streamProblems(two)).toEqual(['split-mnist is a task stream: every continual strategy trains one PET method, so choose exactly one (2 chosen)']);
    expect(runBlockers(two, null)).toContain(streamProblems(two)[0]);
    expect(streamProblems(stream([{ name: 'lora', options: { r: 4 } }]))).toEqual([]);
    // Other tasks may compare several methods.
    expect(streamProblems(vitSpec)).toEqual([]);
  });

  it('full fine-tuning cannot be a Dynamic ConPET task module; one-module strategies may use it', () => {
    const full = [{ name: 'full' as const, options: {} }];
    expect(streamProblems(stream(full, ['sequential', 'static']))).toEqual([]);
    const problems = streamProblems(stream(full, ['sequential', 'dynamic']));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Dynamic ConPET: .*full fine-tuning/);
  });
});

describe('the store: one method for a stream', () => {
  beforeEach(() => {
    useAppStore.getState().loadLink(parseExperimentSpec({ ...DEFAULT_SPEC, model: 'tiny-vit', task: 'split-mnist', methods: [{ name: 'lora', options: { r: 2 } }] }), [], false);
  });

  it('chooseOnlyMethod replaces the method and keeps the old options for when it is chosen again', () => {
    const store = useAppStore.getState();
    store.chooseOnlyMethod('prompt', { length: 7, init: 'random' });
    expect(useAppStore.getState().spec.methods).toEqual([{ name: 'prompt', options: { length: 7, init: 'random' } }]);
    useAppStore.getState().chooseOnlyMethod('lora', { r: 8 });
    expect(useAppStore.getState().spec.methods).toEqual([{ name: 'lora', options: expect.objectContaining({ r: 2 }) }]);
    useAppStore.getState().chooseOnlyMethod('prompt', { length: 99 });
    expect(useAppStore.getState().spec.methods).toEqual([{ name: 'prompt', options: { length: 7, init: 'random' } }]);
  });
});
