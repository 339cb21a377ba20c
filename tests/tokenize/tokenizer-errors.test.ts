import { describe, expect, it } from 'vitest';
import { loadTokenizer, TokenizerError } from '../../src/engine/tokenize/tokenizer';
import { trainByteLevelBpe } from '../../src/engine/tokenize/bpe-trainer';

const valid = trainByteLevelBpe(['hello world hello world'], { vocabSize: 260 });

function expectError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TokenizerError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('loadTokenizer errors', () => {
  it('names a missing model', () => {
    expectError(() => loadTokenizer({ version: '1.0' }), /"model"/);
  });

  it('names a missing or unsupported model.type', () => {
    const model = valid.tokenizerJson.model as Record<string, unknown>;
    expectError(() => loadTokenizer({ ...valid.tokenizerJson, model: { ...model, type: undefined } }), /"model\.type"/);
    expectError(() => loadTokenizer({ ...valid.tokenizerJson, model: { ...model, type: 'CharBPE' } }), /"model\.type".*CharBPE/);
  });

  it('names a missing vocab or merges', () => {
    const model = valid.tokenizerJson.model as Record<string, unknown>;
    expectError(() => loadTokenizer({ ...valid.tokenizerJson, model: { ...model, vocab: undefined } }), /"model\.vocab"/);
    expectError(() => loadTokenizer({ ...valid.tokenizerJson, model: { ...model, merges: 'a b' } }), /"model\.merges"/);
  });

  it('names a broken added_tokens entry', () => {
    expectError(() => loadTokenizer({ ...valid.tokenizerJson, added_tokens: [{ content: 'x' }] }), /added_tokens\[0\]/);
  });

  it('needs an eos token from somewhere, and a pad token that exists', () => {
    const model = valid.tokenizerJson.model as { vocab: Record<string, number> };
    const vocab = { ...model.vocab };
    delete vocab['<|endoftext|>'];
    const noEot = { ...valid.tokenizerJson, added_tokens: [], model: { ...model, vocab } };
    expectError(() => loadTokenizer(noEot), /eos_token/);
    expect(loadTokenizer(noEot, { eos_token: { content: 'h' } }).eosTokenId).toBe(vocab['h']);
    expectError(() => loadTokenizer(noEot, { eos_token: '</s>' }), /"eos_token" "<\/s>" is not in the vocabulary/);
    expectError(() => loadTokenizer(valid.tokenizerJson, { pad_token: '<pad>' }), /"pad_token"/);
  });

  it('accepts a minimal file without the optional components', () => {
    const model = valid.tokenizerJson.model;
    const tok = loadTokenizer({ model, added_tokens: valid.tokenizerJson.added_tokens });
    expect(tok.vocabSize).toBe(260);
  });
});
