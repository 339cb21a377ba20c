import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/engine/data/rng';
import {
  randomSpansNoiseMask,
  roundHalfToEven,
  spanCorrupt,
  spanCorruptionCounts,
  spanCorruptionLengths,
} from '../../src/engine/data/span-corruption';

/** T5 span corruption against the rules of the reference (t5.data.preprocessors / run_t5_mlm_flax.py). */

const SENTINEL_0 = 999;
const EOS = 1;
const isSentinel = (id: number) => id > SENTINEL_0 - 100 && id <= SENTINEL_0;

/** Runs of equal values: [value, length] pairs. */
function runs(mask: boolean[]): Array<[boolean, number]> {
  const out: Array<[boolean, number]> = [];
  for (const m of mask) {
    if (out.length > 0 && out[out.length - 1][0] === m) out[out.length - 1][1]++;
    else out.push([m, 1]);
  }
  return out;
}

/** Puts each target span back in place of its sentinel. */
function reconstruct(input: Int32Array, target: Int32Array): number[] {
  const spans = new Map<number, number[]>();
  let current: number[] | null = null;
  for (const id of target) {
    if (id === EOS) break;
    if (isSentinel(id)) spans.set(id, (current = []));
    else current!.push(id);
  }
  const out: number[] = [];
  for (const id of input) {
    if (id === EOS) break;
    if (isSentinel(id)) out.push(...spans.get(id)!);
    else out.push(id);
  }
  return out;
}

describe('span corruption', () => {
  it("rounds like numpy (halves to even), as the reference's np.round", () => {
    expect([0.5, 1.5, 2.5, 4.5, 1.4999, 1.5001, 3].map(roundHalfToEven)).toEqual([0, 2, 2, 4, 1, 2, 3]);
  });

  it('noise tokens = round(0.15·length) clamped to [1, length−1]; spans = max(1, round(min(noise, non-noise)/3))', () => {
    const cases: Array<[number, number, number]> = [
      // [length, noise tokens, noise spans]
      [2, 1, 1], // round(0.3) = 0 → clamped to 1
      [10, 2, 1], // round(1.5) = 2 (to even); round(2/3) = 1
      [20, 3, 1], // round(3) = 3; round(1) = 1
      [30, 4, 1], // round(4.5) = 4 (to even); round(4/3) = 1
      [50, 8, 3], // round(7.5) = 8; round(8/3) = 3
      [70, 10, 3], // round(10.5) = 10; round(10/3) = 3
      [100, 15, 5],
      [114, 17, 6], // round(17.1) = 17; round(5.67) = 6
      [568, 85, 28], // t5's inputs_length 512 setting: round(85.2) = 85, round(28.33) = 28
    ];
    for (const [length, noise, spans] of cases) {
      expect(spanCorruptionCounts(length), `length ${length}`).toEqual({ noiseTokens: noise, noiseSpans: spans });
      const mask = randomSpansNoiseMask(length, createRng(length));
      expect(mask.length).toBe(length);
      expect(mask.filter(Boolean).length, `noise tokens of ${length}`).toBe(noise);
      const r = runs(mask);
      // Non-noise first, then alternating, ending with noise: exactly `spans` noise runs.
      expect(r[0][0]).toBe(false);
      expect(r[r.length - 1][0]).toBe(true);
      expect(r.filter(([m]) => m).length, `noise spans of ${length}`).toBe(spans);
    }
  });

  it('span lengths average about 3 over many draws', () => {
    const rng = createRng(5);
    let noise = 0;
    let spans = 0;
    for (let i = 0; i < 200; i++) {
      const r = runs(randomSpansNoiseMask(200, rng));
      for (const [m, n] of r) if (m) (noise += n, spans++);
    }
    expect(noise / spans).toBeCloseTo(3, 1);
  });

  it('input = non-noise with one sentinel per span + eos; target = sentinel + span per span + eos; interleaving restores the text', () => {
    const rng = createRng(11);
    for (const length of [2, 7, 30, 70, 301]) {
      const tokens = Int32Array.from({ length }, (_, i) => 10 + ((i * 37) % 500));
      const { inputIds, targetIds } = spanCorrupt(tokens, rng, { firstSentinelId: SENTINEL_0, eosTokenId: EOS });
      const { noiseTokens, noiseSpans } = spanCorruptionCounts(length);
      expect(inputIds.length).toBe(length - noiseTokens + noiseSpans + 1);
      expect(targetIds.length).toBe(noiseTokens + noiseSpans + 1);
      expect(inputIds[inputIds.length - 1]).toBe(EOS);
      expect(targetIds[targetIds.length - 1]).toBe(EOS);
      // Sentinels count down from <extra_id_0> in order, in both sequences.
      const expectedSentinels = Array.from({ length: noiseSpans }, (_, i) => SENTINEL_0 - i);
      expect([...inputIds].filter(isSentinel)).toEqual(expectedSentinels);
      expect([...targetIds].filter(isSentinel)).toEqual(expectedSentinels);
      expect(targetIds[0]).toBe(SENTINEL_0);
      // The sequence always ends in noise, so the input's last token before eos is a sentinel.
      expect(isSentinel(inputIds[inputIds.length - 2])).toBe(true);
      expect(reconstruct(inputIds, targetIds)).toEqual([...tokens]);
    }
  });

  it('is deterministic per seed and differs across seeds', () => {
    const tokens = Int32Array.from({ length: 64 }, (_, i) => 10 + i);
    const opts = { firstSentinelId: SENTINEL_0, eosTokenId: EOS };
    const a = spanCorrupt(tokens, createRng(3), opts);
    const b = spanCorrupt(tokens, createRng(3), opts);
    const c = spanCorrupt(tokens, createRng(4), opts);
    expect([...a.inputIds]).toEqual([...b.inputIds]);
    expect([...a.targetIds]).toEqual([...b.targetIds]);
    expect([...a.inputIds]).not.toEqual([...c.inputIds]);
  });

  it("compute_input_and_target_lengths: raw window for a given encoder length (HF's values)", () => {
    // run_t5_mlm_flax.py with max_seq_length 512 → expanded_inputs_length 568, targets 114.
    expect(spanCorruptionLengths(512)).toEqual({ tokensLength: 568, targetsLength: 114 });
    expect(spanCorruptionLengths(64)).toEqual({ tokensLength: 70, targetsLength: 14 });
    // And the corruption of such a window is exactly that long.
    const out = spanCorrupt(Int32Array.from({ length: 568 }, (_, i) => 10 + (i % 700)), createRng(1), { firstSentinelId: 2000, eosTokenId: EOS });
    expect(out.inputIds.length).toBe(512);
    expect(out.targetIds.length).toBe(114);
  });

  it('refuses sequences too short to corrupt', () => {
    expect(() => randomSpansNoiseMask(1, createRng(1))).toThrow(/at least 2 tokens/);
  });
});
