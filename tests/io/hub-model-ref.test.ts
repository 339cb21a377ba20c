import { describe, it, expect } from 'vitest';
import { DEFAULT_HUB_ENDPOINT, hubFileUrl, modelFolderUrl, modelHost, modelRefText, parseModelRef } from '../../src/engine/io/model-ref';

describe('parseModelRef', () => {
  it('built-in ids, URLs and hub repo ids, with the default revision', () => {
    expect(parseModelRef('tiny-gpt2')).toEqual({ kind: 'built-in', id: 'tiny-gpt2' });
    expect(parseModelRef('https://example.com/models/gpt2/')).toEqual({ kind: 'url', url: 'https://example.com/models/gpt2' });
    expect(parseModelRef('gpt2')).toEqual({ kind: 'hub', repo: 'gpt2', revision: 'main' });
    expect(parseModelRef('openai-community/gpt2')).toEqual({ kind: 'hub', repo: 'openai-community/gpt2', revision: 'main' });
    expect(parseModelRef('google/vit-base-patch16-224@v1.0')).toEqual({ kind: 'hub', repo: 'google/vit-base-patch16-224', revision: 'v1.0' });
    const commit = '607a30d783dfa663caf39e06633721c8d4cfcd7e';
    expect(parseModelRef(`org/my_model.v2@${commit}`)).toEqual({ kind: 'hub', repo: 'org/my_model.v2', revision: commit });
    expect(parseModelRef('org/name@refs/pr/1')).toEqual({ kind: 'hub', repo: 'org/name', revision: 'refs/pr/1' });
  });

  it('round-trips through modelRefText', () => {
    for (const text of ['tiny-t5', 'https://host/x/y', 'gpt2', 'org/name', 'org/name@dev', 'a/b@refs/pr/3']) {
      expect(modelRefText(parseModelRef(text))).toBe(text);
    }
    expect(modelRefText(parseModelRef('org/name@main'))).toBe('org/name');
  });

  it('refuses ids against the hub rules, naming what is wrong', () => {
    expect(() => parseModelRef('')).toThrow(/model is empty/);
    expect(() => parseModelRef('a/b/c')).toThrow(/at most one "\/"/);
    expect(() => parseModelRef('org/')).toThrow(/repo name is empty/);
    expect(() => parseModelRef('/name')).toThrow(/repo organization is empty/);
    expect(() => parseModelRef('org/na me')).toThrow(/repo name "na me" may only hold letters, digits/);
    expect(() => parseModelRef('-org/name')).toThrow(/repo organization "-org" .*must start and end/);
    expect(() => parseModelRef('org/a--b')).toThrow(/"a--b" must not contain "--" or ".."/);
    expect(() => parseModelRef('org/a..b')).toThrow(/must not contain "--" or ".."/);
    expect(() => parseModelRef(`org/${'x'.repeat(97)}`)).toThrow(/is 97 characters; the hub allows at most 96/);
    expect(parseModelRef(`org/${'x'.repeat(96)}`).kind).toBe('hub');
    expect(() => parseModelRef('org/name.git')).toThrow(/must not end with ".git"/);
    expect(() => parseModelRef('org/name@')).toThrow(/revision after "@" is empty/);
    expect(() => parseModelRef('org/name@my branch')).toThrow(/contains a space/);
    expect(() => parseModelRef('org/name@a..b')).toThrow(/not a valid git ref/);
    expect(() => parseModelRef('org/name@x?y')).toThrow(/may only hold/);
  });

  it('refuses non-http URLs and URLs that cannot be a folder', () => {
    expect(() => parseModelRef('javascript:alert(1)')).toThrow(/only http\(s\) URLs/);
    expect(() => parseModelRef('file:///etc')).toThrow(/only http\(s\) URLs/);
    expect(() => parseModelRef('https://host/m?x=1')).toThrow(/remove the query or fragment/);
    expect(() => parseModelRef('https://user:pw@host/m')).toThrow(/credentials/);
  });
});

describe('hub URLs and hosts', () => {
  it('builds the hub resolve URL, encoding the revision', () => {
    expect(hubFileUrl(DEFAULT_HUB_ENDPOINT, 'openai-community/gpt2', 'main', 'config.json')).toBe('https://huggingface.co/openai-community/gpt2/resolve/main/config.json');
    expect(hubFileUrl('http://127.0.0.1:9/', 'a/b', 'refs/pr/1', 'sub/model-00001.safetensors')).toBe('http://127.0.0.1:9/a/b/resolve/refs%2Fpr%2F1/sub/model-00001.safetensors');
    expect(modelFolderUrl(parseModelRef('gpt2@v1'))).toBe('https://huggingface.co/gpt2/resolve/v1');
    expect(modelFolderUrl(parseModelRef('tiny-gpt2'))).toBeNull();
  });

  it('names the host a user must trust', () => {
    expect(modelHost(parseModelRef('openai-community/gpt2'))).toBe('huggingface.co');
    expect(modelHost(parseModelRef('gpt2'), 'http://127.0.0.1:4181')).toBe('127.0.0.1:4181');
    expect(modelHost(parseModelRef('https://cdn.example.org:8443/ckpt'))).toBe('cdn.example.org:8443');
    expect(modelHost(parseModelRef('tiny-vit'))).toBeNull();
  });
});
