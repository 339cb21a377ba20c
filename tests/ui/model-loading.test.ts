import { describe, expect, it } from 'vitest';
import { isExternalModel, modelRunBlocker } from '../../src/ui/model-loading/model-readiness';
import { hubEndpointFromQuery } from '../../src/ui/hub-endpoint';
import { switchModel } from '../../src/ui/model-switch';
import { DEFAULT_SPEC, parseExperimentSpec } from '../../src/engine/experiment/spec';

describe('when a checkpoint from elsewhere may run', () => {
  it('built-in models run at once; hub and URL models once held or cached; dropped files once loaded in this page', () => {
    expect(isExternalModel('tiny-gpt2')).toBe(false);
    expect(isExternalModel('openai-community/gpt2')).toBe(true);
    expect(isExternalModel('https://models.example/gpt2')).toBe(true);
    expect(isExternalModel('local:my-gpt2')).toBe(true);
    expect(modelRunBlocker('tiny-gpt2', null, [])).toBeNull();
    expect(modelRunBlocker('openai-community/gpt2', null, [])).toMatch(/openai-community\/gpt2 is not downloaded yet/);
    expect(modelRunBlocker('openai-community/gpt2', null, ['openai-community/gpt2'])).toBeNull();
    expect(modelRunBlocker('openai-community/gpt2', 'openai-community/gpt2', [])).toBeNull();
    // Cached under another revision is another checkpoint.
    expect(modelRunBlocker('gpt2@v2', null, ['gpt2'])).toMatch(/not downloaded/);
    expect(modelRunBlocker('local:my-gpt2', null, [])).toMatch(/files of my-gpt2 are not loaded in this page/);
    expect(modelRunBlocker('local:my-gpt2', 'local:my-gpt2', [])).toBeNull();
    // Details that could not be read: the reason, never the advice to download.
    const offline = modelRunBlocker('openai-community/gpt2', null, [], 'the Hugging Face hub (huggingface.co) cannot be reached: this browser is offline.');
    expect(offline).toMatch(/cannot be reached/);
    expect(offline).not.toMatch(/download it/);
  });
});

describe('?hub= (a mirror, or the tests’ stand-in)', () => {
  it('takes an http(s) origin and nothing else', () => {
    expect(hubEndpointFromQuery('')).toBe('https://huggingface.co');
    expect(hubEndpointFromQuery('?hub=http%3A%2F%2F127.0.0.1%3A4190%2F')).toBe('http://127.0.0.1:4190');
    expect(hubEndpointFromQuery('?hub=https://hf-mirror.example/base')).toBe('https://hf-mirror.example/base');
    for (const bad of ['javascript:alert(1)', 'file:///etc', 'not a url', 'https://u:p@x.example', 'https://x.example/?a=1']) {
      expect(hubEndpointFromQuery(`?hub=${encodeURIComponent(bad)}`)).toBe('https://huggingface.co');
    }
  });
});

describe('switching to a loaded checkpoint', () => {
  it('a ViT checkpoint from the hub moves a text task to the image task, as the built-in ViT does', () => {
    const spec = parseExperimentSpec({ ...DEFAULT_SPEC, task: 'spam' });
    const { spec: next, changes } = switchModel(spec, 'google/vit-base-patch16-224', 'vit');
    expect(next.model).toBe('google/vit-base-patch16-224');
    expect(next.task).toBe('mnist-5shot');
    expect(changes.join(' ')).toMatch(/Task changed/);
    // Family unknown (not loaded yet): nothing but the model changes.
    expect(switchModel(spec, 'org/unknown').spec).toEqual({ ...spec, model: 'org/unknown' });
  });
});
