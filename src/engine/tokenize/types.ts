/** What the engine needs from a tokenizer; implemented over @huggingface/tokenizers. */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** Token ids of `text`, no special tokens added. */
  encode(text: string): number[];
  /** The text of `ids`; ids the tokenizer does not have (a padded model vocabulary) are skipped, never an error. */
  decode(ids: number[]): string;
  /** Id of `<|endoftext|>` (GPT-2's bos = eos), used between documents. */
  readonly eosTokenId: number;
  /** Id used to right-pad batches (GPT-2 has none: the eos id, masked by the attention mask). */
  readonly padTokenId: number;
  /** The token strings of `ids`, for display; null for an id the tokenizer does not have. */
  idsToTokens(ids: number[]): Array<string | null>;
}
