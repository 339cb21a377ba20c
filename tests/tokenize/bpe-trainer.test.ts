import { describe, expect, it } from 'vitest';
import { GPT2_SPLIT_REGEX, bytesToUnicodeString, trainByteLevelBpe } from '../../src/engine/tokenize/bpe-trainer';
import { loadTokenizer } from '../../src/engine/tokenize/tokenizer';

/** A small, varied corpus with enough repetition for a few hundred merges. */
function corpus(): string[] {
  const base = [
    'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse,',
    'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.',
    'Mr. Speaker, Mr. Vice President, Members of Congress, my fellow Americans: the state of our Union is strong.',
    "We've got to keep moving forward; it's the nation's duty, and I'll say it again in 2024 and 1999.",
    'The whale, the whale! There she blows! Thar she blows! A hump like a snow-hill! It is Moby Dick!',
  ];
  const texts: string[] = [];
  for (let i = 0; i < 40; i++) texts.push(base[i % base.length] + ` (paragraph ${i})`);
  return texts;
}

/**
 * The textbook trainer: recount every pair from scratch before each merge. Same tie-break as the
 * real one (count, then smaller left id, then smaller right id), so the merge lists must agree —
 * this checks the incremental pair-count bookkeeping.
 */
function naiveMerges(texts: string[], numMerges: number): string[] {
  const vocab = (trainByteLevelBpe([], { vocabSize: 257 }).tokenizerJson.model as BpeModel).vocab;
  const str: string[] = [];
  for (const [s, id] of Object.entries(vocab)) if (id < 256) str[id] = s;
  const ids = new Map(str.map((s, i) => [s, i]));
  const counts = new Map<string, number>();
  for (const t of texts) for (const m of t.matchAll(GPT2_SPLIT_REGEX)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  let words = [...counts].map(([w, c]) => ({
    syms: [...bytesToUnicodeString(new TextEncoder().encode(w))].map((ch) => ids.get(ch) as number),
    c,
  }));
  const merges: string[] = [];
  while (merges.length < numMerges) {
    const pairs = new Map<string, number>();
    for (const { syms, c } of words)
      for (let i = 0; i + 1 < syms.length; i++) pairs.set(`${syms[i]},${syms[i + 1]}`, (pairs.get(`${syms[i]},${syms[i + 1]}`) ?? 0) + c);
    let best: [number, number, number] | null = null;
    for (const [k, c] of pairs) {
      const [a, b] = k.split(',').map(Number);
      if (!best || c > best[0] || (c === best[0] && (a < best[1] || (a === best[1] && b < best[2])))) best = [c, a, b];
    }
    if (!best || best[0] < 2) break;
    const [, a, b] = best;
    const s = str[a] + str[b];
    let id = ids.get(s);
    if (id === undefined) {
      id = str.length;
      str.push(s);
      ids.set(s, id);
    }
    merges.push(`${str[a]} ${str[b]}`);
    words = words.map(({ syms, c }) => {
      const out: number[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          out.push(id as number);
          i++;
        } else out.push(syms[i]);
      }
      return { syms: out, c };
    });
  }
  return merges;
}

interface BpeModel {
  vocab: Record<string, number>;
  merges: string[];
}

describe('trainByteLevelBpe', () => {
  const vocabSize = 400;
  const trained = trainByteLevelBpe(corpus(), { vocabSize });
  const model = trained.tokenizerJson.model as BpeModel;

  it('gives the same merges as a from-scratch recount', () => {
    const texts = [...corpus(), 'aaaaaaa aaaa bbbabab ababab', 'zzz zzz zzz'];
    const fast = trainByteLevelBpe(texts, { vocabSize: 357 }).tokenizerJson.model as BpeModel;
    expect(fast.merges).toHaveLength(100);
    expect(fast.merges).toEqual(naiveMerges(texts, 100));
  });

  it('is deterministic', () => {
    const again = trainByteLevelBpe(corpus(), { vocabSize });
    expect(JSON.stringify(again)).toBe(JSON.stringify(trained));
  });

  it('hits the vocab size exactly with <|endoftext|> last, in GPT-2 layout', () => {
    const ids = Object.values(model.vocab).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: vocabSize }, (_, i) => i));
    expect(model.vocab['<|endoftext|>']).toBe(vocabSize - 1);
    expect(model.merges.length).toBeGreaterThanOrEqual(vocabSize - 257);
    expect(model.vocab['!']).toBe(0); // byte symbols in bytes_to_unicode order, as GPT-2
    expect(model.vocab['Ā']).toBe(188);
    expect(model.vocab['Ġ']).toBe(220);
    expect(trained.tokenizerJson.added_tokens).toEqual([
      { id: vocabSize - 1, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ]);
    expect(trained.tokenizerConfig).toMatchObject({
      eos_token: '<|endoftext|>',
      bos_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      tokenizer_class: 'GPT2Tokenizer',
    });
  });

  it('loads with loadTokenizer and round-trips arbitrary unicode', () => {
    const tok = loadTokenizer(trained.tokenizerJson, trained.tokenizerConfig);
    expect(tok.vocabSize).toBe(vocabSize);
    expect(tok.eosTokenId).toBe(vocabSize - 1);
    expect(tok.padTokenId).toBe(vocabSize - 1);
    const samples = [
      'naïve café 日本 🤗 \u0000\u0001\u007f \t\n  Ω≈ç√∫ ﷽ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
      'Zyxwvut QQQ ~~~ |||',
      'the whale the whale',
    ];
    // Every one of the 256 bytes must be encodable: a string that contains each of them.
    samples.push(String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i)) + 'ÿþ€');
    for (const s of samples) {
      const ids = tok.encode(s);
      for (const id of ids) expect(id).toBeLessThan(vocabSize);
      expect(tok.decode(ids)).toBe(s);
    }
  });

  it('merges shorten in-domain text well below one token per byte', () => {
    const tok = loadTokenizer(trained.tokenizerJson, trained.tokenizerConfig);
    const text = corpus()[0];
    const bytes = new TextEncoder().encode(text).length;
    expect(tok.encode(text).length).toBeLessThan(bytes * 0.5);
  });

  it('extra special tokens come before <|endoftext|> and are kept whole', () => {
    const t = trainByteLevelBpe(corpus(), { vocabSize: 300, specialTokens: ['<pad>', '<|endoftext|>'] });
    const tok = loadTokenizer(t.tokenizerJson, { ...t.tokenizerConfig, pad_token: '<pad>' });
    expect(tok.vocabSize).toBe(300);
    expect(tok.eosTokenId).toBe(299);
    expect(tok.padTokenId).toBe(298);
    expect(tok.encode('a<pad>b')).toEqual([...tok.encode('a'), 298, ...tok.encode('b')]);
  });

  it('reports progress and stops short when pairs run out', () => {
    const seen: number[] = [];
    const t = trainByteLevelBpe(['abab abab'], { vocabSize: 1000, onProgress: (m) => seen.push(m) });
    const m = t.tokenizerJson.model as BpeModel;
    expect(seen).toEqual(seen.map((_, i) => i + 1));
    expect(m.merges.length).toBe(seen.length);
    expect(Object.keys(m.vocab).length).toBeLessThan(1000);
    expect(() => trainByteLevelBpe(['x'], { vocabSize: 100 })).toThrow(RangeError);
  });
});
