/**
 * Loads a Hugging Face `tokenizer.json` (+ optional `tokenizer_config.json`) into the engine's
 * `TextTokenizer`, on top of `@huggingface/tokenizers` (pure JS, so this runs in the browser, in a
 * worker and in Node alike — no Node imports here).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer } from './types';

/** A tokenizer file that cannot be used; the message names the offending field. */
export class TokenizerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenizerError';
  }
}

/** GPT-2's document separator; its presence decides the eos id before any config is consulted. */
export const END_OF_TEXT = '<|endoftext|>';

/** Model types `@huggingface/tokenizers` 0.2 can run (it would silently fall back to "Legacy" otherwise). */
const SUPPORTED_MODEL_TYPES = new Set(['BPE', 'WordPiece', 'Unigram']);

/** Optional top-level components: the library demands the keys exist, even when their value is null. */
const OPTIONAL_COMPONENTS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A special-token entry of `tokenizer_config.json`: either a plain string or, in configs written by
 * older `transformers`, an AddedToken dict `{"__type": "AddedToken", "content": "...", ...}`.
 */
function specialTokenContent(config: Record<string, unknown>, key: string): string | null {
  const value = config[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  throw new TokenizerError(
    `tokenizer_config.json: "${key}" must be a string or an object with a string "content"`,
  );
}

/** Checks the parts the library would otherwise crash on with an unhelpful TypeError. */
function validateTokenizerJson(json: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(json)) {
    throw new TokenizerError('tokenizer.json: expected a JSON object at the top level');
  }
  const model = json.model;
  if (model === undefined || model === null) {
    throw new TokenizerError('tokenizer.json: missing "model"');
  }
  if (!isRecord(model)) {
    throw new TokenizerError('tokenizer.json: "model" must be an object');
  }
  const type = model.type;
  if (typeof type !== 'string') {
    throw new TokenizerError(
      `tokenizer.json: missing "model.type" (expected one of ${[...SUPPORTED_MODEL_TYPES].join(', ')})`,
    );
  }
  if (!SUPPORTED_MODEL_TYPES.has(type)) {
    throw new TokenizerError(
      `tokenizer.json: unsupported "model.type" ${JSON.stringify(type)} ` +
        `(supported: ${[...SUPPORTED_MODEL_TYPES].join(', ')})`,
    );
  }
  if (type === 'Unigram') {
    if (!Array.isArray(model.vocab)) {
      throw new TokenizerError('tokenizer.json: "model.vocab" must be an array of [piece, score] for Unigram');
    }
  } else if (!isRecord(model.vocab)) {
    throw new TokenizerError(`tokenizer.json: "model.vocab" must be an object of token -> id for ${type}`);
  }
  if (type === 'BPE' && !Array.isArray(model.merges)) {
    throw new TokenizerError('tokenizer.json: "model.merges" must be an array for BPE');
  }
  const addedTokens = json.added_tokens ?? [];
  if (!Array.isArray(addedTokens)) {
    throw new TokenizerError('tokenizer.json: "added_tokens" must be an array');
  }
  addedTokens.forEach((t: unknown, i) => {
    if (!isRecord(t) || typeof t.content !== 'string' || !Number.isInteger(t.id)) {
      throw new TokenizerError(`tokenizer.json: "added_tokens[${i}]" needs an integer "id" and a string "content"`);
    }
  });
  // Fill in what the library requires to be present but the HF format lets one omit.
  const normalized: Record<string, unknown> = { ...json, added_tokens: addedTokens };
  for (const key of OPTIONAL_COMPONENTS) {
    if (!(key in normalized)) normalized[key] = null;
  }
  return normalized;
}

function largestId(model: Record<string, unknown>, addedTokens: ReadonlyArray<Record<string, unknown>>): number {
  let max = -1;
  if (Array.isArray(model.vocab)) {
    max = model.vocab.length - 1; // Unigram: ids are positions
  } else if (isRecord(model.vocab)) {
    for (const id of Object.values(model.vocab)) {
      if (typeof id === 'number' && id > max) max = id;
    }
  }
  for (const t of addedTokens) {
    if (typeof t.id === 'number' && t.id > max) max = t.id;
  }
  return max;
}

