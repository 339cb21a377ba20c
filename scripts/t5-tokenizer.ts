/**
 * A T5-convention tokenizer built on the project's byte-level BPE trainer (bpe-trainer.ts).
 *
 * Real T5 uses a SentencePiece Unigram model; ours is byte-level BPE (no unknown characters,
 * and the trainer already exists and is tested), laid out with T5's conventions so that code
 * written for T5 finds what it expects:
 *   `<pad>` = 0, `</s>` = 1 (eos), `<unk>` = 2, then the BPE tokens, then the sentinels
 *   `<extra_id_{n-1}>` … `<extra_id_0>` with `<extra_id_0>` the highest id;
 *   a TemplateProcessing post-processor appending `</s>` (as T5's tokenizer.json);
 *   tokenizer_config.json with the fields T5TokenizerFast reads.
 */
import { trainByteLevelBpe } from '../src/engine/tokenize/bpe-trainer';
import { END_OF_TEXT } from '../src/engine/tokenize/tokenizer';

export interface T5TokenizerOptions {
  /** Total ids: 3 specials + BPE tokens + sentinels. */
  vocabSize: number;
  /** Sentinel count (T5: 100). */
  extraIds: number;
  modelMaxLength?: number;
}

const PAD = '<pad>';
const EOS = '</s>';
const UNK = '<unk>';

export const sentinelToken = (i: number): string => `<extra_id_${i}>`;

export function trainT5Tokenizer(
  texts: Iterable<string>,
  opts: T5TokenizerOptions,
): { tokenizerJson: Record<string, unknown>; tokenizerConfig: Record<string, unknown> } {
  const specials = 3;
  // The trainer always appends <|endoftext|> as its last id: ask for one more and drop it.
  const bpeTokens = opts.vocabSize - specials - opts.extraIds;
  const trained = trainByteLevelBpe(texts, { vocabSize: bpeTokens + 1 });
  const model = trained.tokenizerJson.model as { vocab: Record<string, number>; merges: string[] } & Record<string, unknown>;

  // Shift every BPE id up by 3 (specials first, as T5), drop <|endoftext|>.
  const vocab: Record<string, number> = { [PAD]: 0, [EOS]: 1, [UNK]: 2 };
  let modelTokens = 0;
  for (const [token, id] of Object.entries(model.vocab)) {
    if (token === END_OF_TEXT) continue;
    vocab[token] = id + specials;
    modelTokens++;
  }
  const firstSentinel = specials + modelTokens;
  const size = firstSentinel + opts.extraIds;
  const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const addedTokens = [added(0, PAD), added(1, EOS), added(2, UNK)];
  const sentinels: string[] = [];
  for (let i = opts.extraIds - 1; i >= 0; i--) {
    // <extra_id_0> gets the top id (size − 1), as in T5's vocabulary.
    const id = size - 1 - i;
    vocab[sentinelToken(i)] = id;
    addedTokens.push(added(id, sentinelToken(i)));
  }
  for (let i = 0; i < opts.extraIds; i++) sentinels.push(sentinelToken(i));

  const tokenizerJson: Record<string, unknown> = {
    ...trained.tokenizerJson,
    added_tokens: addedTokens,
    // T5's own post-processor: "$A </s>" (and "$A </s> $B </s>" for pairs).
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: EOS, type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: EOS, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: EOS, type_id: 0 } },
      ],
      special_tokens: { [EOS]: { id: EOS, ids: [1], tokens: [EOS] } },
    },
    model: { ...model, vocab, unk_token: null },
  };
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'T5Tokenizer',
    model_max_length: opts.modelMaxLength ?? 512,
    eos_token: EOS,
    pad_token: PAD,
    unk_token: UNK,
    extra_ids: opts.extraIds,
    additional_special_tokens: sentinels,
    // Decode must invert encode exactly (T5's default true rewrites " ," to ",").
    clean_up_tokenization_spaces: false,
  };
  return { tokenizerJson, tokenizerConfig };
}
