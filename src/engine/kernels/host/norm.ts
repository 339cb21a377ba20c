import type { tf } from '../../tf';
import { hostKernelConfigs, input, numberAttr, type HostMemory } from './host-memory';

/**
 * LayerNorm / RMSNorm over the last axis, on the host (wasm and cpu), one kernel per call.
 *
 * PeftNormForward
 *   inputs: x [N, d], gamma [d], beta [d] (optional; RMSNorm has none); attrs: eps, rms (boolean)
 *   outputs: y [N, d], mean [N] (zeros for RMSNorm), rstd [N] = 1/√(var + eps)
 * PeftNormBackward
 *   inputs: dy [N, d], x [N, d], gamma [d], mean [N], rstd [N]; attrs: rms (boolean)
 *   outputs: dx [N, d], dGamma [d], dBeta [d] (LayerNorm only)
 *
 * Kept for backward: only mean and rstd (two floats a row); x̂ is recomputed from x. Row sums
 * and the column sums of dγ/dβ accumulate in float64; the moments come from one shifted pass.
 */

// The element loops, apart from the plumbing (see host-memory.ts).

function normRows(x: Float32Array, gamma: Float32Array, beta: Float32Array | null, y: Float32Array, meanOut: Float32Array, rstdOut: Float32Array, d: number, eps: number, rms: boolean): void {
  for (let row = 0, base = 0, n = meanOut.length; row < n; row++, base += d) {
    // One pass for both moments, shifted by the row's first value so that E[c²] − E[c]² does
    // not cancel for rows far from 0 (float64 sums; two accumulators each, since a single
    // running sum is bound by the add latency).
    const shift = rms ? 0 : x[base];
    let sumA = 0;
    let sumB = 0;
    let squaresA = 0;
    let squaresB = 0;
    let j = 0;
    for (; j + 1 < d; j += 2) {
      const c0 = x[base + j] - shift;
      const c1 = x[base + j + 1] - shift;
      sumA += c0;
      sumB += c1;
      squaresA += c0 * c0;
      squaresB += c1 * c1;
    }
    if (j < d) {
      const c = x[base + j] - shift;
      sumA += c;
      squaresA += c * c;
    }
    const sum = sumA + sumB;
    const squares = squaresA + squaresB;
    const mean = rms ? 0 : shift + sum / d;
    const variance = rms ? squares / d : Math.max(0, (squares - (sum * sum) / d) / d);
    const rstd = 1 / Math.sqrt(variance + eps);
    meanOut[row] = mean;
    rstdOut[row] = rstd;
    if (beta) for (let k = 0; k < d; k++) y[base + k] = (x[base + k] - mean) * rstd * gamma[k] + beta[k];
    else for (let k = 0; k < d; k++) y[base + k] = (x[base + k] - mean) * rstd * gamma[k];
  }
}

function normBackwardRows(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  meanIn: Float32Array,
  rstdIn: Float32Array,
  dx: Float32Array,
  dGammaSum: Float64Array,
  dBetaSum: Float64Array,
  d: number,
  rms: boolean,
): void {
  for (let row = 0, base = 0, n = rstdIn.length; row < n; row++, base += d) {
    const mean = rms ? 0 : meanIn[row];
    const rstd = rstdIn[row];
    // g = dy·γ; LayerNorm: dx = r·(g − mean(g) − x̂·mean(g·x̂)); RMSNorm drops mean(g).
    // Two accumulators per sum (see normRows).
    let sumGA = 0;
    let sumGB = 0;
    let sumGXA = 0;
    let sumGXB = 0;
    let j = 0;
    for (; j + 1 < d; j += 2) {
      const dy0 = dy[base + j];
      const dy1 = dy[base + j + 1];
      const xHat0 = (x[base + j] - mean) * rstd;
      const xHat1 = (x[base + j + 1] - mean) * rstd;
      const g0 = dy0 * gamma[j];
      const g1 = dy1 * gamma[j + 1];
      sumGA += g0;
      sumGB += g1;
      sumGXA += g0 * xHat0;
      sumGXB += g1 * xHat1;
      dGammaSum[j] += dy0 * xHat0;
      dGammaSum[j + 1] += dy1 * xHat1;
      dBetaSum[j] += dy0;
      dBetaSum[j + 1] += dy1;
    }
    if (j < d) {
      const dyj = dy[base + j];
      const xHat = (x[base + j] - mean) * rstd;
      const g = dyj * gamma[j];
      sumGA += g;
      sumGXA += g * xHat;
      dGammaSum[j] += dyj * xHat;
      dBetaSum[j] += dyj;
    }
    const meanG = rms ? 0 : (sumGA + sumGB) / d;
    const meanGX = (sumGXA + sumGXB) / d;
    for (let k = 0; k < d; k++) {
      const xHat = (x[base + k] - mean) * rstd;
      dx[base + k] = rstd * (dy[base + k] * gamma[k] - meanG - xHat * meanGX);
    }
  }
}

