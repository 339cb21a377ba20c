import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { blockKernels, twinKernels, type ActivationKind, type AdamStepSettings } from '../../src/engine/blocks/seam';
import { hostBlockKernels, registerHostBlockKernels, type HostBlockKernels } from '../../src/engine/blocks/host-kernels';
import { erf, erfcx, fastExp } from '../../src/engine/kernels/host/fast-math';
import { useWasmBackend } from './node-backend';
import { prng } from './prng';

/**
 * The host kernels (wasm and cpu) against the plain-tfjs twin, against central finite differences
 * of float64 host forwards (for every backward), and against a float64 PyTorch Adam/AdamW; each
 * seam call must be exactly one tfjs kernel.
 */

const host: HostBlockKernels = hostBlockKernels;
const TOL = 1e-5;

function uniform(rng: () => number, size: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max;
}

/** max |a − b| scaled by max |b|: float32 rounding gives ~1e-7. */
function scaledDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    max = Math.max(max, Number.isNaN(d) ? Infinity : d);
  }
  const scale = maxAbs(expected);
  return scale === 0 ? max : max / scale;
}

function expectClose(actual: tf.Tensor | ArrayLike<number>, expected: tf.Tensor | ArrayLike<number>, what: string, tol = TOL): void {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const a = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  const e = expected instanceof tf.Tensor ? expected.dataSync() : expected;
  const diff = scaledDiff(a, e);
  if (!(diff <= tol)) expect.fail(`${what}: scaled max-abs diff ${diff} > ${tol}`);
}

/** The seam call runs exactly one tfjs kernel (the twin runs several) and leaks nothing. */
async function expectOneKernel(name: string, call: (k: HostBlockKernels) => unknown, twinKernelsAtLeast = 2): Promise<void> {
  const before = tf.memory().numTensors;
  const info = await tf.profile(() => {
    tf.dispose(call(host) as tf.TensorContainer);
  });
  expect(info.kernels.map((k) => k.name)).toEqual([name]);
  expect(tf.memory().numTensors).toBe(before);
  const twinInfo = await tf.profile(() => {
    tf.dispose(call(twinKernels()) as tf.TensorContainer);
  });
  expect(twinInfo.kernels.length).toBeGreaterThanOrEqual(twinKernelsAtLeast);
}

/** Central differences of a float64 scalar function of `values`, at every index. */
function numericGradient(values: Float32Array, loss: (x: Float64Array) => number, h = 1e-6): Float64Array {
  const x = Float64Array.from(values);
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const original = x[i];
    x[i] = original + h;
    const plus = loss(x);
    x[i] = original - h;
    const minus = loss(x);
    x[i] = original;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// ---- float64 host forwards (what the finite differences differentiate) ----

function normForward64(x: Float64Array, gamma: ArrayLike<number>, beta: ArrayLike<number> | null, n: number, d: number, eps: number, rms: boolean): Float64Array {
  const y = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let mean = 0;
    if (!rms) {
      for (let j = 0; j < d; j++) mean += x[r * d + j];
      mean /= d;
    }
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) y[r * d + j] = (x[r * d + j] - mean) * rstd * gamma[j] + (beta ? beta[j] : 0);
  }
  return y;
}

function activation64(x: number, kind: ActivationKind): number {
  switch (kind) {
    case 'gelu_tanh':
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'gelu_erf':
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'relu':
      return Math.max(0, x);
    case 'silu':
      return x / (1 + Math.exp(-x));
  }
}

/** Row softmax of z = scale·s + bias in float64, bias indexed by a function of the row. */
function softmax64(s: ArrayLike<number>, biasAt: (row: number, j: number) => number, rows: number, keys: number, scale: number): Float64Array {
  const p = new Float64Array(rows * keys);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < keys; j++) max = Math.max(max, scale * s[r * keys + j] + biasAt(r, j));
    let sum = 0;
    for (let j = 0; j < keys; j++) sum += Math.exp(scale * s[r * keys + j] + biasAt(r, j) - max);
    for (let j = 0; j < keys; j++) p[r * keys + j] = Math.exp(scale * s[r * keys + j] + biasAt(r, j) - max) / sum;
  }
  return p;
}

