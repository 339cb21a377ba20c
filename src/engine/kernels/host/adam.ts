import type { tf } from '../../tf';
import { hostKernelConfigs, input, numberAttr, type HostMemory } from './host-memory';

/**
 * The optimizer's kernels, on the host (wasm and cpu): one kernel per parameter group.
 *
 * PeftSumOfSquares  inputs: g0 … g(n−1) (any shapes); attrs: n
 *                   output: [] Σ over every tensor of Σ g² (the squared global gradient norm)
 * PeftAdamUpdate    inputs: p0…, g0…, m0…, v0… (pi, gi, mi, vi of one shape), clip [];
 *                   attrs: n, kind ('adam' | 'adamw'), lr, beta1, beta2, epsilon, weightDecay,
 *                   bias1 = 1 − β1^t, bias2 = 1 − β2^t
 *                   outputs: 3n tensors, per variable i: new p at 3i, m at 3i+1, v at 3i+2
 *
 * PyTorch's formulas: g ← clip·g; Adam: g ← g + wd·p; AdamW: p ← p − lr·wd·p;
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·(m/bias1)/(√(v/bias2) + ε).
 * Nothing is kept; each element is updated in float64 and stored once.
 */

// The element loops, apart from the plumbing (see host-memory.ts).

/** Four accumulators: one running sum is bound by the add latency (2× slower in V8). */
function squaresOf(g: Float32Array): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const size = g.length;
  let i = 0;
  for (; i + 3 < size; i += 4) {
    const g0 = g[i];
    const g1 = g[i + 1];
    const g2 = g[i + 2];
    const g3 = g[i + 3];
    a0 += g0 * g0;
    a1 += g1 * g1;
    a2 += g2 * g2;
    a3 += g3 * g3;
  }
  for (; i < size; i++) a0 += g[i] * g[i];
  return a0 + a1 + (a2 + a3);
}

function adamElements(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  pOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  clip: number,
  adamDecay: number,
  decoupledDecay: number,
  beta1: number,
  beta2: number,
  stepSize: number,
  invSqrtBias2: number,
  epsilon: number,
): void {
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  for (let i = 0, size = p.length; i < size; i++) {
    const pi = p[i];
    const gi = g[i] * clip + adamDecay * pi;
    const mi = beta1 * m[i] + oneMinusBeta1 * gi;
    const vi = beta2 * v[i] + oneMinusBeta2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = pi - decoupledDecay * pi - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBias2 + epsilon);
  }
}

function sumOfSquares(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo {
  const kernel = 'PeftSumOfSquares';
  const n = numberAttr(attrs, 'n', kernel);
  const outInfo = memory.alloc([]);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const g = memory.f32(input(inputs, `g${k}`, kernel), `g${k}`);
    total += squaresOf(g);
  }
  memory.f32(outInfo, 'sumOfSquares')[0] = total;
  return outInfo;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

function adamUpdate(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo[] {
  const kernel = 'PeftAdamUpdate';
  const n = numberAttr(attrs, 'n', kernel);
  const kind = attrs.kind;
  if (kind !== 'adam' && kind !== 'adamw') throw new Error(`${kernel}: kind must be adam or adamw, got ${String(kind)}`);
  const lr = numberAttr(attrs, 'lr', kernel);
  const beta1 = numberAttr(attrs, 'beta1', kernel);
  const beta2 = numberAttr(attrs, 'beta2', kernel);
  const epsilon = numberAttr(attrs, 'epsilon', kernel);
  const weightDecay = numberAttr(attrs, 'weightDecay', kernel);
  const bias1 = numberAttr(attrs, 'bias1', kernel);
  const bias2 = numberAttr(attrs, 'bias2', kernel);
  const clipInfo = input(inputs, 'clip', kernel);

  const groups: Array<{ p: tf.TensorInfo; g: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo }> = [];
  for (let k = 0; k < n; k++) {
    const group = { p: input(inputs, `p${k}`, kernel), g: input(inputs, `g${k}`, kernel), m: input(inputs, `m${k}`, kernel), v: input(inputs, `v${k}`, kernel) };
    if (!sameShape(group.g.shape, group.p.shape) || !sameShape(group.m.shape, group.p.shape) || !sameShape(group.v.shape, group.p.shape)) {
      throw new Error(`${kernel}: variable ${k}: p [${group.p.shape}], g [${group.g.shape}], m [${group.m.shape}], v [${group.v.shape}] must agree`);
    }
    groups.push(group);
  }
  const outputs: tf.TensorInfo[] = [];
  for (const group of groups) outputs.push(memory.alloc(group.p.shape), memory.alloc(group.p.shape), memory.alloc(group.p.shape));

  const clip = memory.f32(clipInfo, 'clip')[0];
  // Branch-free: the weight-decay term that does not apply is 0.
  const adamDecay = kind === 'adam' && weightDecay > 0 ? weightDecay : 0;
  const decoupledDecay = kind === 'adamw' && weightDecay > 0 ? lr * weightDecay : 0;
  // lr·(m/bias1)/(√(v/bias2) + ε) with the constant factors hoisted: one division an element.
  const stepSize = lr / bias1;
  const invSqrtBias2 = 1 / Math.sqrt(bias2);
  for (let k = 0; k < n; k++) {
    const { p: pInfo, g: gInfo, m: mInfo, v: vInfo } = groups[k];
    const p = memory.f32(pInfo, `p${k}`);
    const g = memory.f32(gInfo, `g${k}`);
    const m = memory.f32(mInfo, `m${k}`);
    const v = memory.f32(vInfo, `v${k}`);
    const pOut = memory.f32(outputs[3 * k], `p${k}'`);
    const mOut = memory.f32(outputs[3 * k + 1], `m${k}'`);
    const vOut = memory.f32(outputs[3 * k + 2], `v${k}'`);
    adamElements(p, g, m, v, pOut, mOut, vOut, clip, adamDecay, decoupledDecay, beta1, beta2, stepSize, invSqrtBias2, epsilon);
  }
  return outputs;
}

export const adamKernelConfigs: tf.KernelConfig[] = [...hostKernelConfigs('PeftSumOfSquares', sumOfSquares), ...hostKernelConfigs('PeftAdamUpdate', adamUpdate)];
