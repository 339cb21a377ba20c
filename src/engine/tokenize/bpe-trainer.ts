/**
 * A byte-level BPE trainer in the GPT-2 style whose output is a Hugging Face `tokenizer.json`
 * laid out exactly like GPT-2's, so `loadTokenizer`, Python `tokenizers` and `transformers` all
 * load it unchanged. Pure JS (no Node imports): it can run in a browser worker as well.
 *
 * Algorithm (the one HF's `BpeTrainer` uses): split every text with GPT-2's regex, count the
 * distinct pieces, spell each piece in GPT-2's 256-symbol byte alphabet, then repeatedly merge the
 * most frequent adjacent pair over the table of distinct pieces (weighted by their counts),
 * updating pair counts incrementally — only the pieces that contain the merged pair are touched.
 */

/** GPT-2's pre-tokenization regex (identical to the one `@huggingface/tokenizers`' ByteLevel uses). */
export const GPT2_SPLIT_REGEX = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const END_OF_TEXT = '<|endoftext|>';

/**
 * GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the other 68 are shifted to
 * U+0100.. so every byte is a visible, non-space character (a space becomes "Ġ").
 * `order[i]` is the byte whose symbol has id `i` in GPT-2's vocabulary (ids 0..255 follow this
 * order, e.g. id 0 = "!" and id 188 = byte 0 = "Ā").
 */
function buildByteAlphabet(): { order: number[]; byteToChar: string[] } {
  const order: number[] = [];
  for (let b = 33; b <= 126; b++) order.push(b);
  for (let b = 161; b <= 172; b++) order.push(b);
  for (let b = 174; b <= 255; b++) order.push(b);
  const byteToChar: string[] = new Array<string>(256);
  for (const b of order) byteToChar[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (byteToChar[b] === undefined) {
      order.push(b);
      byteToChar[b] = String.fromCharCode(256 + n);
      n++;
    }
  }
  return { order, byteToChar };
}

const ALPHABET = buildByteAlphabet();

/** The GPT-2 byte-to-unicode table: `BYTE_TO_UNICODE[b]` is the 1-character symbol of byte `b`. */
export const BYTE_TO_UNICODE: readonly string[] = ALPHABET.byteToChar;

/** Spells raw bytes in GPT-2's byte alphabet (how byte-level vocab entries are written). */
export function bytesToUnicodeString(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += ALPHABET.byteToChar[bytes[i]];
  return s;
}

export interface TrainByteLevelBpeOptions {
  /** Final vocabulary size: 256 byte symbols + merged tokens + special tokens. */
  vocabSize: number;
  /** A pair seen fewer times than this is never merged (training then stops short). Default 2. */
  minFrequency?: number;
  /** Extra special tokens; `<|endoftext|>` is always added and always gets the last id. */
  specialTokens?: string[];
  /** Called after every merge with the number of merges done so far. */
  onProgress?: (merges: number) => void;
  /** `model_max_length` written to tokenizer_config.json. Default 1024 (GPT-2's context). */
  modelMaxLength?: number;
}

export interface TrainedTokenizer {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/** Pair key: both ids fit in 22 bits (vocabularies up to 4 M), the key stays an exact double. */
const PAIR_SHIFT = 4194304;
const pairKey = (a: number, b: number): number => a * PAIR_SHIFT + b;

/**
 * Max-heap of candidate merges: highest count first, ties to the smaller (left id, right id)
 * — HF's `BpeTrainer` order — so training is deterministic. Entries go stale as counts change;
 * the trainer re-checks each popped entry against the live count.
 */
class MergeHeap {
  private counts: number[] = [];
  private lefts: number[] = [];
  private rights: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private before(i: number, j: number): boolean {
    const c = this.counts;
    if (c[i] !== c[j]) return c[i] > c[j];
    if (this.lefts[i] !== this.lefts[j]) return this.lefts[i] < this.lefts[j];
    return this.rights[i] < this.rights[j];
  }