function crossEntropy64(logits: ArrayLike<number>, targets: ArrayLike<number>, weights: ArrayLike<number>, n: number, vocab: number): number {
  let loss = 0;
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let j = 0; j < vocab; j++) max = Math.max(max, logits[r * vocab + j]);
    let sum = 0;
    for (let j = 0; j < vocab; j++) sum += Math.exp(logits[r * vocab + j] - max);
    const t = targets[r];
    loss += weights[r] * (max + Math.log(sum) - (t >= 0 && t < vocab ? logits[r * vocab + t] : 0));
  }
  return loss;
}

/** Gradient checks compare with the float64 central differences to this (scaled) tolerance. */
const FD_TOL = 1e-4;

beforeAll(async () => {
  await useWasmBackend();
});

describe('fast exp', () => {
  it('is within 1e-11 of Math.exp wherever the result is a normal double, with its limits', () => {
    const rng = prng(77);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = -708 + 1417 * rng();
      worst = Math.max(worst, Math.abs(fastExp(x) - Math.exp(x)) / Math.exp(x));
    }
    for (let x = -20; x <= 20; x += 1 / 64) worst = Math.max(worst, Math.abs(fastExp(x) - Math.exp(x)) / Math.exp(x));
    expect(worst).toBeLessThan(1e-11);
    expect(fastExp(-740) / Math.exp(-740)).toBeCloseTo(1, 6); // subnormal: fewer bits, still right
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-Infinity)).toBe(0);
    expect(fastExp(-800)).toBe(0);
    expect(fastExp(710)).toBe(Infinity);
    expect(fastExp(Infinity)).toBe(Infinity);
    expect(fastExp(NaN)).toBeNaN();
  });
});

describe('erf (Cody)', () => {
  it('matches float64 reference values to 1e-11 and tf.erf to float32 rounding', () => {
    // Python's math.erf.
    const reference: Array<[number, number]> = [
      [-0.3, -0.3286267594591274],
      [0.1, 0.1124629160182849],
      [0.46875, 0.49261347321793797],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [-2.2, -0.9981371537020182],
      [3, 0.9999779095030014],
      [3.7, 0.9999998328489421],
      [4, 0.9999999845827421],
      [4.5, 0.9999999998033839],
      [5.5, 0.9999999999999927],
    ];
    for (const [x, e] of reference) expect(Math.abs(erf(x) - e), `erf(${x})`).toBeLessThan(1e-11);
    // Abramowitz–Stegun 7.1.26 is off by up to 1.5e-7: the 1e-11 above rejects it.
    expect(erf(0)).toBe(0);
    expect(erf(30)).toBe(1);
    expect(erf(-30)).toBe(-1);
    // erfcx = exp(y²)·erfc(y), Python's math values; GELU's Φ is built on it.
    const erfcxReference: Array<[number, number]> = [
      [0, 1.0],
      [0.2, 0.8090195199015807],
      [0.46875, 0.632069689249556],
      [1, 0.427583576155807],
      [2.5, 0.21080636406114356],
      [4, 0.13699945762506138],
      [4.5, 0.1224848042738414],
      [10, 0.056140992743822594],
      [26, 0.021683584850562907],
    ];
    for (const [y, e] of erfcxReference) expect(Math.abs(erfcx(y) - e) / e, `erfcx(${y})`).toBeLessThan(y < 0.46875 ? 1e-11 : 1e-14);
    const xs = new Float32Array(2001);
    for (let i = 0; i < xs.length; i++) xs[i] = -5 + i * 0.005;
    const tfErf = tf.tidy(() => tf.erf(tf.tensor1d(xs)).dataSync());
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(erf(xs[i]) - tfErf[i]));
    expect(worst).toBeLessThan(1e-6);
    // Φ from erfcx (as the GELU kernels build it) against 0.5·(1 + erf(x/√2)).
    let worstPhi = 0;
    for (let v = -8; v <= 8; v += 1 / 128) {
      const y = Math.abs(v) / Math.SQRT2;
      const h = 0.5 * Math.exp(-y * y) * erfcx(y);
      worstPhi = Math.max(worstPhi, Math.abs((v < 0 ? h : 1 - h) - 0.5 * (1 + erf(v / Math.SQRT2))));
    }
    expect(worstPhi).toBeLessThan(1e-11);
  });
});

