// Lean LayerNorm/RMSNorm backward, the parameter gradients (src/engine/kernels/blocks-webgpu/norm.ts).
//
// Inputs (row-major f32):
//   Dy   [n, d]  output gradient
//   X    [n, d]
//   Mean [n]     from the forward (zeros for RMSNorm)
//   Rstd [n]     from the forward
// Uniforms: n, d, mode (0: dγ = Σ_rows dy·x̂ with x̂ = (x − mean)·rstd; 1: dβ = Σ_rows dy)
// Output:
//   result [d]
// Dispatch: ceil(d / COLS) workgroups of WG = COLS × SPLIT invocations: each workgroup owns COLS
//   consecutive columns, its SPLIT row slices accumulate (float32) with rows strided by SPLIT,
//   then the slices are added in workgroup memory. Reads stay coalesced along a row.

const WG: u32 = 256u;
const COLS: u32 = 32u;
const SPLIT: u32 = 8u;

var<workgroup> partial: array<f32, 256>;

fn main(index: i32) {
  let n = u32(uniforms.n);
  let d = u32(uniforms.d);
  let group = workgroupId.y * numWorkgroups.x + workgroupId.x;
  let t = localId.x;
  let col = group * COLS + t % COLS;
  let slice = t / COLS;
  var acc = 0.0;
  if (col < d) {
    for (var r = slice; r < n; r += SPLIT) {
      let dy = Dy[r * d + col];
      if (uniforms.mode == 0) {
        acc += dy * ((X[r * d + col] - Mean[r]) * Rstd[r]);
      } else {
        acc += dy;
      }
    }
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var s = SPLIT / 2u; s > 0u; s = s / 2u) {
    if (slice < s) {
      partial[t] += partial[t + s * COLS];
    }
    workgroupBarrier();
  }
  if (slice == 0u && col < d) {
    result[col] = partial[t];
  }
}