  private swap(i: number, j: number): void {
    const c = this.counts, l = this.lefts, r = this.rights;
    [c[i], c[j]] = [c[j], c[i]];
    [l[i], l[j]] = [l[j], l[i]];
    [r[i], r[j]] = [r[j], r[i]];
  }

  push(count: number, left: number, right: number): void {
    this.counts.push(count);
    this.lefts.push(left);
    this.rights.push(right);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the top entry and returns it as [count, left, right]. */
  pop(): [number, number, number] {
    const top: [number, number, number] = [this.counts[0], this.lefts[0], this.rights[0]];
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.lefts.pop();
    this.rights.pop();
    const n = this.counts.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.before(l, best)) best = l;
      if (r < n && this.before(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }
}

/** Counts GPT-2 pre-tokenized pieces over all texts (the expensive pass over the raw corpus). */
function countPieces(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  // A private copy: a shared global regex carries lastIndex state between callers.
  const re = new RegExp(GPT2_SPLIT_REGEX.source, GPT2_SPLIT_REGEX.flags);
  for (const text of texts) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const piece = m[0];
      if (piece.length === 0) {
        re.lastIndex++; // cannot happen with this regex; guards against an endless loop anyway
        continue;
      }
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Trains a GPT-2-style byte-level BPE tokenizer. Deterministic: the same texts (in the same
 * order) and options give byte-identical output.
 *
 * The vocabulary is the 256 byte symbols (ids 0..255, in GPT-2's order), then one token per merge,
 * then the special tokens with `<|endoftext|>` last (id `vocabSize - 1`, as in GPT-2). If the
 * corpus runs out of pairs seen at least `minFrequency` times, the vocabulary comes out smaller.
 */
export function trainByteLevelBpe(texts: Iterable<string>, opts: TrainByteLevelBpeOptions): TrainedTokenizer {
  const minFrequency = Math.max(1, opts.minFrequency ?? 2);
  const specials = [...new Set((opts.specialTokens ?? []).filter((t) => t !== END_OF_TEXT)), END_OF_TEXT];
  const targetModelTokens = opts.vocabSize - specials.length;
  if (!Number.isInteger(opts.vocabSize) || targetModelTokens < 256) {
    throw new RangeError(
      `vocabSize must be an integer >= ${256 + specials.length} (256 bytes + ${specials.length} special tokens), got ${opts.vocabSize}`,
    );
  }
  if (targetModelTokens >= PAIR_SHIFT) throw new RangeError(`vocabSize must be < ${PAIR_SHIFT}`);

  // Token strings by id and the reverse map; ids 0..255 are the byte symbols.
  const tokenStr: string[] = ALPHABET.order.map((b) => ALPHABET.byteToChar[b]);
  const tokenId = new Map<string, number>(tokenStr.map((s, i) => [s, i]));
  const byteId = new Int32Array(256);
  ALPHABET.order.forEach((b, i) => (byteId[b] = i));

  // Distinct pieces as symbol-id arrays. One-symbol pieces have no pair to merge: skip them.
  const words: Int32Array[] = [];
  const freqs: number[] = [];
  const encoder = new TextEncoder();
  for (const [piece, count] of countPieces(texts)) {
    const bytes = encoder.encode(piece);
    if (bytes.length < 2) continue;
    const w = new Int32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) w[i] = byteId[bytes[i]];
    words.push(w);
    freqs.push(count);
  }

  // Pair counts (weighted by piece frequency) and, per pair, the pieces that may contain it
  // (a superset: entries are not removed when a piece loses the pair; merging re-checks).
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairWord = (key: number, wi: number): void => {
    let set = pairWords.get(key);
    if (set === undefined) pairWords.set(key, (set = new Set()));
    set.add(wi);
  };
  for (let wi = 0; wi < words.length; wi++) {
    const w = words[wi];
    const f = freqs[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const key = pairKey(w[i], w[i + 1]);
      pairCount.set(key, (pairCount.get(key) ?? 0) + f);
      addPairWord(key, wi);
    }
  }
  const heap = new MergeHeap();
  for (const [key, count] of pairCount) heap.push(count, Math.floor(key / PAIR_SHIFT), key % PAIR_SHIFT);

  const merges: Array<[number, number]> = [];
  const delta = new Map<number, number>();
  while (tokenStr.length < targetModelTokens && heap.size > 0) {
    const [count, a, b] = heap.pop();
    const key = pairKey(a, b);
    const live = pairCount.get(key) ?? 0;
    if (live !== count) {
      // Stale entry (the count dropped since it was pushed): requeue at its true count.
      if (live > 0) heap.push(live, a, b);
      continue;
    }
    if (count < minFrequency) break;

    // Two different pairs can spell the same string ("ab"+"c", "a"+"bc"): like HF, the merge is
    // recorded but the vocabulary keeps a single id for it.
    const merged = tokenStr[a] + tokenStr[b];
    let newId = tokenId.get(merged);
    if (newId === undefined) {
      newId = tokenStr.length;
      tokenStr.push(merged);
      tokenId.set(merged, newId);
    }
    merges.push([a, b]);

    delta.clear();
    const candidates = pairWords.get(key);
    pairWords.delete(key);
    if (candidates !== undefined) {
      for (const wi of candidates) {
        const w = words[wi];
        // Merge every non-overlapping occurrence, left to right (as BPE applies a merge).
        const out: number[] = [];
        let changed = false;
        for (let i = 0; i < w.length; i++) {
          if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
            out.push(newId);
            i++;
            changed = true;
          } else {
            out.push(w[i]);
          }
        }
        if (!changed) continue;
        const f = freqs[wi];
        // Pieces are short, so recount the whole piece: old pairs out, new pairs in.
        for (let i = 0; i + 1 < w.length; i++) {
          const k = pairKey(w[i], w[i + 1]);
          delta.set(k, (delta.get(k) ?? 0) - f);
        }
        for (let i = 0; i + 1 < out.length; i++) {
          const k = pairKey(out[i], out[i + 1]);
          delta.set(k, (delta.get(k) ?? 0) + f);
          if (out[i] === newId || out[i + 1] === newId) addPairWord(k, wi);
        }
        words[wi] = Int32Array.from(out);
      }
    }
    // Sorted so heap insertion order (and thus nothing at all) depends on Map iteration quirks.
    const changedKeys = [...delta.keys()].sort((x, y) => x - y);
    for (const k of changedKeys) {
      const d = delta.get(k) ?? 0;
      if (d === 0) continue;
      const next = (pairCount.get(k) ?? 0) + d;
      if (next > 0) pairCount.set(k, next);
      else pairCount.delete(k);
      // Decreases are fixed lazily when the stale entry surfaces; increases need a new entry.
      if (d > 0) heap.push(next, Math.floor(k / PAIR_SHIFT), k % PAIR_SHIFT);
    }
    opts.onProgress?.(merges.length);
  }

  // tokenizer.json, field for field as GPT-2's (merges as "left right" strings, the format of
  // GPT-2's own file; byte-level symbols never contain a space, so the split is unambiguous).
  const vocab: Record<string, number> = {};
  tokenStr.forEach((s, id) => (vocab[s] = id));
  const addedTokens = specials.map((content, i) => {
    const id = tokenStr.length + i;
    vocab[content] = id; // GPT-2's vocab.json lists <|endoftext|> too
    return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
  });
  const tokenizerJson: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
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
      ignore_merges: false,
      vocab,
      merges: merges.map(([l, r]) => `${tokenStr[l]} ${tokenStr[r]}`),
    },
  };
  const tokenizerConfig: Record<string, unknown> = {
    model_max_length: opts.modelMaxLength ?? 1024,
    bos_token: END_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    tokenizer_class: 'GPT2Tokenizer',
    add_prefix_space: false,
    // transformers' GPT-2 default rewrites " ," to "," on decode; a round trip must be exact.
    clean_up_tokenization_spaces: false,
  };
  return { tokenizerJson, tokenizerConfig };
}
