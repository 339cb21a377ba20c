// APT prompt aggregation, backward for the input rows:
//
//   dW[i, j] = dY[i, :]·V[j, :]                  (gradient of the gated score)
//   dS[i, j] = A[j]·dW[i, j] if X[i, :]·K[j, :] > 0, else 0
//   dX[i, :] = Σ_j dS[i, j] · K[j, :]
//
// Inputs (row-major f32): X [n, d], K [p, d], A [p], V [p, d] (APT's P'), Dy [n, d] (dL/dY).
// Output: result [n, d] = dL/dX.
// Dispatch: workgroups of WG = 64 invocations, one per ROWS consecutive rows: ceil(n / ROWS),
//   flat (the flat id is rebuilt from tfjs's possibly folded x·y dispatch).
//
// Like the forward, scores and dW are recomputed per chunk of KEYS keys into registers and
// workgroup memory; no n×p matrix is written to GPU memory.

// Private arrays are zeroed by explicit loops: declared inside a loop, SwiftShader (Chromium 156)
// kept their values from the previous iteration instead of zero-initialising them again.

const WG: u32 = 64u;
const ROWS: u32 = 8u;
const KEYS: u32 = 128u;
const KEYS_PER_THREAD: u32 = 2u; // KEYS / WG

var<workgroup> xTile: array<f32, 512>;   // ROWS × WG
var<workgroup> dyTile: array<f32, 512>;  // ROWS × WG
var<workgroup> dScore: array<f32, 1024>; // ROWS × KEYS

fn main(index: i32) {
  let n = u32(uniforms.xShape.x);
  let d = u32(uniforms.xShape.y);
  let p = u32(uniforms.kShape.x);
  let group = workgroupId.y * numWorkgroups.x + workgroupId.x;
  let row0 = group * ROWS;
  let t = localId.x;

  for (var k0 = 0u; k0 < p; k0 += KEYS) {
    var score: array<f32, 16>;  // [m · ROWS + r]
    for (var z = 0u; z < 16u; z++) { score[z] = 0.0; }
    var dGated: array<f32, 16>; // [m · ROWS + r]
    for (var z = 0u; z < 16u; z++) { dGated[z] = 0.0; }
    for (var c0 = 0u; c0 < d; c0 += WG) {
      for (var r = 0u; r < ROWS; r++) {
        let row = row0 + r;
        let c = c0 + t;
        var xv = 0.0;
        var dyv = 0.0;
        if (row < n && c < d) {
          xv = X[row * d + c];
          dyv = Dy[row * d + c];
        }
        xTile[r * WG + t] = xv;
        dyTile[r * WG + t] = dyv;
      }
      workgroupBarrier();
      let width = min(WG, d - c0);
      for (var m = 0u; m < KEYS_PER_THREAD; m++) {
        let j = k0 + m * WG + t;
        if (j < p) {
          for (var cc = 0u; cc < width; cc++) {
            let key = K[j * d + c0 + cc];
            let value = V[j * d + c0 + cc];
            for (var r = 0u; r < ROWS; r++) {
              score[m * ROWS + r] += xTile[r * WG + cc] * key;
              dGated[m * ROWS + r] += dyTile[r * WG + cc] * value;
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
        dScore[r * KEYS + jl] = select(0.0, weight * dGated[m * ROWS + r], score[m * ROWS + r] > 0.0);
      }
    }
    workgroupBarrier();

    let count = min(KEYS, p - k0);
    for (var c = t; c < d; c += WG) {
      var out: array<f32, 8>;
      for (var z = 0u; z < 8u; z++) { out[z] = 0.0; }
      for (var jl = 0u; jl < count; jl++) {
        let key = K[(k0 + jl) * d + c];
        for (var r = 0u; r < ROWS; r++) {
          out[r] += dScore[r * KEYS + jl] * key;
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
