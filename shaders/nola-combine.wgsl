// NOLA forward: build T matrices from one basis set without materialising the basis.
//
//   result[t, e] = nolaInit · f(0, e) + nolaScale · Σ_{i=1..nolaCount} coef[t, i-1] · f(i, e)
//
// where f(i, e) = nolaUnitFloat(nolaElementBits(nolaBasisKey(nolaKey, i), nolaMix32(e))).
// With T = 1: one target's A = A0 + Σ α_i A_i (nolaInit = A0's Kaiming bound) or B = Σ β_j B_j
// (nolaInit = 0). With T = layers (shared bases): every layer's matrix at once, each basis value
// generated once per element for up to ROWS coefficient rows.
//
// Inputs:   coef   f32 [T, nolaCount]
// Uniforms: nolaKey (u32 stream key), nolaCount, nolaSize, nolaRows (= T) (i32),
//           nolaScale, nolaInit (f32)
// Output:   result f32 [T, nolaSize]
// Dispatch: workgroups (ceil(nolaSize / WG), ceil(T / ROWS), 1), WG threads each; thread x owns
//           element e = workgroup.x · WG + x for rows workgroup.y · ROWS … + ROWS − 1. Bases go
//           in tiles of WG: the workgroup first computes the tile's WG basis keys and its ROWS × WG
//           coefficients into workgroup memory, then every thread consumes the tile.
// tfjs prepends its preamble (bindings `coef`, `result`, `uniforms`, the builtins) and
// nola-prng.wgsl; this file holds the kernel only.

const WG: u32 = 256u;
const ROWS: u32 = 8u;

var<workgroup> tileKeys: array<u32, 256>;
var<workgroup> tileCoefs: array<f32, 2048>;

fn main() {
  let lid = localId.x;
  let e = i32(workgroupId.x * WG + lid);
  let row0 = i32(workgroupId.y * ROWS);
  let elementMix = nolaMix32(u32(e));
  // Rows this workgroup owns (fewer than ROWS in the last group, 1 for an unshared target).
  let nRows = u32(min(i32(ROWS), uniforms.nolaRows - row0));
  var acc: array<f32, 8>;
  for (var start = 0; start < uniforms.nolaCount; start = start + i32(WG)) {
    let i = start + i32(lid);
    if (i < uniforms.nolaCount) {
      tileKeys[lid] = nolaBasisKey(uniforms.nolaKey, u32(i + 1));
    }
    for (var t = 0u; t < ROWS; t = t + 1u) {
      let row = row0 + i32(t);
      var c = 0.0;
      if (i < uniforms.nolaCount && row < uniforms.nolaRows) {
        c = coef[row * uniforms.nolaCount + i];
      }
      tileCoefs[t * WG + lid] = c;
    }
    workgroupBarrier();
    let n = min(i32(WG), uniforms.nolaCount - start);
    for (var j = 0; j < n; j = j + 1) {
      let f = nolaUnitFloat(nolaElementBits(tileKeys[j], elementMix));
      for (var t = 0u; t < nRows; t = t + 1u) {
        acc[t] = acc[t] + tileCoefs[t * WG + u32(j)] * f;
      }
    }
    workgroupBarrier();
  }
  if (e < uniforms.nolaSize) {
    var initValue = 0.0;
    if (uniforms.nolaInit != 0.0) {
      initValue = uniforms.nolaInit * nolaUnitFloat(nolaElementBits(nolaBasisKey(uniforms.nolaKey, 0u), elementMix));
    }
    for (var t = 0u; t < ROWS; t = t + 1u) {
      let row = row0 + i32(t);
      if (row < uniforms.nolaRows) {
        result[row * uniforms.nolaSize + e] = initValue + uniforms.nolaScale * acc[t];
      }
    }
  }
}
