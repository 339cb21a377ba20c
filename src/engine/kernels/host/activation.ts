import type { tf } from '../../tf';
import { erfcx, fastExp } from './fast-math';
import { hostKernelConfigs, input, type HostMemory } from './host-memory';

/**
 * Elementwise activations (HF's ACT2FN names), on the host (wasm and cpu), one kernel per call.
 *
 * PeftActivationForward   inputs: x [any];          attrs: kind;  output: act(x), same shape
 * PeftActivationBackward  inputs: dy, x (same shape); attrs: kind;  output: dy·act'(x)
 *
 * kind: gelu_tanh | gelu_erf | relu | silu. Nothing is kept: backward recomputes from x.
 * exp and erfcx come from `fast-math.ts` (double-precision-grade, 3–4× cheaper than Math.*); the
 * GELU-tanh kernels get tanh and 1 − tanh² from one exp. Branch-free where the branch would
 * depend on the data (a mispredicted branch costs more than the arithmetic it saves).
 */

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_CUBIC = 0.044715;

const KINDS = ['gelu_tanh', 'gelu_erf', 'relu', 'silu'] as const;
type Kind = (typeof KINDS)[number];

function kindOf(attrs: tf.NamedAttrMap, kernel: string): Kind {
  const kind = attrs.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) throw new Error(`${kernel}: unknown activation kind ${String(kind)}`);
  return kind as Kind;
}

// One loop function per kind and direction (see host-memory.ts on why loops live apart).

function geluTanhForward(x: Float32Array, out: Float32Array): void {
  // 0.5·x·(1 + tanh(u)) = x·e/(e + 1) with e = exp(2u); |u| ≤ 40 keeps e finite (tanh is ±1 there)
  for (let i = 0, size = x.length; i < size; i++) {
    const v = x[i];
    const u = SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v);
    out[i] = v - v / (fastExp(2 * (u > 40 ? 40 : u < -40 ? -40 : u)) + 1);
  }
}

function geluTanhBackward(dy: Float32Array, x: Float32Array, out: Float32Array): void {
  // d/dx 0.5·x·(1+t) = 0.5·(1+t) + 0.5·x·(1−t²)·√(2/π)·(1 + 3·0.044715·x²);
  // with e = exp(2u), inv = 1/(e + 1): 0.5·(1+t) = 1 − inv and 1 − t² = 4·e·inv²
  for (let i = 0, size = x.length; i < size; i++) {
    const v = x[i];
    const v2 = v * v;
    const u = SQRT_2_OVER_PI * (v + GELU_CUBIC * v2 * v);
    const e = fastExp(2 * (u > 40 ? 40 : u < -40 ? -40 : u));
    const inv = 1 / (e + 1);
    const dInner = SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * v2);
    out[i] = dy[i] * (1 - inv + 2 * v * e * inv * inv * dInner);
  }
}

// Φ(x) = ½·erfc(−x/√2): with y = |x|/√2 and h = ½·exp(−y²)·erfcx(y) = ½·erfc(y), Φ = 1 − h for
// x ≥ 0 and h for x < 0 (picked arithmetically: the sign is random). One exp an element, and
// the backward's density φ(x) = exp(−x²/2)/√(2π) reuses it.

function geluErfForward(x: Float32Array, out: Float32Array): void {
  for (let i = 0, size = x.length; i < size; i++) {
    const v = x[i];
    const y = Math.abs(v) * INV_SQRT_2;
    const h = 0.5 * fastExp(-y * y) * erfcx(y);
    out[i] = v * (1 - h + +(v < 0) * (2 * h - 1));
  }
}

function geluErfBackward(dy: Float32Array, x: Float32Array, out: Float32Array): void {
  // Φ(x) + x·φ(x)
  for (let i = 0, size = x.length; i < size; i++) {
    const v = x[i];
    const y = Math.abs(v) * INV_SQRT_2;
    const e = fastExp(-y * y);
    const h = 0.5 * e * erfcx(y);
    out[i] = dy[i] * (1 - h + +(v < 0) * (2 * h - 1) + v * INV_SQRT_2PI * e);
  }
}

// Branch-free: a data-dependent `v < 0 ? 0 : v` mispredicts half the time (5× slower in V8).
// (v + |v|)/2 is exact (0 for v ≤ 0, v otherwise, NaN stays NaN); +(x > 0) compiles to a setcc.
function reluForward(x: Float32Array, out: Float32Array): void {
  for (let i = 0, size = x.length; i < size; i++) {
    const v = x[i];
    out[i] = (v + Math.abs(v)) * 0.5;
  }
}

function reluBackward(dy: Float32Array, x: Float32Array, out: Float32Array): void {
  for (let i = 0, size = x.length; i < size; i++) out[i] = dy[i] * +(x[i] > 0);
}

function siluForward(x: Float32Array, out: Float32Array): void {
  for (let i = 0, size = x.length; i < size; i++) {
    const v = x[i];
    out[i] = v / (1 + fastExp(-v));
  }
}

function siluBackward(dy: Float32Array, x: Float32Array, out: Float32Array): void {
  // σ(x)·(1 + x·(1 − σ(x)))
  for (let i = 0, size = x.length; i < size; i++) {
    const v = x[i];
    const s = 1 / (1 + fastExp(-v));
    out[i] = dy[i] * s * (1 + v * (1 - s));
  }
}

const FORWARD: Record<Kind, (x: Float32Array, out: Float32Array) => void> = {
  gelu_tanh: geluTanhForward,
  gelu_erf: geluErfForward,
  relu: reluForward,
  silu: siluForward,
};

const BACKWARD: Record<Kind, (dy: Float32Array, x: Float32Array, out: Float32Array) => void> = {
  gelu_tanh: geluTanhBackward,
  gelu_erf: geluErfBackward,
  relu: reluBackward,
  silu: siluBackward,
};

function activationForward(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo {
  const kernel = 'PeftActivationForward';
  const xInfo = input(inputs, 'x', kernel);
  const kind = kindOf(attrs, kernel);
  const outInfo = memory.alloc(xInfo.shape);
  FORWARD[kind](memory.f32(xInfo, 'x'), memory.f32(outInfo, 'y'));
  return outInfo;
}

function activationBackward(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo {
  const kernel = 'PeftActivationBackward';
  const dyInfo = input(inputs, 'dy', kernel);
  const xInfo = input(inputs, 'x', kernel);
  const kind = kindOf(attrs, kernel);
  if (dyInfo.shape.length !== xInfo.shape.length || dyInfo.shape.some((dim, i) => dim !== xInfo.shape[i])) {
    throw new Error(`${kernel}: dy [${dyInfo.shape}] and x [${xInfo.shape}] must have the same shape`);
  }
  const outInfo = memory.alloc(xInfo.shape);
  BACKWARD[kind](memory.f32(dyInfo, 'dy'), memory.f32(xInfo, 'x'), memory.f32(outInfo, 'dx'));
  return outInfo;
}

export const activationKernelConfigs: tf.KernelConfig[] = [
  ...hostKernelConfigs('PeftActivationForward', activationForward),
  ...hostKernelConfigs('PeftActivationBackward', activationBackward),
];
