// Lean LayerNorm/RMSNorm forward, row statistics (src/engine/kernels/blocks-webgpu/norm.ts).
//
// Inputs (row-major f32):
//   X    [n, d]  the rows to normalise
//   Mean [n]     mode 1: the rows' means from mode 0 (zeros for RMSNorm); mode 0/2: unused (X)
// Uniforms: n, d, eps, mode (0: mean, 1: rstd = 1/sqrt(mean((x − mean)²) + eps), 2: zeros)
// Output:
//   result [n]   the mean (mode 0), rstd (mode 1) or 0 (mode 2, RMSNorm's mean)
// Dispatch: one workgroup of WG invocations per row, n workgroups (two passes for LayerNorm:
//   mode 0 then mode 1, as torch's biased variance; float32 accumulation, strided per thread,
//   then a tree reduction in workgroup memory).

const WG: u32 = 128u;

var<workgroup> partial: array<f32, 128>;

fn main(index: i32) {
  let n = u32(uniforms.n);
  let d = u32(uniforms.d);
  let row = workgroupId.y * numWorkgroups.x + workgroupId.x;
  let t = localId.x;
  var acc = 0.0;
  if (row < n) {
    if (uniforms.mode == 0) {
      for (var c = t; c < d; c += WG) {
        acc += X[row * d + c];
      }
    } else if (uniforms.mode == 1) {
      let mu = Mean[row];
      for (var c = t; c < d; c += WG) {
        let v = X[row * d + c] - mu;
        acc += v * v;
      }
    }
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (t < s) {
      partial[t] += partial[t + s];
    }
    workgroupBarrier();
  }
  if (t == 0u && row < n) {
    let total = partial[0];
    if (uniforms.mode == 0) {
      result[row] = total / f32(d);
    } else if (uniforms.mode == 1) {
      result[row] = 1.0 / sqrt(total / f32(d) + uniforms.eps);
    } else {
      result[row] = 0.0;
    }
  }
}
