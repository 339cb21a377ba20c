// NOLA backward: the gradient of the coefficients, regenerating the same basis values as
// nola-combine.wgsl instead of reading a stored basis.
//
//   result[t, i-1] = nolaScale · Σ_e dOut[t, e] · f(i, e)      (i = 1 … nolaCount)
//
// i.e. ∂L/∂α_i = ⟨∂L/∂A, A_i⟩ (A0 is frozen: no gradient). f as in nola-combine.wgsl.
//
// Inputs:   dOut   f32 [T, nolaSize]   (∂L/∂ of nola-combine's result)
// Uniforms: nolaKey (u32), nolaCount, nolaSize, nolaRows (= T) (i32), nolaScale, nolaInit (f32,
//           unused here; the same block as the forward)
// Output:   result f32 [T, nolaCount]
// Dispatch: workgroups (nolaCount, ceil(T / ROWS), 1), WG threads each: workgroup x reduces basis
//           i = x + 1 for rows workgroup.y · ROWS … + ROWS − 1; each thread strides over the
//           elements (e = lid, lid + WG, …), then a tree reduction in workgroup memory.
// tfjs prepends its preamble and nola-prng.wgsl; this file holds the kernel only.

const WG: u32 = 256u;
const ROWS: u32 = 8u;

var<workgroup> partials: array<f32, 2048>;

fn main() {
  let lid = localId.x;
  let i = i32(workgroupId.x);
  let row0 = i32(workgroupId.y * ROWS);
  let key = nolaBasisKey(uniforms.nolaKey, u32(i + 1));
  // Rows this workgroup owns (fewer than ROWS in the last group, 1 for an unshared target).
  let nRows = u32(min(i32(ROWS), uniforms.nolaRows - row0));
  var acc: array<f32, 8>;
  for (var e = i32(lid); e < uniforms.nolaSize; e = e + i32(WG)) {
    let f = nolaUnitFloat(nolaElementBits(key, nolaMix32(u32(e))));
    for (var t = 0u; t < nRows; t = t + 1u) {
      acc[t] = acc[t] + dOut[(row0 + i32(t)) * uniforms.nolaSize + e] * f;
    }
  }
  for (var t = 0u; t < nRows; t = t + 1u) {
    partials[t * WG + lid] = acc[t];
  }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      for (var t = 0u; t < nRows; t = t + 1u) {
        partials[t * WG + lid] = partials[t * WG + lid] + partials[t * WG + lid + stride];
      }
    }
    workgroupBarrier();
  }
  if (lid < nRows) {
    result[(row0 + i32(lid)) * uniforms.nolaCount + i] = uniforms.nolaScale * partials[lid * WG];
  }
}