/**
 * Builds a `TextTokenizer` from parsed `tokenizer.json` / `tokenizer_config.json` objects.
 *
 * - `eosTokenId`: the id of `<|endoftext|>` if the vocabulary has it (GPT-2 family), otherwise the
 *   config's `eos_token`; a `TokenizerError` if neither exists.
 * - `padTokenId`: the config's `pad_token` if set, otherwise the eos id (GPT-2 has no pad token;
 *   padded positions are masked out anyway).
 * - `vocabSize`: largest id + 1 over the model vocabulary and the added tokens, i.e. the number of
 *   embedding rows a model needs (equals the token count when ids are contiguous, as in GPT-2).
 */
export function loadTokenizer(
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig?: Record<string, unknown> | null,
): TextTokenizer {
  const json = validateTokenizerJson(tokenizerJson);
  const config: Record<string, unknown> = isRecord(tokenizerConfig) ? tokenizerConfig : {};

  let hf: Tokenizer;
  try {
    hf = new Tokenizer(json, config);
  } catch (err) {
    throw new TokenizerError(
      `tokenizer.json could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }

  const model = json.model as Record<string, unknown>;
  const vocabSize = largestId(model, json.added_tokens as Array<Record<string, unknown>>) + 1;

  const idOf = (token: string, field: string): number => {
    const id = hf.token_to_id(token);
    if (id === undefined) {
      throw new TokenizerError(`tokenizer_config.json: "${field}" ${JSON.stringify(token)} is not in the vocabulary`);
    }
    return id;
  };

  let eosTokenId: number;
  const eotId = hf.token_to_id(END_OF_TEXT);
  if (eotId !== undefined) {
    eosTokenId = eotId;
  } else {
    const eos = specialTokenContent(config, 'eos_token');
    if (eos === null) {
      throw new TokenizerError(
        `no end-of-text token: the vocabulary has no "${END_OF_TEXT}" and tokenizer_config.json has no "eos_token"`,
      );
    }
    eosTokenId = idOf(eos, 'eos_token');
  }

  const pad = specialTokenContent(config, 'pad_token');
  const padTokenId = pad === null ? eosTokenId : idOf(pad, 'pad_token');

  /**
   * The token string of `id`, or null for an id the tokenizer does not have: past its last token
   * (a checkpoint's embedding may have more rows than the tokenizer has tokens: t5-small has 32,128
   * rows for 32,100 tokens, GPT-2 vocabularies are often padded to a multiple of 64), negative, not
   * an integer, or a gap in the vocabulary.
   */
  const tokenOf = (id: number): string | null => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) return null;
    return hf.id_to_token(id) ?? null;
  };

  return {
    vocabSize,
    eosTokenId,
    padTokenId,
    encode(text: string): number[] {
      // add_special_tokens: false — the engine inserts eos between documents itself.
      const { ids, tokens } = hf.encode(text, { add_special_tokens: false });
      for (let i = 0; i < ids.length; i++) {
        // The library maps an unknown piece to unk_token_id, which is undefined for GPT-2 (no unk):
        // never let an undefined slip into a training batch.
        if (ids[i] === undefined) {
          throw new TokenizerError(`piece ${JSON.stringify(tokens[i])} has no id and the tokenizer has no unk_token`);
        }
      }
      return ids;
    },
    decode(ids: number[]): string {
      // Ids the tokenizer does not have are skipped, as Hugging Face's fast tokenizer does: a model
      // whose vocabulary is padded past the tokenizer can generate them, and that is no error.
      const known = ids.filter((id) => tokenOf(id) !== null);
      // The library throws on an empty array; an empty generation is a legitimate empty string.
      if (known.length === 0) return '';
      // clean_up_tokenization_spaces defaults to true in the library, which rewrites " ," -> ","
      // and " n't" -> "n't": decode must invert encode exactly, so it is always off.
      return hf.decode(known, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    },
    idsToTokens(ids: number[]): Array<string | null> {
      // Raw vocabulary strings (byte-level ones show a leading space as "Ġ"), like HF's
      // convert_ids_to_tokens: decoding a single token can split a multi-byte character. An id the
      // tokenizer does not have gives null (HF's fast tokenizer gives None).
      return ids.map(tokenOf);
    },
  };
}