for (const backendName of ['wasm', 'cpu'] as const) {
  describe(`host block kernels on ${backendName}`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backendName)).toBe(true);
      await tf.ready();
      registerHostBlockKernels();
    });
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    it('read inputs that live on the other host backend (moved before any view is taken)', async () => {
      const other = backendName === 'wasm' ? 'cpu' : 'wasm';
      const rng = prng(55);
      const values = uniform(rng, 64 * 1024, -3, 3); // large enough that the move allocates
      await tf.setBackend(other);
      const x = tf.tensor2d(values, [64, 1024]);
      const dy = tf.tensor2d(uniform(rng, 64 * 1024), [64, 1024]);
      await tf.setBackend(backendName);
      const dx = host.activationBackward(dy, x, 'silu');
      const expected = twinKernels().activationBackward(dy, x, 'silu');
      expectClose(dx, expected, 'dx');
      tf.dispose([x, dy, dx, expected]);
    });

    it('are the block kernels of this backend', () => {
      const active = blockKernels();
      for (const name of Object.keys(host) as Array<keyof HostBlockKernels>) expect(active[name], name).toBe(host[name]);
    });

    describe('norm', () => {
      const cases = [
        { n: 37, d: 23, rms: false, withBeta: true },
        { n: 37, d: 23, rms: false, withBeta: false },
        { n: 5, d: 128, rms: true, withBeta: false },
        { n: 3, d: 1, rms: false, withBeta: true },
      ];
      for (const { n, d, rms, withBeta } of cases) {
        it(`${rms ? 'RMSNorm' : 'LayerNorm'} [${n}, ${d}]${withBeta ? ' with beta' : ''}: forward and backward equal the twin`, () => {
          const rng = prng(n * 31 + d);
          const xv = uniform(rng, n * d, -2, 4); // non-zero mean: centring matters
          tf.tidy(() => {
            const x = tf.tensor2d(xv, [n, d]);
            const gamma = tf.tensor1d(uniform(rng, d, 0.5, 1.5));
            const beta = withBeta ? tf.tensor1d(uniform(rng, d)) : null;
            const dy = tf.tensor2d(uniform(rng, n * d), [n, d]);
            const mine = host.normForward(x, gamma, beta, 1e-5, rms);
            const ref = twinKernels().normForward(x, gamma, beta, 1e-5, rms);
            expectClose(mine.y, ref.y, 'y');
            expectClose(mine.mean, ref.mean, 'mean');
            expectClose(mine.rstd, ref.rstd, 'rstd');
            const back = host.normBackward(dy, x, gamma, mine.mean, mine.rstd, rms);
            const refBack = twinKernels().normBackward(dy, x, gamma, mine.mean, mine.rstd, rms);
            expectClose(back.dx, refBack.dx, 'dx');
            expectClose(back.dGamma, refBack.dGamma, 'dGamma');
            if (rms) expect(back.dBeta).toBeNull();
            else expectClose(back.dBeta!, refBack.dBeta!, 'dBeta');
          });
        });
      }

      it('backward equals central differences of the float64 forward', () => {
        for (const rms of [false, true]) {
          const n = 4;
          const d = 9;
          const eps = 1e-5;
          const rng = prng(rms ? 7 : 8);
          const xv = uniform(rng, n * d, -1, 3);
          const gv = uniform(rng, d, 0.5, 1.5);
          const bv = rms ? null : uniform(rng, d);
          const r = uniform(rng, n * d); // L = Σ r ⊙ y, so dy = r
          let dx: Float32Array = new Float32Array(0);
          let dGamma: Float32Array = new Float32Array(0);
          let dBeta: Float32Array | null = null;
          tf.tidy(() => {
            const x = tf.tensor2d(xv, [n, d]);
            const gamma = tf.tensor1d(gv);
            const fwd = host.normForward(x, gamma, bv ? tf.tensor1d(bv) : null, eps, rms);
            const back = host.normBackward(tf.tensor2d(r, [n, d]), x, gamma, fwd.mean, fwd.rstd, rms);
            dx = back.dx.dataSync() as Float32Array;
            dGamma = back.dGamma.dataSync() as Float32Array;
            dBeta = back.dBeta ? (back.dBeta.dataSync() as Float32Array) : null;
          });
          const x64 = Float64Array.from(xv);
          expectClose(dx, numericGradient(xv, (x) => dot(r, normForward64(x, gv, bv, n, d, eps, rms))), `${rms ? 'rms' : 'ln'} dx`, FD_TOL);
          expectClose(dGamma, numericGradient(gv, (g) => dot(r, normForward64(x64, g, bv, n, d, eps, rms))), 'dGamma', FD_TOL);
          if (bv) expectClose(dBeta!, numericGradient(bv, (b) => dot(r, normForward64(x64, gv, b, n, d, eps, rms))), 'dBeta', FD_TOL);
        }
      });

      it('each call is one kernel', async () => {
        const x = tf.tensor2d(uniform(prng(1), 6 * 10), [6, 10]);
        const gamma = tf.ones([10]) as tf.Tensor1D;
        const beta = tf.zeros([10]) as tf.Tensor1D;
        const mean = tf.zeros([6]) as tf.Tensor1D;
        const rstd = tf.ones([6]) as tf.Tensor1D;
        await expectOneKernel('PeftNormForward', (k) => k.normForward(x, gamma, beta, 1e-5, false));
        await expectOneKernel('PeftNormForward', (k) => k.normForward(x, gamma, null, 1e-6, true));
        await expectOneKernel('PeftNormBackward', (k) => k.normBackward(x, x, gamma, mean, rstd, false));
        await expectOneKernel('PeftNormBackward', (k) => k.normBackward(x, x, gamma, mean, rstd, true));
        tf.dispose([x, gamma, beta, mean, rstd]);
      });
    });

    describe('activation', () => {
      const kinds: ActivationKind[] = ['gelu_tanh', 'gelu_erf', 'relu', 'silu'];
      for (const kind of kinds) {
        it(`${kind}: forward and backward equal the twin and the finite differences`, () => {
          const n = 13;
          const m = 29;
          const rng = prng(kind.length * 101);
          const xv = uniform(rng, n * m, -6, 6);
          xv[0] = 0;
          xv[1] = -12; // the tails
          xv[2] = 12;
          const dyv = uniform(rng, n * m);
          tf.tidy(() => {
            const x = tf.tensor2d(xv, [n, m]);
            const dy = tf.tensor2d(dyv, [n, m]);
            expectClose(host.activationForward(x, kind), twinKernels().activationForward(x, kind), 'forward');
            expectClose(host.activationBackward(dy, x, kind), twinKernels().activationBackward(dy, x, kind), 'backward');
          });
          // Elementwise: the gradient of Σ dy ⊙ act(x) is dy ⊙ act'(x); away from relu's kink.
          const xs = uniform(prng(5), 200, -5, 5).map((v) => (Math.abs(v) < 1e-3 ? 0.5 : v));
          const dys = uniform(prng(6), 200);
          const dx = tf.tidy(() => host.activationBackward(tf.tensor2d(dys, [8, 25]), tf.tensor2d(xs, [8, 25]), kind).dataSync());
          const h = 1e-6;
          const numeric = Array.from(xs, (v, i) => (dys[i] * (activation64(v + h, kind) - activation64(v - h, kind))) / (2 * h));
          expectClose(dx, numeric, `${kind} finite differences`, FD_TOL);
          const y = tf.tidy(() => host.activationForward(tf.tensor2d(xs, [8, 25]), kind).dataSync());
          expectClose(
            y,
            Array.from(xs, (v) => activation64(v, kind)),
            `${kind} float64 forward`,
          );
        });
      }

      it('each call is one kernel', async () => {
        const x = tf.tensor2d(uniform(prng(2), 4 * 7), [4, 7]);
        for (const kind of kinds) {
          await expectOneKernel('PeftActivationForward', (k) => k.activationForward(x, kind), kind === 'relu' ? 1 : 2);
          await expectOneKernel('PeftActivationBackward', (k) => k.activationBackward(x, x, kind));
        }
        x.dispose();
      });
    });

    describe('attention softmax', () => {
      const B = 3;
      const H = 2;
      const T = 5;
      const S = 7;
      /**
       * Random bias of the given broadcast shape with a mask (−1e9): causal-with-prefix where the
       * bias has query rows, key padding (the last b + 1 keys) where it broadcasts over queries;
       * every row keeps ≥ 2 entries.
       */
      function biasValues(shape: [number, number, number, number], seed: number): Float32Array {
        const [bb, bh, t, s] = shape;
        const rng = prng(seed);
        const out = new Float32Array(bb * bh * t * s);
        for (let b = 0; b < bb; b++)
          for (let h = 0; h < bh; h++)
            for (let q = 0; q < t; q++)
              for (let k = 0; k < s; k++) {
                const i = ((b * bh + h) * t + q) * s + k;
                const masked = t === 1 ? k >= s - 1 - b : k > q + (s - t) - ((b + h) % 2);
                out[i] = masked ? -1e9 : -1 + 2 * rng();
              }
        return out;
      }
      const biasShapes: Array<[number, number, number, number] | null> = [null, [B, H, T, S], [1, H, T, S], [B, 1, T, S], [1, 1, T, S], [B, 1, 1, S], [1, H, 1, S]];

      for (const biasShape of biasShapes) {
        for (const scale of [1, 1 / Math.sqrt(8)]) {
          it(`bias ${biasShape ? `[${biasShape}]` : 'none'}, scale ${scale.toFixed(3)}: forward, from-lse and backward equal the twin`, () => {
            const rng = prng(biasShape ? biasShape[0] * 10 + biasShape[1] : 1);
            tf.tidy(() => {
              const scores = tf.tensor4d(uniform(rng, B * H * T * S, -4, 4), [B, H, T, S]);
              const bias = biasShape ? tf.tensor4d(biasValues(biasShape, 3), biasShape) : null;
              const dProbs = tf.tensor4d(uniform(rng, B * H * T * S), [B, H, T, S]);
              const mine = host.softmaxForward(scores, bias, scale);
              const ref = twinKernels().softmaxForward(scores, bias, scale);
              expectClose(mine.probs, ref.probs, 'probs');
              expectClose(mine.lse, ref.lse, 'lse');
              const rowSums = tf.sum(mine.probs, -1).dataSync();
              for (const s of rowSums) expect(Math.abs(s - 1)).toBeLessThan(1e-6);
              expectClose(host.softmaxFromLse(scores, bias, scale, mine.lse), ref.probs, 'from lse');
              expectClose(host.softmaxFromLse(scores, bias, scale, ref.lse), twinKernels().softmaxFromLse(scores, bias, scale, ref.lse), 'from lse vs twin');
              expectClose(host.softmaxBackward(mine.probs, dProbs), twinKernels().softmaxBackward(ref.probs, dProbs), 'backward');
            });
          });
        }
      }

      it('a bias of the wrong shape is refused by name', () => {
        const scores = tf.zeros([B, H, T, S]) as tf.Tensor4D;
        const bias = tf.zeros([2, H, T, S]) as tf.Tensor4D;
        expect(() => host.softmaxForward(scores, bias, 1)).toThrow(/PeftSoftmaxForward: bias \[2,2,5,7\] must be \[3\|1, 2\|1, 5\|1, 7\]/);
        tf.dispose([scores, bias]);
      });

      it('backward equals central differences of the float64 softmax (gradient w.r.t. the scores is scale · dz)', () => {
        const biasShape: [number, number, number, number] = [1, H, T, S];
        const scale = 0.7;
        const rng = prng(99);
        const sv = uniform(rng, B * H * T * S, -3, 3);
        const bv = biasValues(biasShape, 4);
        const r = uniform(rng, B * H * T * S);
        const dz = tf.tidy(() => {
          const { probs } = host.softmaxForward(tf.tensor4d(sv, [B, H, T, S]), tf.tensor4d(bv, biasShape), scale);
          return host.softmaxBackward(probs, tf.tensor4d(r, [B, H, T, S])).dataSync();
        });
        const biasAt = (row: number, j: number): number => bv[(Math.floor(row / T) % H) * T * S + (row % T) * S + j];
        const numeric = numericGradient(sv, (s) => dot(r, softmax64(s, biasAt, B * H * T, S, scale)));
        expectClose(
          Array.from(dz, (v) => v * scale),
          numeric,
          'dScores',
          FD_TOL,
        );
      });

      it('each call is one kernel', async () => {
        const scores = tf.tensor4d(uniform(prng(3), B * H * T * S), [B, H, T, S]);
        const bias = tf.tensor4d(biasValues([1, H, T, S], 5), [1, H, T, S]);
        const lse = tf.zeros([B, H, T]) as tf.Tensor3D;
        await expectOneKernel('PeftSoftmaxForward', (k) => k.softmaxForward(scores, bias, 0.5));
        await expectOneKernel('PeftSoftmaxForward', (k) => k.softmaxForward(scores, null, 0.5));
        await expectOneKernel('PeftSoftmaxFromLse', (k) => k.softmaxFromLse(scores, bias, 0.5, lse));
        await expectOneKernel('PeftSoftmaxBackward', (k) => k.softmaxBackward(scores, scores));
        tf.dispose([scores, bias, lse]);
      });
    });

    describe('cross-entropy', () => {
      const n = 11;
      const V = 37;
      function chunk(seed: number): { logits: Float32Array; targets: Int32Array; weights: Float32Array } {
        const rng = prng(seed);
        const logits = uniform(rng, n * V, -5, 5);
        const targets = Int32Array.from({ length: n }, () => Math.floor(rng() * V));
        const weights = uniform(rng, n, 0.2, 1.5);
        targets[3] = -1; // ignored row: picks nothing, weight 0
        weights[3] = 0;
        weights[5] = 0; // padding row with a real target
        targets[7] = V - 1;
        return { logits, targets, weights };
      }

      it('forward and backward equal the twin', () => {
        const { logits: lv, targets: tv, weights: wv } = chunk(11);
        tf.tidy(() => {
          const logits = tf.tensor2d(lv, [n, V]);
          const targets = tf.tensor1d(tv, 'int32');
          const weights = tf.tensor1d(wv);
          const dLoss = tf.scalar(0.37);
          const mine = host.crossEntropyForward(logits, targets, weights);
          const ref = twinKernels().crossEntropyForward(logits, targets, weights);
          expect(mine.lossSum.shape).toEqual([]);
          expectClose(mine.lossSum, ref.lossSum, 'lossSum');
          expectClose(mine.lse, ref.lse, 'lse');
          expect(Math.abs(mine.lossSum.dataSync()[0] - crossEntropy64(lv, tv, wv, n, V))).toBeLessThan(1e-5 * Math.abs(crossEntropy64(lv, tv, wv, n, V)));
          const back = host.crossEntropyBackward(logits, targets, weights, mine.lse, dLoss);
          expectClose(back, twinKernels().crossEntropyBackward(logits, targets, weights, ref.lse, dLoss), 'dLogits');
        });
      });

      it('backward equals central differences of the float64 loss', () => {
        const { logits: lv, targets: tv, weights: wv } = chunk(12);
        const dLoss = 1.7;
        const grad = tf.tidy(() => {
          const logits = tf.tensor2d(lv, [n, V]);
          const targets = tf.tensor1d(tv, 'int32');
          const weights = tf.tensor1d(wv);
          const { lse } = host.crossEntropyForward(logits, targets, weights);
          return host.crossEntropyBackward(logits, targets, weights, lse, tf.scalar(dLoss)).dataSync();
        });
        expectClose(grad, numericGradient(lv, (l) => dLoss * crossEntropy64(l, tv, wv, n, V)), 'dLogits', FD_TOL);
      });

      it('each call is one kernel', async () => {
        const { logits: lv, targets: tv, weights: wv } = chunk(13);
        const logits = tf.tensor2d(lv, [n, V]);
        const targets = tf.tensor1d(tv, 'int32');
        const weights = tf.tensor1d(wv);
        const lse = tf.zeros([n]) as tf.Tensor1D;
        const dLoss = tf.scalar(1);
        await expectOneKernel('PeftCrossEntropyForward', (k) => k.crossEntropyForward(logits, targets, weights));
        await expectOneKernel('PeftCrossEntropyBackward', (k) => k.crossEntropyBackward(logits, targets, weights, lse, dLoss));
        tf.dispose([logits, targets, weights, lse, dLoss]);
      });

      it('float targets are refused by name', () => {
        const logits = tf.zeros([2, 3]) as tf.Tensor2D;
        const targets = tf.zeros([2]) as tf.Tensor1D;
        const weights = tf.ones([2]) as tf.Tensor1D;
        expect(() => host.crossEntropyForward(logits, targets, weights)).toThrow(/PeftCrossEntropyForward: targets must be int32/);
        tf.dispose([logits, targets, weights]);
      });
    });

    describe('optimizer', () => {
      it('sumOfSquares equals the twin and the float64 sum, in one kernel', async () => {
        const rng = prng(21);
        const a = uniform(rng, 3 * 17);
        const b = uniform(rng, 5, -3, 3);
        const c = uniform(rng, 2 * 3 * 4);
        const grads = [tf.tensor2d(a, [3, 17]), tf.tensor1d(b), tf.tensor3d(c, [2, 3, 4])];
        const mine = host.sumOfSquares(grads);
        expect(mine.shape).toEqual([]);
        expectClose(mine, twinKernels().sumOfSquares(grads), 'vs twin');
        const exact = dot(a, a) + dot(b, b) + dot(c, c);
        expect(Math.abs(mine.dataSync()[0] - exact)).toBeLessThan(1e-6 * exact);
        const empty = host.sumOfSquares([]);
        expect(empty.dataSync()[0]).toBe(0);
        await expectOneKernel('PeftSumOfSquares', (k) => k.sumOfSquares(grads));
        tf.dispose([...grads, mine, empty]);
      });

      for (const kind of ['adam', 'adamw'] as const) {
        it(`${kind}: 3 steps of one group equal PyTorch's formula in float64 and the twin, one kernel per step`, async () => {
          const shapes = [[7, 5], [13]];
          const rng = prng(kind === 'adam' ? 31 : 32);
          const lr = 0.01;
          const beta1 = 0.9;
          const beta2 = 0.999;
          const epsilon = 1e-8;
          const weightDecay = 0.1;
          const clip = 0.6;
          const p0 = shapes.map((s) => uniform(rng, s.reduce((x, y) => x * y, 1)));
          const gradsPerStep = [1, 2, 3].map(() => p0.map((p) => uniform(rng, p.length, -2, 2)));

          // PyTorch: torch.optim.Adam(weight_decay) adds wd·p to the gradient; AdamW decays p by lr·wd first.
          const ref = p0.map((p) => ({ p: Float64Array.from(p), m: new Float64Array(p.length), v: new Float64Array(p.length) }));
          for (let step = 1; step <= 3; step++) {
            const bias1 = 1 - beta1 ** step;
            const bias2 = 1 - beta2 ** step;
            ref.forEach((r, k) => {
              for (let i = 0; i < r.p.length; i++) {
                let g = clip * gradsPerStep[step - 1][k][i];
                if (kind === 'adam') g += weightDecay * r.p[i];
                else r.p[i] *= 1 - lr * weightDecay;
                r.m[i] = beta1 * r.m[i] + (1 - beta1) * g;
                r.v[i] = beta2 * r.v[i] + (1 - beta2) * g * g;
                r.p[i] -= (lr / bias1) * (r.m[i] / (Math.sqrt(r.v[i]) / Math.sqrt(bias2) + epsilon));
              }
            });
          }

          const run = async (kernels: HostBlockKernels, countKernels: boolean): Promise<Array<{ p: Float32Array; m: Float32Array; v: Float32Array }>> => {
            let params: tf.Tensor[] = p0.map((p, k) => tf.tensor(p, shapes[k]));
            let m: tf.Tensor[] = shapes.map((s) => tf.zeros(s));
            let v: tf.Tensor[] = shapes.map((s) => tf.zeros(s));
            const clipT = tf.scalar(clip);
            for (let step = 1; step <= 3; step++) {
              const grads = gradsPerStep[step - 1].map((g, k) => tf.tensor(g, shapes[k]));
              const settings: AdamStepSettings = { kind, lr, beta1, beta2, epsilon, weightDecay, bias1: 1 - beta1 ** step, bias2: 1 - beta2 ** step };
              let out: Array<{ p: tf.Tensor; m: tf.Tensor; v: tf.Tensor }> = [];
              const info = await tf.profile(() => {
                out = kernels.adamUpdate({ params, grads, m, v }, clipT, settings);
              });
              if (countKernels) expect(info.kernels.map((k) => k.name)).toEqual(['PeftAdamUpdate']);
              out.forEach((o, k) => expect(o.p.shape).toEqual(shapes[k]));
              tf.dispose([...params, ...m, ...v, ...grads]);
              params = out.map((o) => o.p);
              m = out.map((o) => o.m);
              v = out.map((o) => o.v);
            }
            const result = params.map((p, k) => ({ p: p.dataSync() as Float32Array, m: m[k].dataSync() as Float32Array, v: v[k].dataSync() as Float32Array }));
            tf.dispose([...params, ...m, ...v, clipT]);
            return result;
          };

          const before = tf.memory().numTensors;
          const mine = await run(host, true);
          expect(tf.memory().numTensors).toBe(before);
          const twin = await run(twinKernels(), false);
          mine.forEach((r, k) => {
            expectClose(r.p, ref[k].p, `p${k} vs float64`);
            expectClose(r.m, ref[k].m, `m${k} vs float64`);
            expectClose(r.v, ref[k].v, `v${k} vs float64`);
            expectClose(r.p, twin[k].p, `p${k} vs twin`);
            // The update itself (not just p, which moves by ~lr a step) must match.
            expectClose(
              r.p.map((x, i) => x - p0[k][i]),
              Array.from(ref[k].p, (x, i) => x - p0[k][i]),
              `Δp${k} vs float64`,
              1e-4,
            );
          });
        });
      }
    });
  });
}
