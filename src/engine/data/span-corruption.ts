import type { Rng } from './rng';

/**
 * T5's pretraining objective, span corruption, as the reference implements it
 * (`random_spans_noise_mask` in t5.data.preprocessors and HF's examples/flax/language-modeling/
 * run_t5_mlm_flax.py): ~15% of the tokens, in spans of mean length 3, are cut out of the input
 * and each span is replaced by one sentinel; the target lists the spans, each after its sentinel.
 *
 *   original: The cute dog walks in the park
 *   input:    The <extra_id_0> walks in <extra_id_1> park </s>
 *   target:   <extra_id_0> cute dog <extra_id_1> the </s>
 *
 * Sentinels are numbered downwards from `<extra_id_0>` (the highest id in T5's vocabulary, as
 * HF's `len(tokenizer) - span_index`).
 */

export interface SpanCorruptionOptions {
  /** Share of tokens to corrupt (T5: 0.15). */
  noiseDensity?: number;
  /** Mean length of a corrupted span (T5: 3). */
  meanNoiseSpanLength?: number;
  /** Id of `<extra_id_0>`; span i uses `firstSentinelId - i`. */
  firstSentinelId: number;
  eosTokenId: number;
}

export interface SpanCorruptionExample {
  /** Non-noise tokens with one sentinel per noise span, then eos. */
  inputIds: Int32Array;
  /** Sentinel + span tokens per noise span, then eos. */
  targetIds: Int32Array;
}

/** numpy's np.round: halves go to the even neighbour (4.5 → 4, 1.5 → 2). */
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Splits `numItems` into `numSegments` non-empty runs at random (the reference's
 * `_random_segmentation`): a shuffled 0/1 vector of `numSegments − 1` cut points among
 * `numItems − 1` gaps.
 */
function randomSegmentation(numItems: number, numSegments: number, rng: Rng): number[] {
  const cuts = Array.from({ length: numItems - 1 }, (_, i) => i < numSegments - 1);
  rng.shuffle(cuts);
  const lengths: number[] = [1];
  for (const cut of cuts) {
    if (cut) lengths.push(1);
    else lengths[lengths.length - 1]++;
  }
  return lengths;
}

/** Counts the reference derives from a length: noise tokens and noise spans. */
export function spanCorruptionCounts(length: number, noiseDensity = 0.15, meanNoiseSpanLength = 3): { noiseTokens: number; noiseSpans: number } {
  if (!Number.isInteger(length) || length < 2) throw new Error(`span corruption needs at least 2 tokens, got ${length}`);
  let noiseTokens = roundHalfToEven(length * noiseDensity);
  // As the reference: the non-noise count is taken before clamping the noise count to [1, length − 1].
  const nonNoiseTokens = length - noiseTokens;
  noiseTokens = Math.min(Math.max(noiseTokens, 1), length - 1);
  const noiseSpans = Math.max(roundHalfToEven(Math.min(noiseTokens, nonNoiseTokens) / meanNoiseSpanLength), 1);
  return { noiseTokens, noiseSpans };
}

/**
 * The reference's `random_spans_noise_mask(length)`: true where a token is noise. Non-noise and
 * noise spans alternate, starting with non-noise, so the sequence always ends in a noise span.
 */
export function randomSpansNoiseMask(length: number, rng: Rng, noiseDensity = 0.15, meanNoiseSpanLength = 3): boolean[] {
  const { noiseTokens, noiseSpans } = spanCorruptionCounts(length, noiseDensity, meanNoiseSpanLength);
  const noiseLengths = randomSegmentation(noiseTokens, noiseSpans, rng);
  const nonNoiseLengths = randomSegmentation(length - noiseTokens, noiseSpans, rng);
  const mask: boolean[] = [];
  for (let s = 0; s < noiseSpans; s++) {
    for (let i = 0; i < nonNoiseLengths[s]; i++) mask.push(false);
    for (let i = 0; i < noiseLengths[s]; i++) mask.push(true);
  }
  return mask;
}

/** Corrupts `tokens` (no eos; at least 2 tokens) into an encoder input and a decoder target. */
export function spanCorrupt(tokens: ArrayLike<number>, rng: Rng, options: SpanCorruptionOptions): SpanCorruptionExample {
  const noise = randomSpansNoiseMask(tokens.length, rng, options.noiseDensity ?? 0.15, options.meanNoiseSpanLength ?? 3);
  const input: number[] = [];
  const target: number[] = [];
  let noiseSpan = -1;
  let nonNoiseSpan = -1;
  for (let i = 0; i < tokens.length; i++) {
    const startsSpan = i === 0 || noise[i] !== noise[i - 1];
    if (noise[i]) {
      // The first token of a noise span becomes its sentinel in the input; the span goes to the target.
      if (startsSpan) input.push(options.firstSentinelId - ++noiseSpan);
      target.push(tokens[i]);
    } else {
      // Symmetrically, each non-noise span is one sentinel in the target (HF's labels_sentinel).
      if (startsSpan) target.push(options.firstSentinelId - ++nonNoiseSpan);
      input.push(tokens[i]);
    }
  }
  input.push(options.eosTokenId);
  target.push(options.eosTokenId);
  return { inputIds: Int32Array.from(input), targetIds: Int32Array.from(target) };
}

/**
 * HF's `compute_input_and_target_lengths`: how many raw tokens to corrupt so that the input comes
 * out `inputsLength` long (eos included); also the resulting target length (eos included).
 */
export function spanCorruptionLengths(inputsLength: number, noiseDensity = 0.15, meanNoiseSpanLength = 3): { tokensLength: number; targetsLength: number } {
  const lengths = (tokensLength: number) => {
    const noiseTokens = Math.trunc(roundHalfToEven(tokensLength * noiseDensity));
    const nonNoiseTokens = tokensLength - noiseTokens;
    const noiseSpans = Math.trunc(roundHalfToEven(noiseTokens / meanNoiseSpanLength));
    return { inputs: nonNoiseTokens + noiseSpans + 1, targets: noiseTokens + noiseSpans + 1 };
  };
  let tokensLength = inputsLength;
  while (lengths(tokensLength + 1).inputs <= inputsLength) tokensLength++;
  let { targets } = lengths(tokensLength);
  // Minor hack from the reference: with density 0.5 and odd lengths, inputs and targets must not overlap.
  if (noiseDensity === 0.5 && targets > lengths(tokensLength).inputs) {
    tokensLength--;
    targets--;
  }
  return { tokensLength, targetsLength: targets };
}
