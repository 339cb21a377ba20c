// Lean LayerNorm/RMSNorm backward, the input gradient (src/engine/kernels/blocks-webgpu/norm.ts).
//
// Inputs (row-major f32):
//   Dy    [n, d]  output gradient
//   X     [n, d]
//   Gamma [d]
//   Mean  [n]     from the forward (zeros for RMSNorm)
//   Rstd  [n]     from the forward
// Uniforms: n, d, rms (1: RMSNorm, no mean term)
// Output:
//   result [n, d]  with g = dy·γ, x̂ = (x − mean)·rstd:
//                  LayerNorm dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), RMSNorm dx = rstd·(g − x̂·mean(g·x̂))
// Dispatch: one workgroup of WG invocations per row, n workgroups: a strided pass accumulates
//   Σg and Σg·x̂ (float32), a tree reduction in workgroup memory, then a second pass writes dx.

const WG: u32 = 128u;

var<workgroup> sumG: array<f32, 128>;
var<workgroup> sumGX: array<f32, 128>;

fn main(index: i32) {
  let n = u32(uniforms.n);
  let d = u32(uniforms.d);
  let row = workgroupId.y * numWorkgroups.x + workgroupId.x;
  let t = localId.x;
  var mu = 0.0;
  var r = 0.0;
  var accG = 0.0;
  var accGX = 0.0;
  if (row < n) {
    mu = Mean[row];
    r = Rstd[row];
    for (var c = t; c < d; c += WG) {
      let g = Dy[row * d + c] * Gamma[c];
      let xHat = (X[row * d + c] - mu) * r;
      accG += g;
      accGX += g * xHat;
    }
  }
  sumG[t] = accG;
  sumGX[t] = accGX;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (t < s) {
      sumG[t] += sumG[t + s];
      sumGX[t] += sumGX[t + s];
    }
    workgroupBarrier();
  }
  if (row < n) {
    let meanGX = sumGX[0] / f32(d);
    var meanG = sumG[0] / f32(d);
    if (uniforms.rms == 1) {
      meanG = 0.0;
    }
    for (var c = t; c < d; c += WG) {
      let g = Dy[row * d + c] * Gamma[c];
      let xHat = (X[row * d + c] - mu) * r;
      result[row * d + c] = (g - meanG - xHat * meanGX) * r;
    }
  }
}
