import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { useWasmBackend } from './node-backend';
import { createRng } from '../../src/engine/data/rng';
import { layerNorm, rmsNorm } from '../../src/engine/blocks/norm';
import { activation, type HfActivation } from '../../src/engine/blocks/activation';
import { attention } from '../../src/engine/blocks/attention';
import { lmCrossEntropy } from '../../src/engine/blocks/cross-entropy';
import { affine, matMul2d } from '../../src/engine/blocks/linear';
import { kernelCalls } from '../../src/engine/bench/kernel-count';
import { composedActivation, composedAttention, composedCrossEntropy, composedNorm } from '../../src/lab/blocks';

/**
 * Every fused block against (1) the plain tfjs composition it replaced (src/lab/blocks.ts, which
 * e2e/fused-blocks.spec.ts also runs on WebGPU), differentiated by tfjs's own autodiff, and (2)
 * central finite differences of an independent float64 host computation, on wasm and cpu.
 */

beforeAll(async () => {
  await useWasmBackend();
});

const BACKENDS = ['wasm', 'cpu'] as const;

function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal() * scale);
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Central differences of a float64 host loss, at every index of one input. */
function numericGradient(loss: (x: Float64Array) => number, x: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + eps;
    const plus = loss(x);
    x[i] = saved - eps;
    const minus = loss(x);
    x[i] = saved;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

/** Gradients of Σ f(inputs)·r through tfjs (the block's own backward or the composition's autodiff). */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], r: tf.Tensor): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)) as tf.Scalar)(inputs);
    const out = f(...inputs);
    return { value: out.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array), _: value.dataSync() };
  });
}

function tensorOf(values: Float64Array, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(values), shape, 'float32');
}

// ---------------------------------------------------------------------------------------------
// Independent float64 host references

function layerNorm64(x: Float64Array, gamma: Float64Array, beta: Float64Array | null, rows: number, d: number, eps: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    if (beta) {
      for (let j = 0; j < d; j++) mean += x[r * d + j];
      mean /= d;
    }
    let variance = 0;
    for (let j = 0; j < d; j++) variance += (x[r * d + j] - mean) ** 2;
    variance /= d;
    const rstd = 1 / Math.sqrt(variance + eps);
    for (let j = 0; j < d; j++) out[r * d + j] = (x[r * d + j] - mean) * rstd * gamma[j] + (beta ? beta[j] : 0);
  }
  return out;
}

function erf64(x: number): number {
  // Maclaurin series (exact to float64 rounding for |x| < 6 at enough terms), tail by sign.
  if (Math.abs(x) > 6) return Math.sign(x);
  let sum = x;
  let term = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function activation64(x: number, name: HfActivation): number {
  switch (name) {
    case 'gelu_new':
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'gelu':
      return 0.5 * x * (1 + erf64(x / Math.SQRT2));
    case 'relu':
      return Math.max(0, x);
    case 'silu':
      return x / (1 + Math.exp(-x));
    default:
      throw new Error(name);
  }
}

/** softmax(scale·q·kᵀ + bias)·v for [B, H, T, D] / [B, H, S, D], bias given per (b, h, t, s). */
function attention64(q: Float64Array, k: Float64Array, v: Float64Array, dims: { B: number; H: number; T: number; S: number; D: number }, scale: number, bias: (b: number, h: number, t: number, s: number) => number): Float64Array {
  const { B, H, T, S, D } = dims;
  const out = new Float64Array(B * H * T * D);
  const z = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        let max = -Infinity;
        for (let s = 0; s < S; s++) {
          let dot = 0;
          for (let j = 0; j < D; j++) dot += q[((b * H + h) * T + t) * D + j] * k[((b * H + h) * S + s) * D + j];
          z[s] = scale * dot + bias(b, h, t, s);
          max = Math.max(max, z[s]);
        }
        let sum = 0;
        for (let s = 0; s < S; s++) sum += Math.exp(z[s] - max);
        for (let s = 0; s < S; s++) {
          const p = Math.exp(z[s] - max) / sum;
          for (let j = 0; j < D; j++) out[((b * H + h) * T + t) * D + j] += p * v[((b * H + h) * S + s) * D + j];
        }
      }
    }
  }
  return out;
}

