// APT prompt aggregation, backward for the prompt side (values, keys and weights at once):
//
//   S[i, j]  = X[i, :]·K[j, :]          dW[i, j] = Dy[i, :]·V[j, :]
//   dV[j, :] = Σ_i ReLU(S[i, j])·A[j] · Dy[i, :]
//   dK[j, :] = Σ_i [S[i, j] > 0]·A[j]·dW[i, j] · X[i, :]
//   dA[j]    = Σ_i ReLU(S[i, j]) · dW[i, j]
//
// Inputs (row-major f32): X [n, d], K [p, d], A [p], V [p, d] (APT's P'), Dy [n, d] (dL/dY).
// Output: result [p, 2d + 1]; row j = [ dV[j, :] | dK[j, :] | dA[j] ] (the host slices it).
// Dispatch: workgroups of WG = 64 invocations, one per KEYS_PER_GROUP consecutive prompt rows:
//   ceil(p / KEYS_PER_GROUP), flat (rebuilt from tfjs's possibly folded x·y dispatch).
//
// Each workgroup owns its prompt rows, walks all n input rows in chunks of CHUNK, recomputes
// S and dW for the chunk in registers, keeps the CHUNK×KEYS_PER_GROUP gated scores and dS in
// workgroup memory and accumulates into its own output rows: no n×p matrix leaves the chip and
// no atomics are needed. dA is reduced over the workgroup at the end.

// Private arrays are zeroed by explicit loops: declared inside a loop, SwiftShader (Chromium 156)
// kept their values from the previous iteration instead of zero-initialising them again.

const WG: u32 = 64u;
const KEYS_PER_GROUP: u32 = 8u;
const CHUNK: u32 = 128u;
const ROWS_PER_THREAD: u32 = 2u; // CHUNK / WG

var<workgroup> kTile: array<f32, 512>;    // KEYS_PER_GROUP × WG
var<workgroup> vTile: array<f32, 512>;    // KEYS_PER_GROUP × WG
var<workgroup> gated: array<f32, 1024>;   // KEYS_PER_GROUP × CHUNK: ReLU(S)·A
var<workgroup> dScore: array<f32, 1024>;  // KEYS_PER_GROUP × CHUNK: dS
var<workgroup> daPartial: array<f32, 512>; // WG × KEYS_PER_GROUP

fn main(index: i32) {
  let n = u32(uniforms.xShape.x);
  let d = u32(uniforms.xShape.y);
  let p = u32(uniforms.kShape.x);
  let stride = 2u * d + 1u;
  let group = workgroupId.y * numWorkgroups.x + workgroupId.x;
  let j0 = group * KEYS_PER_GROUP;
  let t = localId.x;

  var daAcc: array<f32, 8>; // [jj], over all rows this thread saw
  for (var z = 0u; z < 8u; z++) { daAcc[z] = 0.0; }

  for (var i0 = 0u; i0 < n; i0 += CHUNK) {
    var score: array<f32, 16>;  // [m · KEYS_PER_GROUP + jj]
    for (var z = 0u; z < 16u; z++) { score[z] = 0.0; }
    var dGated: array<f32, 16>; // [m · KEYS_PER_GROUP + jj]
    for (var z = 0u; z < 16u; z++) { dGated[z] = 0.0; }
    for (var c0 = 0u; c0 < d; c0 += WG) {
      for (var jj = 0u; jj < KEYS_PER_GROUP; jj++) {
        let j = j0 + jj;
        let c = c0 + t;
        var kv = 0.0;
        var vv = 0.0;
        if (j < p && c < d) {
          kv = K[j * d + c];
          vv = V[j * d + c];
        }
        kTile[jj * WG + t] = kv;
        vTile[jj * WG + t] = vv;
      }
      workgroupBarrier();
      let width = min(WG, d - c0);
      for (var m = 0u; m < ROWS_PER_THREAD; m++) {
        let i = i0 + m * WG + t;
        if (i < n) {
          for (var cc = 0u; cc < width; cc++) {
            let xv = X[i * d + c0 + cc];
            let dyv = Dy[i * d + c0 + cc];
            for (var jj = 0u; jj < KEYS_PER_GROUP; jj++) {
              score[m * KEYS_PER_GROUP + jj] += xv * kTile[jj * WG + cc];
              dGated[m * KEYS_PER_GROUP + jj] += dyv * vTile[jj * WG + cc];
            }
          }
        }
      }
      workgroupBarrier();
    }
    for (var m = 0u; m < ROWS_PER_THREAD; m++) {
      let il = m * WG + t;
      let i = i0 + il;
      for (var jj = 0u; jj < KEYS_PER_GROUP; jj++) {
        let j = j0 + jj;
        var g = 0.0;
        var ds = 0.0;
        if (i < n && j < p) {
          let s = score[m * KEYS_PER_GROUP + jj];
          let dw = dGated[m * KEYS_PER_GROUP + jj];
          let weight = A[j];
          g = max(s, 0.0);
          ds = select(0.0, weight * dw, s > 0.0);
          daAcc[jj] += g * dw;
          g = g * weight;
        }
        gated[jj * CHUNK + il] = g;
        dScore[jj * CHUNK + il] = ds;
      }
    }
    workgroupBarrier();

    let count = min(CHUNK, n - i0);
    for (var c = t; c < d; c += WG) {
      var outV: array<f32, 8>; // [jj]
      for (var z = 0u; z < 8u; z++) { outV[z] = 0.0; }
      var outK: array<f32, 8>; // [jj]
      for (var z = 0u; z < 8u; z++) { outK[z] = 0.0; }
      for (var il = 0u; il < count; il++) {
        let dyv = Dy[(i0 + il) * d + c];
        let xv = X[(i0 + il) * d + c];
        for (var jj = 0u; jj < KEYS_PER_GROUP; jj++) {
          outV[jj] += gated[jj * CHUNK + il] * dyv;
          outK[jj] += dScore[jj * CHUNK + il] * xv;
        }
      }
      for (var jj = 0u; jj < KEYS_PER_GROUP; jj++) {
        let j = j0 + jj;
        if (j < p) {
          if (i0 == 0u) {
            result[j * stride + c] = outV[jj];
            result[j * stride + d + c] = outK[jj];
          } else {
            result[j * stride + c] += outV[jj];
            result[j * stride + d + c] += outK[jj];
          }
        }
      }
    }
    workgroupBarrier();
  }

  for (var jj = 0u; jj < KEYS_PER_GROUP; jj++) {
    daPartial[t * KEYS_PER_GROUP + jj] = daAcc[jj];
  }
  workgroupBarrier();
  if (t < KEYS_PER_GROUP) {
    let j = j0 + t;
    var sum = 0.0;
    for (var u = 0u; u < WG; u++) {
      sum += daPartial[u * KEYS_PER_GROUP + t];
    }
    if (j < p) {
      result[j * stride + 2u * d] = sum;
    }
  }
}
