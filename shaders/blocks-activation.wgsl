// Lean activations, forward and backward (src/engine/kernels/blocks-webgpu/activation.ts).
//
// Inputs (f32, flat):
//   X  [size]  the activation's input
//   Dy [size]  backward (mode 1): the output gradient; forward (mode 0): X bound again, unused
// Uniforms: size, kind (0 gelu_tanh, 1 gelu_erf, 2 relu, 3 silu), mode (0: y = act(x), 1: dx = dy·act'(x))
// Output:
//   result [size]
// Dispatch: elementwise, one invocation per element, ceil(size / WG) workgroups.
//
// gelu_erf needs Φ(x) = ½·erfc(−x/√2); WGSL has no erf. erfc(z), z ≥ 0, is Numerical Recipes'
// Chebyshev-fitted erfcc (fractional error < 1.2e-7 for every z ≥ 0), so Φ keeps its relative
// precision in the far negative tail, where 1 + erf(x/√2) would cancel.

const WG: u32 = 256u;

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const INV_SQRT_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
const GELU_C: f32 = 0.044715;

// erfc(z) for z ≥ 0.
fn erfcPositive(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  // −z² split as −zr² − (z − zr)(z + zr) with zr = z rounded down to 1/16 (zr² exact in f32), so
  // the exponent's rounding does not grow with z² in the tail (Cody's trick).
  let zr = floor(z * 16.0) / 16.0;
  return t * exp(poly - zr * zr) * exp(-(z - zr) * (z + zr));
}

// Φ(x), the standard normal CDF.
fn normalCdf(x: f32) -> f32 {
  let half = 0.5 * erfcPositive(abs(x) * INV_SQRT_2);
  return select(half, 1.0 - half, x >= 0.0);
}

// tanh without exp overflow (tfjs's own form).
fn tanhSafe(a: f32) -> f32 {
  let e2x = exp(-2.0 * abs(a));
  return sign(a) * (1.0 - e2x) / (1.0 + e2x);
}

fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

fn forward(x: f32, kind: i32) -> f32 {
  switch (kind) {
    case 0: {
      let inner = SQRT_2_OVER_PI * (x + GELU_C * (x * x * x));
      return 0.5 * x * (1.0 + tanhSafe(inner));
    }
    case 1: {
      return x * normalCdf(x);
    }
    case 2: {
      return max(x, 0.0);
    }
    default: {
      return x * sigmoid(x);
    }
  }
}

fn derivative(x: f32, kind: i32) -> f32 {
  switch (kind) {
    case 0: {
      let x2 = x * x;
      let t = tanhSafe(SQRT_2_OVER_PI * (x + GELU_C * (x2 * x)));
      let dInner = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x2);
      return 0.5 * (1.0 + t) + 0.5 * x * ((1.0 - t * t) * dInner);
    }
    case 1: {
      return normalCdf(x) + x * (INV_SQRT_2PI * exp(-0.5 * x * x));
    }
    case 2: {
      return select(0.0, 1.0, x > 0.0);
    }
    default: {
      let s = sigmoid(x);
      return s * (1.0 + x * (1.0 - s));
    }
  }
}

fn main(index: i32) {
  if (index < uniforms.size) {
    let x = X[index];
    if (uniforms.mode == 0) {
      result[index] = forward(x, uniforms.kind);
    } else {
      result[index] = Dy[index] * derivative(x, uniforms.kind);
    }
  }
}