function normForward(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo[] {
  const kernel = 'PeftNormForward';
  const xInfo = input(inputs, 'x', kernel);
  const gammaInfo = input(inputs, 'gamma', kernel);
  const betaInfo = inputs.beta;
  const eps = numberAttr(attrs, 'eps', kernel);
  const rms = attrs.rms === true || attrs.rms === 1;
  const [n, d] = xInfo.shape;
  if (xInfo.shape.length !== 2 || gammaInfo.shape[0] !== d || (betaInfo && betaInfo.shape[0] !== d)) {
    throw new Error(`${kernel}: x must be [N, d] with gamma/beta [d], got x [${xInfo.shape}], gamma [${gammaInfo.shape}]`);
  }
  const yInfo = memory.alloc([n, d]);
  const meanInfo = memory.alloc([n]);
  const rstdInfo = memory.alloc([n]);
  const x = memory.f32(xInfo, 'x');
  const gamma = memory.f32(gammaInfo, 'gamma');
  const beta = betaInfo ? memory.f32(betaInfo, 'beta') : null;
  const y = memory.f32(yInfo, 'y');
  const meanOut = memory.f32(meanInfo, 'mean');
  const rstdOut = memory.f32(rstdInfo, 'rstd');
  normRows(x, gamma, beta, y, meanOut, rstdOut, d, eps, rms);
  return [yInfo, meanInfo, rstdInfo];
}

function normBackward(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo[] {
  const kernel = 'PeftNormBackward';
  const dyInfo = input(inputs, 'dy', kernel);
  const xInfo = input(inputs, 'x', kernel);
  const gammaInfo = input(inputs, 'gamma', kernel);
  const meanInfo = input(inputs, 'mean', kernel);
  const rstdInfo = input(inputs, 'rstd', kernel);
  const rms = attrs.rms === true || attrs.rms === 1;
  const [n, d] = xInfo.shape;
  if (dyInfo.shape[0] !== n || dyInfo.shape[1] !== d || gammaInfo.shape[0] !== d || meanInfo.shape[0] !== n || rstdInfo.shape[0] !== n) {
    throw new Error(`${kernel}: shapes do not agree: dy [${dyInfo.shape}], x [${xInfo.shape}], gamma [${gammaInfo.shape}]`);
  }
  const dxInfo = memory.alloc([n, d]);
  const dGammaInfo = memory.alloc([d]);
  const dBetaInfo = rms ? null : memory.alloc([d]);
  const dy = memory.f32(dyInfo, 'dy');
  const x = memory.f32(xInfo, 'x');
  const gamma = memory.f32(gammaInfo, 'gamma');
  const meanIn = memory.f32(meanInfo, 'mean');
  const rstdIn = memory.f32(rstdInfo, 'rstd');
  const dx = memory.f32(dxInfo, 'dx');
  const dGammaSum = new Float64Array(d);
  const dBetaSum = new Float64Array(d);
  normBackwardRows(dy, x, gamma, meanIn, rstdIn, dx, dGammaSum, dBetaSum, d, rms);
  const dGamma = memory.f32(dGammaInfo, 'dGamma');
  dGamma.set(dGammaSum);
  if (!dBetaInfo) return [dxInfo, dGammaInfo];
  memory.f32(dBetaInfo, 'dBeta').set(dBetaSum);
  return [dxInfo, dGammaInfo, dBetaInfo];
}

export const normKernelConfigs: tf.KernelConfig[] = [
  ...hostKernelConfigs('PeftNormForward', normForward),
  ...hostKernelConfigs('PeftNormBackward', normBackward),
];
