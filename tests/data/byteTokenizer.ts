import type { TextTokenizer } from '../../src/engine/tokenize/types';

/** UTF-8 bytes as ids, 256 = end of text (also used as pad): enough for data-pipeline tests. */
export const EOS = 256;

export const byteTokenizer: TextTokenizer = {
  vocabSize: 257,
  eosTokenId: EOS,
  padTokenId: EOS,
  encode: (text) => Array.from(new TextEncoder().encode(text)),
  decode: (ids) => new TextDecoder().decode(Uint8Array.from(ids.filter((i) => i < 256))),
  idsToTokens: (ids) => ids.map((i) => (i === EOS ? '<eos>' : String.fromCharCode(i))),
};
