// Lean LayerNorm/RMSNorm forward, the normalised output (src/engine/kernels/blocks-webgpu/norm.ts).
//
// Inputs (row-major f32):
//   X     [n, d]
//   Mean  [n]    per-row mean (zeros for RMSNorm)
//   Rstd  [n]    per-row 1/sqrt(var + eps)
//   Gamma [d]
//   Beta  [d]    (hasBeta == 1; otherwise Gamma is bound here and unused)
// Uniforms: n, d, hasBeta
// Output:
//   result [n, d]  y = (x − mean)·rstd·γ (+ β)
// Dispatch: elementwise, one invocation per element, ceil(n·d / WG) workgroups.

const WG: u32 = 256u;

fn main(index: i32) {
  let d = u32(uniforms.d);
  let total = u32(uniforms.n) * d;
  let i = u32(index);
  if (i < total) {
    let row = i / d;
    let c = i - row * d;
    var y = (X[i] - Mean[row]) * Rstd[row] * Gamma[c];
    if (uniforms.hasBeta == 1) {
      y += Beta[c];
    }
    result[i] = y;
  }
}
