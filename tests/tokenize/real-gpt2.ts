/**
 * Builds the REAL GPT-2 `tokenizer.json` (50,257 tokens, 50,000 merges) from the r50k_base BPE
 * ranks that `gpt-tokenizer` ships, so tests can check our wrapper against a reference encoder
 * without network access.
 *
 * tiktoken stores only ranks (token bytes -> id); HF stores a vocab plus an ordered merge list.
 * GPT-2's ranks ARE its vocab ids (0..255 bytes in bytes_to_unicode order, then one token per
 * merge, in merge order). The merge that creates a token of rank r is recovered by running
 * tiktoken's byte-pair merge on the token's own bytes using only ranks < r: it must stop at
 * exactly two parts, which are the merge's left and right sides.
 */
import r50kRanks from 'gpt-tokenizer/bpeRanks/r50k_base';
import { bytesToUnicodeString } from '../../src/engine/tokenize/bpe-trainer';

const latin1 = (bytes: ArrayLike<number>): string => String.fromCharCode(...Array.from(bytes));

/** tiktoken's `_byte_pair_merge` restricted to ranks below `maxRank`. */
function splitBelowRank(bytes: Uint8Array, ranks: Map<string, number>, maxRank: number): Uint8Array[] {
  let parts: Uint8Array[] = Array.from(bytes, (b) => Uint8Array.of(b));
  for (;;) {
    let best = -1;
    let bestRank = maxRank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(latin1(parts[i]) + latin1(parts[i + 1]));
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return parts;
    const joined = new Uint8Array(parts[best].length + parts[best + 1].length);
    joined.set(parts[best]);
    joined.set(parts[best + 1], parts[best].length);
    parts = [...parts.slice(0, best), joined, ...parts.slice(best + 2)];
  }
}

let cached: Record<string, unknown> | null = null;

/** GPT-2's tokenizer.json, byte for byte the structure of openai-community/gpt2's file. */
export function realGpt2TokenizerJson(): Record<string, unknown> {
  if (cached) return cached;
  const encoder = new TextEncoder();
  // r50k entries are strings when the bytes are valid UTF-8, raw byte arrays otherwise.
  const tokenBytes: Uint8Array[] = r50kRanks.map((t) => (typeof t === 'string' ? encoder.encode(t) : Uint8Array.from(t)));
  const ranks = new Map<string, number>();
  tokenBytes.forEach((b, rank) => ranks.set(latin1(b), rank));
  if (ranks.size !== 50256) throw new Error(`expected 50256 distinct r50k ranks, got ${ranks.size}`);

  const vocab: Record<string, number> = {};
  const merges: string[] = [];
  tokenBytes.forEach((bytes, rank) => {
    vocab[bytesToUnicodeString(bytes)] = rank;
    if (bytes.length === 1) return;
    const parts = splitBelowRank(bytes, ranks, rank);
    if (parts.length !== 2) throw new Error(`rank ${rank}: BPE on its bytes stops at ${parts.length} parts, not 2`);
    merges.push(`${bytesToUnicodeString(parts[0])} ${bytesToUnicodeString(parts[1])}`);
  });
  vocab['<|endoftext|>'] = 50256;

  cached = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  return cached;
}

/** openai-community/gpt2's tokenizer_config.json. */
export const REAL_GPT2_TOKENIZER_CONFIG: Record<string, unknown> = { model_max_length: 1024 };
