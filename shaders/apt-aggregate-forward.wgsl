// APT prompt aggregation, forward (Wu et al. 2023, eq. 13 without the e^s scale):
//
//   Y[i, :] = Σ_j ReLU(X[i, :]·K[j, :]) · A[j] · V[j, :]        (V is APT's P')
//
// Inputs (tfjs storage buffers, row-major f32; shapes from tfjs's uniforms):
//   X [n, d]  the layer's input rows (all batch rows flattened)
//   K [p, d]  prompt keys  K = P'·W1·W2 + P'
//   A [p]     per-prompt weights a_j = max_c K[j, c]
//   V [p, d]  prompt values P'
// Output:
//   result [n, d]
// Dispatch: workgroups of WG = 64 invocations, one per ROWS consecutive rows:
//   ceil(n / ROWS) workgroups, flat (tfjs folds a long dispatch into x·y; the flat id is rebuilt).
//
// The n×p score matrix is never written to GPU memory: per chunk of KEYS prompt keys, the
// ROWS×KEYS gated scores live in workgroup memory and are consumed at once. For p > KEYS the
// workgroup accumulates into its own output rows (no other workgroup touches them).
// The host reads ROWS from this file (one source of truth for the dispatch size).

// Private arrays are zeroed by explicit loops: declared inside a loop, SwiftShader (Chromium 156)
// kept their values from the previous iteration instead of zero-initialising them again.

const WG: u32 = 64u;
const ROWS: u32 = 8u;
const KEYS: u32 = 128u;
const KEYS_PER_THREAD: u32 = 2u; // KEYS / WG

var<workgroup> xTile: array<f32, 512>;    // ROWS × WG: a column chunk of the group's rows
var<workgroup> gated: array<f32, 1024>;   // ROWS × KEYS: ReLU(score)·a for the current key chunk

fn main(index: i32) {
  let n = u32(uniforms.xShape.x);
  let d = u32(uniforms.xShape.y);
  let p = u32(uniforms.kShape.x);
  let group = workgroupId.y * numWorkgroups.x + workgroupId.x;
  let row0 = group * ROWS;
  let t = localId.x;

  for (var k0 = 0u; k0 < p; k0 += KEYS) {
    // Scores of the group's ROWS rows against this thread's keys k0 + m·WG + t.
    var acc: array<f32, 16>; // [m · ROWS + r]
    for (var z = 0u; z < 16u; z++) { acc[z] = 0.0; }
    for (var c0 = 0u; c0 < d; c0 += WG) {
      for (var r = 0u; r < ROWS; r++) {
        let row = row0 + r;
        let c = c0 + t;
        var value = 0.0;
        if (row < n && c < d) {
          value = X[row * d + c];
        }
        xTile[r * WG + t] = value;
      }
      workgroupBarrier();
      let width = min(WG, d - c0);
      for (var m = 0u; m < KEYS_PER_THREAD; m++) {
        let j = k0 + m * WG + t;
        if (j < p) {
          for (var cc = 0u; cc < width; cc++) {
            let key = K[j * d + c0 + cc];
            for (var r = 0u; r < ROWS; r++) {
              acc[m * ROWS + r] += xTile[r * WG + cc] * key;
            }
          }
        }
      }
      workgroupBarrier();
    }
    for (var m = 0u; m < KEYS_PER_THREAD; m++) {
      let jl = m * WG + t;
      let j = k0 + jl;
      var weight = 0.0;
      if (j < p) {
        weight = A[j];
      }
      for (var r = 0u; r < ROWS; r++) {
        gated[r * KEYS + jl] = max(acc[m * ROWS + r], 0.0) * weight;
      }
    }
    workgroupBarrier();

    // Y[row, c] += Σ_j gated[row, j] · V[j, c], columns spread over the threads.
    let count = min(KEYS, p - k0);
    for (var c = t; c < d; c += WG) {
      var out: array<f32, 8>; // [r]
      for (var z = 0u; z < 8u; z++) { out[z] = 0.0; }
      for (var jl = 0u; jl < count; jl++) {
        let value = V[(k0 + jl) * d + c];
        for (var r = 0u; r < ROWS; r++) {
          out[r] += gated[r * KEYS + jl] * value;
        }
      }
      for (var r = 0u; r < ROWS; r++) {
        let row = row0 + r;
        if (row < n) {
          if (k0 == 0u) {
            result[row * d + c] = out[r];
          } else {
            result[row * d + c] += out[r];
          }
        }
      }
    }
    workgroupBarrier();
  }
}
