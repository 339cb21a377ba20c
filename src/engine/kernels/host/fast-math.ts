/**
 * Transcendentals for the host kernels. `Math.exp`/`Math.tanh` cost 12–20 ns an element in V8
 * (fdlibm, full double precision), which made a fused JS loop slower than tfjs's SIMD wasm ops;
 * these are 3–4× cheaper and still far more accurate than the float32 results they feed:
 *
 * - exp: x = (32k + j)·ln2/32 + r, |r| ≤ ln2/64; e^r by its degree-4 Taylor polynomial (error
 *   ≤ r⁵/120 ≈ 1.2e-12), times 2^(j/32) and 2^k from tables. Relative error ≲ 1e-11 wherever
 *   the result is a normal double (subnormals keep fewer bits); 0 below −745 and +∞ above 709.78
 *   (as Math.exp); NaN stays NaN.
 * - erf and erfcx = exp(x²)·erfc(x) after W. J. Cody (double precision).
 */

const MAGIC_ROUND = 6755399441055744.0; // 1.5·2^52: (x + M) − M rounds x to an integer
const SCALE = 32 / Math.LN2;
const LN2_OVER_32 = Math.LN2 / 32;
/** 2^(j/32), j = 0 … 31. */
const FRACTION_POWERS = Float64Array.from({ length: 32 }, (_, j) => 2 ** (j / 32));
/** 2^(k − 1075) for k = 0 … 2099 (2^−1075 rounds to 0). */
const POWER_OFFSET = 1075;
const INTEGER_POWERS = Float64Array.from({ length: 2100 }, (_, k) => 2 ** (k - POWER_OFFSET));
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

export function fastExp(x: number): number {
  if (x < -745) return 0;
  if (x > 709.78) return Infinity;
  const kf = x * SCALE + MAGIC_ROUND - MAGIC_ROUND;
  const r = x - kf * LN2_OVER_32;
  const k = kf | 0;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))));
  return p * FRACTION_POWERS[k & 31] * INTEGER_POWERS[(k >> 5) + POWER_OFFSET];
}

/**
 * erfcx(y) = exp(y²)·erfc(y) for y ≥ 0, after W. J. Cody, "Rational Chebyshev approximations
 * for the error function" (Math. Comp. 23, 1969), the CALERF coefficients of netlib's specfun:
 * his second-interval rational up to 4 and the asymptotic one beyond (no underflow: erfcx → 1/(y√π)).
 * Relative error ≲ 1e-15 on (0.46875, ∞); on [0, 0.46875], where Cody uses erf's own interval,
 * the second-interval rational still gives erfc to 5e-12 absolute, which is all GELU needs.
 */
export function erfcx(y: number): number {
  if (y <= 4) {
    const num =
      (((((((2.15311535474403846e-8 * y + 5.64188496988670089e-1) * y + 8.88314979438837594) * y + 6.61191906371416295e1) * y + 2.98635138197400131e2) * y +
        8.81952221241769090e2) *
        y +
        1.71204761263407058e3) *
        y +
        2.05107837782607147e3) *
        y +
      1.23033935479799725e3;
    const den =
      (((((((y + 1.57449261107098347e1) * y + 1.17693950891312499e2) * y + 5.37181101862009858e2) * y + 1.62138957456669019e3) * y + 3.29079923573345963e3) * y +
        4.36261909014324716e3) *
        y +
        3.43936767414372164e3) *
        y +
      1.23033935480374942e3;
    return num / den;
  }
  const z = 1 / (y * y);
  const num = ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z + 3.60344899949804439e-1) * z + 1.25781726111229246e-1) * z + 1.60837851487422766e-2) * z + 6.58749161529837803e-4;
  const den = ((((z + 2.56852019228982242) * z + 1.87295284992346047) * z + 5.27905102951428412e-1) * z + 6.05183413124413191e-2) * z + 2.33520497626869185e-3;
  return (INV_SQRT_PI - (z * num) / den) / y;
}

/**
 * erf(x), Cody's three intervals: his erf rational on |x| ≤ 0.46875, 1 − exp(−x²)·erfcx(|x|)
 * beyond. Relative error ≲ 1e-12 (the exp's); the Abramowitz–Stegun 7.1.26 formula is only
 * good to 1.5e-7 absolute.
 */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const z = y * y;
    const num = (((1.85777706184603153e-1 * z + 3.16112374387056560) * z + 1.13864154151050156e2) * z + 3.77485237685302021e2) * z + 3.20937758913846947e3;
    const den = (((z + 2.36012909523441209e1) * z + 2.44024637934444173e2) * z + 1.28261652607737228e3) * z + 2.84423683343917062e3;
    return (x * num) / den;
  }
  // The sign by arithmetic, not a branch: GELU's inputs change sign at random.
  return (1 - fastExp(-y * y) * erfcx(y)) * (1 - 2 * +(x < 0));
}