function dot64(a: Float64Array, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// ---------------------------------------------------------------------------------------------

describe.each(BACKENDS)('fused blocks on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('LayerNorm and RMSNorm: forward and gradients equal the composition and finite differences', () => {
    const rows = 7;
    const d = 13;
    const eps = 1e-5;
    const x = randomArray(rows * d, 1, 2);
    for (let i = 0; i < d; i++) x[i] += 3; // a row with a large mean
    const gamma = randomArray(d, 2);
    const beta = randomArray(d, 3);
    const r = randomArray(rows * d, 4);
    for (const rms of [false, true]) {
      const inputs = [tensorOf(x, [rows, d]), tensorOf(gamma, [d]), ...(rms ? [] : [tensorOf(beta, [d])])];
      const fused = (...t: tf.Tensor[]) => (rms ? rmsNorm(t[0], t[1] as tf.Tensor1D, eps) : layerNorm(t[0], t[1] as tf.Tensor1D, t[2] as tf.Tensor1D, eps));
      const composed = (...t: tf.Tensor[]) => composedNorm(t[0], t[1], rms ? null : t[2], eps);
      const rT = tensorOf(r, [rows, d]);
      const a = gradsOf(fused, inputs, rT);
      const b = gradsOf(composed, inputs, rT);
      expect(maxRelDiff(a.value, b.value)).toBeLessThan(1e-5);
      a.grads.forEach((g, i) => expect(maxRelDiff(g, b.grads[i]), `grad ${i} rms=${rms}`).toBeLessThan(1e-4));
      // Finite differences of the float64 reference, for x and γ.
      const loss = (xs: Float64Array, g: Float64Array) => dot64(layerNorm64(xs, g, rms ? null : beta, rows, d, eps), r);
      expect(maxRelDiff(a.grads[0], numericGradient((xs) => loss(xs, gamma), x.slice()))).toBeLessThan(1e-4);
      expect(maxRelDiff(a.grads[1], numericGradient((g) => loss(x, g), gamma.slice()))).toBeLessThan(1e-4);
      tf.dispose([...inputs, rT]);
    }
  });

  it('activations: forward and gradient equal the composition and finite differences', () => {
    const n = 6;
    const m = 11;
    const x = randomArray(n * m, 5, 2);
    const r = randomArray(n * m, 6);
    const kinds: HfActivation[] = ['gelu_new', 'gelu', 'relu', 'silu'];
    for (const kind of kinds) {
      const xT = tensorOf(x, [n, m]);
      const rT = tensorOf(r, [n, m]);
      const composed = (t: tf.Tensor) => composedActivation(t, kind);
      const a = gradsOf((t) => activation(t, kind), [xT], rT);
      const b = gradsOf(composed, [xT], rT);
      expect(maxRelDiff(a.value, b.value), kind).toBeLessThan(1e-5);
      expect(maxRelDiff(a.grads[0], b.grads[0]), kind).toBeLessThan(1e-4);
      const expected = Float64Array.from(x, (v) => activation64(v, kind));
      expect(maxRelDiff(a.value, expected), kind).toBeLessThan(2e-6);
      const numeric = numericGradient((xs) => dot64(Float64Array.from(xs, (v) => activation64(v, kind)), r), x.slice());
      expect(maxRelDiff(a.grads[0], numeric), kind).toBeLessThan(1e-4);
      tf.dispose([xT, rT]);
    }
  });

  const dims = { B: 2, H: 3, T: 5, S: 7, D: 4 };
  const causalPadded = (b: number, _h: number, t: number, s: number) => (s > t + 2 || (b === 1 && s >= 6) ? -1e9 : 0);
  const positionTable = randomArray(dims.H * dims.T * dims.S, 11, 0.5);

  it.each([
    ['causal + padding mask [B, 1, T, S]', [dims.B, 1, dims.T, dims.S], causalPadded, false],
    ['key padding only [B, 1, 1, S]', [dims.B, 1, 1, dims.S], (b: number, _h: number, _t: number, s: number) => (b === 0 && s === 0 ? -1e9 : 0), false],
    ['trainable position bias [1, H, T, S]', [1, dims.H, dims.T, dims.S], (_b: number, h: number, t: number, s: number) => positionTable[(h * dims.T + t) * dims.S + s], true],
  ] as const)('attention with %s: forward and gradients equal the composition and finite differences', (_name, biasShape, biasAt, biasNeedsGrad) => {
    const { B, H, T, S, D } = dims;
    const scale = 1 / Math.sqrt(D);
    const q = randomArray(B * H * T * D, 7);
    const k = randomArray(B * H * S * D, 8);
    const v = randomArray(B * H * S * D, 9);
    const r = randomArray(B * H * T * D, 10);
    const biasValues = new Float64Array(biasShape.reduce((a, b) => a * b, 1));
    const [bb, bh, bt] = biasShape;
    for (let b = 0; b < bb; b++) for (let h = 0; h < bh; h++) for (let t = 0; t < bt; t++) for (let s = 0; s < S; s++) biasValues[((b * bh + h) * bt + t) * S + s] = biasAt(b, h, t, s);
    const inputs = [tensorOf(q, [B, H, T, D]), tensorOf(k, [B, H, S, D]), tensorOf(v, [B, H, S, D])];
    const biasT = tensorOf(biasValues, [...biasShape]) as tf.Tensor4D;
    const all = biasNeedsGrad ? [...inputs, biasT] : inputs;
    const fused = (...t: tf.Tensor[]) =>
      attention(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, t[2] as tf.Tensor4D, { scale, bias: (t[3] ?? biasT) as tf.Tensor4D, biasNeedsGrad, dropoutRate: 0, dropoutSeed: null });
    const composed = (...t: tf.Tensor[]) => composedAttention(t[0], t[1], t[2], scale, t[3] ?? biasT);
    const rT = tensorOf(r, [B, H, T, D]);
    const a = gradsOf(fused, all, rT);
    const b = gradsOf(composed, all, rT);
    expect(maxRelDiff(a.value, b.value)).toBeLessThan(1e-5);
    a.grads.forEach((g, i) => expect(maxRelDiff(g, b.grads[i]), `grad ${i}`).toBeLessThan(1e-4));
    const bias64 = (bv: Float64Array) => (b: number, h: number, t: number, s: number) => bv[(((bb === 1 ? 0 : b) * bh + (bh === 1 ? 0 : h)) * bt + (bt === 1 ? 0 : t)) * S + s];
    const loss = (qq: Float64Array, kk: Float64Array, vv: Float64Array, bv: Float64Array) => dot64(attention64(qq, kk, vv, dims, scale, bias64(bv)), r);
    expect(maxRelDiff(a.value, attention64(q, k, v, dims, scale, bias64(biasValues)))).toBeLessThan(1e-5);
    expect(maxRelDiff(a.grads[0], numericGradient((x) => loss(x, k, v, biasValues), q.slice()))).toBeLessThan(1e-4);
    expect(maxRelDiff(a.grads[1], numericGradient((x) => loss(q, x, v, biasValues), k.slice()))).toBeLessThan(1e-4);
    expect(maxRelDiff(a.grads[2], numericGradient((x) => loss(q, k, x, biasValues), v.slice()))).toBeLessThan(1e-4);
    if (biasNeedsGrad) expect(maxRelDiff(a.grads[3], numericGradient((x) => loss(q, k, v, x), biasValues.slice()))).toBeLessThan(1e-4);
    tf.dispose([...inputs, biasT, rT]);
  });

  it('attention with dropout on the probabilities equals tf.dropout with the same seed, in value and gradient', () => {
    const { B, H, T, S, D } = dims;
    const inputs = [tensorOf(randomArray(B * H * T * D, 12), [B, H, T, D]), tensorOf(randomArray(B * H * S * D, 13), [B, H, S, D]), tensorOf(randomArray(B * H * S * D, 14), [B, H, S, D])];
    const rT = tensorOf(randomArray(B * H * T * D, 15), [B, H, T, D]);
    const fused = (...t: tf.Tensor[]) => attention(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, t[2] as tf.Tensor4D, { scale: 0.5, bias: null, biasNeedsGrad: false, dropoutRate: 0.3, dropoutSeed: 42 });
    const composed = (...t: tf.Tensor[]) => tf.matMul(tf.dropout(tf.softmax(tf.mul(tf.matMul(t[0], t[1], false, true), 0.5)), 0.3, undefined, 42), t[2]);
    const a = gradsOf(fused, inputs, rT);
    const b = gradsOf(composed, inputs, rT);
    expect(maxRelDiff(a.value, b.value)).toBeLessThan(1e-5);
    a.grads.forEach((g, i) => expect(maxRelDiff(g, b.grads[i]), `grad ${i}`).toBeLessThan(1e-4));
    tf.dispose([...inputs, rT]);
  });

  it('chunked cross-entropy equals the composition and finite differences, across chunk borders', () => {
    const rows = 11;
    const d = 5;
    const vocab = 17;
    const h = randomArray(rows * d, 16);
    const w = randomArray(vocab * d, 17);
    const targets = Int32Array.from({ length: rows }, (_, i) => (i * 7) % vocab);
    const weights = Float64Array.from({ length: rows }, (_, i) => (i % 4 === 3 ? 0 : 1 / 9));
    const tT = tf.tensor1d(targets, 'int32');
    const wtsT = tensorOf(weights, [rows]) as tf.Tensor1D;
    const inputs = [tensorOf(h, [rows, d]), tensorOf(w, [vocab, d])];
    const one = tf.scalar(1);
    const composed = (...t: tf.Tensor[]) => composedCrossEntropy(t[0], t[1], tT, wtsT);
    const b = gradsOf(composed, inputs, one);
    const loss64 = (hh: Float64Array, ww: Float64Array) => {
      let total = 0;
      for (let i = 0; i < rows; i++) {
        const z = Array.from({ length: vocab }, (_, c) => {
          let s = 0;
          for (let j = 0; j < d; j++) s += hh[i * d + j] * ww[c * d + j];
          return s;
        });
        const max = Math.max(...z);
        const lse = max + Math.log(z.reduce((acc, zc) => acc + Math.exp(zc - max), 0));
        total += weights[i] * (lse - z[targets[i]]);
      }
      return total;
    };
    for (const rowsPerChunk of [undefined, 4, 1]) {
      const a = gradsOf((...t: tf.Tensor[]) => lmCrossEntropy(t[0] as tf.Tensor2D, t[1] as tf.Tensor2D, tT, wtsT, rowsPerChunk), inputs, one);
      expect(maxRelDiff(a.value, b.value), `chunk ${rowsPerChunk}`).toBeLessThan(1e-5);
      a.grads.forEach((g, i) => expect(maxRelDiff(g, b.grads[i]), `grad ${i} chunk ${rowsPerChunk}`).toBeLessThan(1e-4));
      expect(Math.abs(a.value[0] - loss64(h, w)) / loss64(h, w)).toBeLessThan(1e-5);
      expect(maxRelDiff(a.grads[0], numericGradient((x) => loss64(x, w), h.slice()))).toBeLessThan(1e-4);
      expect(maxRelDiff(a.grads[1], numericGradient((x) => loss64(h, x), w.slice()))).toBeLessThan(1e-4);
    }
    tf.dispose([...inputs, tT, wtsT, one]);
  });

  it('linear layers compute only the gradients that are wanted: a frozen weight costs one product in backward, not two', async () => {
    const x = tf.variable(tensorOf(randomArray(6 * 4, 18), [6, 4]), true);
    const wTrain = tf.variable(tensorOf(randomArray(4 * 3, 19), [4, 3]), true);
    const wFrozen = tf.variable(wTrain.clone(), false);
    const bias = tf.variable(tensorOf(randomArray(3, 20), [3]), true);
    const r = tensorOf(randomArray(6 * 3, 21), [6, 3]);
    // Values and gradients against tf.matMul's own autodiff, every transpose combination.
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = ta ? tf.transpose(x) : x;
      const bb = tb ? tf.transpose(wTrain) : wTrain;
      const fused = gradsOf((p, q) => matMul2d(p as tf.Tensor2D, q as tf.Tensor2D, ta, tb), [a, bb], r);
      const plain = gradsOf((p, q) => tf.matMul(p, q, ta, tb), [a, bb], r);
      expect(maxRelDiff(fused.value, plain.value)).toBeLessThan(1e-6);
      fused.grads.forEach((g, i) => expect(maxRelDiff(g, plain.grads[i]), `transposes ${ta},${tb} grad ${i}`).toBeLessThan(1e-5));
      if (ta) a.dispose();
      if (tb) bb.dispose();
    }
    const plainAffine = gradsOf((p, q, c) => tf.add(tf.matMul(p, q), c), [x, wTrain, bias], r);
    const fusedAffine = gradsOf((p, q, c) => affine(p as tf.Tensor2D, q as tf.Tensor2D, c as tf.Tensor1D), [x, wTrain, bias], r);
    fusedAffine.grads.forEach((g, i) => expect(maxRelDiff(g, plainAffine.grads[i]), `affine grad ${i}`).toBeLessThan(1e-5));

    // Kernel counts of one forward + backward: a trained weight needs dX and dW, a frozen one dX only.
    const products = async (weight: tf.Variable) => {
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(affine(x as tf.Tensor2D, weight as tf.Tensor2D, bias as tf.Tensor1D), r)) as tf.Scalar);
        tf.dispose([value, grads]);
      });
      return kernelCalls(info).filter((kernel) => /MatMul/.test(kernel.name)).length;
    };
    expect(await products(wTrain)).toBe(3);
    expect(await products(wFrozen)).toBe(2);
    tf.dispose([x, wTrain, wFrozen, bias, r]);
  });

  it("frees a block's output gradient after use, but never a dy the caller passed to tf.grads", () => {
    const x = tensorOf(randomArray(5 * 7, 31), [5, 7]);
    const gamma = tensorOf(randomArray(7, 32), [7]);
    const beta = tensorOf(randomArray(7, 33), [7]);
    const dy = tensorOf(randomArray(5 * 7, 34), [5, 7]);
    const [dx] = tf.grads((t: tf.Tensor) => layerNorm(t, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5))([x], dy);
    expect(dy.isDisposed).toBe(false);
    expect(dy.dataSync().length).toBe(35);
    expect(Number.isFinite(dx.dataSync()[0])).toBe(true);
    tf.dispose([x, gamma, beta, dy, dx]);
  });
});
