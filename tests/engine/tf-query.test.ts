import { describe, expect, it } from 'vitest';
import * as tfc from '@tensorflow/tfjs-core';
import { tfjsSafeQuery } from '../../src/engine/tf-query';

/** tfjs-core's own parser, the one that runs at import and throws on a malformed query. */
const tfjsParse = (search: string) => tfc.env().getQueryParams(search);

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

const HOSTILE = ['?x=%%%%', '?%=1', '?a=1&b=%E0%A4%A&c=3', '?x=%zz', '?tfjsflags=%', '?x=%E0=%A4?y=%', `?${'%'.repeat(1000)}`, '?x=100%&backend=wasm'];

describe('tfjsSafeQuery', () => {
  it.each(HOSTILE)('makes %s parseable by tfjs-core, keeping what the reader wrote', (search) => {
    expect(() => tfjsParse(search)).toThrow(URIError);
    const safe = tfjsSafeQuery(search);
    expect(safe).not.toBeNull();
    const params = tfjsParse(safe!);
    // Each bad part reads back as the text the reader wrote; the good ones decode as before.
    const raw = search.split(/[?&=]/);
    const fixed = safe!.split(/[?&=]/);
    expect(fixed.length).toBe(raw.length);
    fixed.forEach((part, i) => expect(decodeURIComponent(part)).toBe(decodes(raw[i]) ? decodeURIComponent(raw[i]) : raw[i]));
    if (search.includes('backend=wasm')) expect(params.backend).toBe('wasm');
    if (search.startsWith('?x=%%')) expect(params.x).toBe('%%%%');
  });

  it('leaves a query tfjs can parse alone', () => {
    for (const search of ['', '?', '?backend=wasm', '?hub=http%3A%2F%2Flocalhost%3A4190', '?x=%C3%A9', '?tfjsflags=WEBGPU_CPU_FORWARD:false']) {
      expect(() => tfjsParse(search)).not.toThrow();
      expect(tfjsSafeQuery(search)).toBeNull();
    }
  });
});
