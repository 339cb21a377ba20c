import { describe, expect, it } from 'vitest';
import { encode as gptEncode, decode as gptDecode } from 'gpt-tokenizer/encoding/r50k_base';
import { loadTokenizer } from '../../src/engine/tokenize/tokenizer';
import { realGpt2TokenizerJson, REAL_GPT2_TOKENIZER_CONFIG } from './real-gpt2';

const TEXTS = [
  'Hello world',
  'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse,',
  "I'm sure they'll say it's fine; we've done what we'd planned. DON'T SHOUT!",
  'Numbers: 1, 12, 123, 1234, 3.14159, -42, 1e10, $1,000,000 and 50% off.',
  'tabs\tand\t\ttabs,   runs of   spaces,\n\nnew lines\r\n and trailing   ',
  '   leading spaces',
  'naïve café 日本語のテキスト Ελληνικά русский текст',
  'emoji 🤗🚀 family 👨‍👩‍👧 flags 🇫🇷 and skin tones 👍🏽',
  'code: for (let i = 0; i < n; i++) { x += a[i] ** 2; } // done?!',
  'a',
  '',
];

describe('loadTokenizer over the real GPT-2 tokenizer.json', () => {
  const tok = loadTokenizer(realGpt2TokenizerJson(), REAL_GPT2_TOKENIZER_CONFIG);

  it('has GPT-2 special ids and vocab size', () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.eosTokenId).toBe(50256);
    expect(tok.padTokenId).toBe(50256);
  });

  it.each(TEXTS)('encodes like gpt-tokenizer r50k_base and round-trips: %j', (text) => {
    const ids = tok.encode(text);
    expect(ids).toEqual(gptEncode(text));
    expect(tok.decode(ids)).toBe(text);
    expect(gptDecode(ids)).toBe(text);
  });

  it('matches on a longer mixed passage', () => {
    const text = TEXTS.join(' ').repeat(3);
    expect(tok.encode(text)).toEqual(gptEncode(text));
  });

  it('decodes without cleaning up spaces before punctuation', () => {
    const text = "Hello , world . It is n't so !";
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('shows raw vocabulary strings for ids and eos decodes to its text', () => {
    expect(tok.idsToTokens(tok.encode('Hello world'))).toEqual(['Hello', 'Ġworld']);
    expect(tok.idsToTokens([50256])).toEqual(['<|endoftext|>']);
    expect(tok.decode([...tok.encode('a'), 50256])).toBe('a<|endoftext|>');
  });

  it('skips ids outside the vocabulary, as HF\'s fast tokenizer does (a padded model vocabulary)', () => {
    expect(tok.decode([50257])).toBe('');
    expect(tok.decode([...tok.encode('Hello'), 50257, ...tok.encode(' world')])).toBe('Hello world');
    expect(tok.idsToTokens([-1, 50256, 50300])).toEqual([null, '<|endoftext|>', null]);
  });
});
