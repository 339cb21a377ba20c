/**
 * Ticks for a log-scale axis: recharts' own tick generator is linear (evenly spaced values, then
 * placed on the log scale), which on a log axis repeats labels and misplaces them. Here the
 * domain is widened to whole decades and the ticks are 1, 2, 5 × 10ⁿ over at most two decades,
 * powers of ten over more; each once, in increasing order, all inside the domain.
 */
export interface LogAxis {
  domain: [number, number];
  ticks: number[];
}

/** Decades over which 1-2-5 ticks are still readable; over more, only powers of ten. */
const MAX_DECADES_125 = 2;

/** The power of ten 10^e, exact for integer exponents (10 ** -1 is 0.1, not 0.1000…01). */
function pow10(e: number): number {
  return e >= 0 ? 10 ** e : 1 / 10 ** -e;
}

/**
 * The log axis for positive values; null when there is none (no values, or none above zero),
 * so that the chart falls back to its default axis.
 */
export function logAxisTicks(values: readonly number[]): LogAxis | null {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length === 0) return null;
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  // Rounded to 12 digits first so that 1000 gives exponent 3, not 2.9999….
  const lowExp = Math.floor(Number(Math.log10(min).toFixed(12)));
  let highExp = Math.ceil(Number(Math.log10(max).toFixed(12)));
  if (highExp === lowExp) highExp += 1; // one power of ten: show the decade above it
  const decades = highExp - lowExp;
  const mantissas = decades <= MAX_DECADES_125 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lowExp; e <= highExp; e++) {
    for (const m of mantissas) {
      const tick = m * pow10(e);
      // Beyond the top power of ten: outside the domain.
      if (e === highExp && m > 1) break;
      ticks.push(Number(tick.toPrecision(12)));
    }
  }
  return { domain: [pow10(lowExp), pow10(highExp)], ticks };
}
