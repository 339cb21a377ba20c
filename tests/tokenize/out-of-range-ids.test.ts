import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizer } from '../../src/engine/tokenize/tokenizer';

/**
 * A model's vocabulary may be larger than its tokenizer (t5-small: 32,128 rows, 32,100 tokens;
 * padded GPT-2 vocabularies), so a model can produce ids the tokenizer does not have. As the
 * Hugging Face fast tokenizer does, decode skips them and convert_ids_to_tokens gives none (null).
 */
const load = (model: string) => {
  const dir = path.join('public', 'models', model);
  const json = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  return loadTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
};

describe('ids outside the tokenizer', () => {
  for (const model of ['tiny-gpt2', 'tiny-t5']) {
    it(`${model}: decode skips them, idsToTokens gives null, neither throws`, () => {
      const tok = load(model);
      const ids = tok.encode('Call me Ishmael.');
      const size = tok.vocabSize;
      const mixed = [size, ...ids.slice(0, 2), size + 63, -1, 1.5, ...ids.slice(2), size + 1000];
      expect(tok.decode(mixed)).toBe(tok.decode(ids));
      expect(tok.decode([size, size + 63])).toBe('');
      const tokens = tok.idsToTokens(mixed);
      expect(tokens).toHaveLength(mixed.length);
      expect(tokens.filter((t) => t === null)).toHaveLength(5);
      expect(tokens.filter((t): t is string => t !== null)).toEqual(tok.idsToTokens(ids));
      expect(tok.idsToTokens([size - 1])[0]).not.toBeNull();
    });
  }
});
