import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadTokenizer } from '../../src/engine/tokenize/tokenizer';
import { sentinelToken, trainT5Tokenizer } from '../../scripts/t5-tokenizer';

/**
 * T5's tokenizer conventions: our byte-level BPE laid out as T5 (scripts/t5-tokenizer.ts, the
 * built-in tiny-t5), and a hand-written tokenizer.json of the real T5 kind (SentencePiece Unigram +
 * Metaspace), as users bring t5-small's.
 */

const TEXTS = [
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse.',
  'It is a way I have of driving off the spleen and regulating the circulation.',
  'The state of the Union is strong, and the people of these United States are free.',
];

describe('T5-convention byte-level BPE (scripts/t5-tokenizer.ts)', () => {
  const trained = trainT5Tokenizer(TEXTS, { vocabSize: 330, extraIds: 20 });
  const tokenizer = loadTokenizer(trained.tokenizerJson, trained.tokenizerConfig);
  const size = tokenizer.vocabSize;

  it('puts <pad>, </s>, <unk> at 0, 1, 2 and <extra_id_0> at the top', () => {
    expect(tokenizer.padTokenId).toBe(0);
    expect(tokenizer.eosTokenId).toBe(1);
    expect(tokenizer.idsToTokens([0, 1, 2])).toEqual(['<pad>', '</s>', '<unk>']);
    expect(tokenizer.idsToTokens([size - 1, size - 2, size - 20])).toEqual(['<extra_id_0>', '<extra_id_1>', '<extra_id_19>']);
    // Ids are contiguous: every id has a token, no token is listed twice.
    const vocab = (trained.tokenizerJson.model as { vocab: Record<string, number> }).vocab;
    expect(new Set(Object.values(vocab)).size).toBe(size);
    expect(Math.max(...Object.values(vocab))).toBe(size - 1);
    expect(trained.tokenizerConfig).toMatchObject({ tokenizer_class: 'T5Tokenizer', eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', extra_ids: 20 });
    expect((trained.tokenizerConfig.additional_special_tokens as string[])[0]).toBe('<extra_id_0>');
  });

  it('round-trips text, keeps a sentinel in the text as one token, and its post-processor appends </s>', () => {
    for (const text of [...TEXTS, 'Ünïcödé — and 数字 too', ' leading and trailing spaces ']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
    const ids = tokenizer.encode('Call me <extra_id_0> years ago');
    expect(ids).toContain(size - 1);
    expect(ids.filter((id) => id >= size - 20)).toEqual([size - 1]);
    const hf = new Tokenizer(trained.tokenizerJson, trained.tokenizerConfig);
    const withSpecials = hf.encode('Call me', { add_special_tokens: true }).ids;
    expect(withSpecials[withSpecials.length - 1]).toBe(1);
    expect(withSpecials.slice(0, -1)).toEqual(tokenizer.encode('Call me'));
  });

  it('the built-in tiny-t5 tokenizer has 2048 ids with T5 specials', () => {
    const dir = path.join(__dirname, '../../public/models/tiny-t5');
    const json = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    const config = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    const builtIn = loadTokenizer(json, config);
    expect(builtIn.vocabSize).toBe(2048);
    expect([builtIn.padTokenId, builtIn.eosTokenId]).toEqual([0, 1]);
    expect(builtIn.idsToTokens([2047, 1948])).toEqual(['<extra_id_0>', '<extra_id_99>']);
    const modelConfig = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(modelConfig).toMatchObject({ vocab_size: 2048, pad_token_id: 0, eos_token_id: 1, decoder_start_token_id: 0 });
    const text = 'Call me Ishmael, said the President to the Congress.';
    expect(builtIn.decode(builtIn.encode(text))).toBe(text);
  });
});

/** A tokenizer.json shaped like t5-small's (Unigram + Metaspace + T5's post-processor), in miniature. */
function realKindT5Tokenizer(metaspace: Record<string, unknown>): { json: Record<string, unknown>; config: Record<string, unknown> } {
  const pieces: Array<[string, number]> = [
    ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['▁', -2.0], ['.', -3.0], ['▁the', -3.1], ['▁cat', -6.0], ['▁sat', -6.5], ['▁on', -5.0],
    ['▁mat', -7.0], ['s', -3.5], ['a', -4.0], ['t', -4.0], ['c', -4.2], ['m', -4.3], ['o', -4.1], ['n', -4.1], ['h', -4.4], ['e', -3.9],
  ];
  const extraIds = 3;
  for (let i = extraIds - 1; i >= 0; i--) pieces.push([sentinelToken(i), 0]);
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>'), ...pieces.slice(-extraIds).map(([p], i) => special(pieces.length - extraIds + i, p))],
    // t5-small's normalizer: a SentencePiece charsmap (blob shortened here; the library applies NFKC).
    normalizer: { type: 'Precompiled', precompiled_charsmap: 'ALQCAACEAAAAAACAAQAAgMz8AgC4BQAAhyIAgMzkAgC4PQAAeyIAgMzsAgC4BQAAiyIAgMw8AADNvAAAmwkAgJ4JAIChCQCA' },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  };
  const config = {
    eos_token: '</s>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    extra_ids: extraIds,
    additional_special_tokens: Array.from({ length: extraIds }, (_, i) => sentinelToken(i)),
    model_max_length: 512,
    tokenizer_class: 'T5Tokenizer',
  };
  return { json, config };
}

describe("a tokenizer.json of the real T5 kind (Unigram + Metaspace), as t5-small's", () => {
  const variants: Array<[string, Record<string, unknown>]> = [
    ['tokenizers ≥ 0.14 (prepend_scheme)', { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }],
    ['older files (add_prefix_space)', { type: 'Metaspace', replacement: '▁', add_prefix_space: true }],
  ];
  for (const [label, metaspace] of variants) {
    it(`loads and tokenizes like SentencePiece: ${label}`, () => {
      const { json, config } = realKindT5Tokenizer(metaspace);
      const tokenizer = loadTokenizer(json, config);
      expect(tokenizer.vocabSize).toBe(22);
      expect([tokenizer.padTokenId, tokenizer.eosTokenId]).toEqual([0, 1]);
      const ids = tokenizer.encode('the cat sat on the mat.');
      expect(tokenizer.idsToTokens(ids)).toEqual(['▁the', '▁cat', '▁sat', '▁on', '▁the', '▁mat', '.']);
      expect(tokenizer.decode(ids)).toBe('the cat sat on the mat.');
      // Unknown characters fall back to <unk> (id 2); sentinels stay whole, <extra_id_0> the last id.
      expect(tokenizer.encode('the dog')).toContain(2);
      expect(tokenizer.encode('the <extra_id_0> mat')).toContain(21);
      expect(tokenizer.idsToTokens([21, 19])).toEqual(['<extra_id_0>', '<extra_id_2>']);
      const hf = new Tokenizer(json, config);
      expect(hf.encode('the cat', { add_special_tokens: true }).ids).toEqual([5, 6, 1]);
    });
  }
});
