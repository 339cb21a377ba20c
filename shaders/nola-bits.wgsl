// NOLA PRNG check: the raw uint32 of each (basis, element) of one stream, so that the WGSL
// generator can be compared bit for bit with the TypeScript one (e2e/nola-kernels.spec.ts).
//
//   result[b, e] = bitcast<i32>(nolaElementBits(nolaBasisKey(nolaKey, nolaFirst + b), nolaMix32(e)))
//
// Inputs:   none
// Uniforms: nolaKey, nolaFirst (u32), nolaSize, nolaRows (i32)
// Output:   result i32 [nolaRows, nolaSize] (the uint32 bit patterns)
// Dispatch: workgroups (ceil(nolaSize / WG), nolaRows, 1), WG threads each; one element per thread.
// tfjs prepends its preamble and nola-prng.wgsl; this file holds the kernel only.

const WG: u32 = 256u;

fn main() {
  let e = i32(workgroupId.x * WG + localId.x);
  let b = i32(workgroupId.y);
  if (e < uniforms.nolaSize && b < uniforms.nolaRows) {
    let bits = nolaElementBits(nolaBasisKey(uniforms.nolaKey, uniforms.nolaFirst + u32(b)), nolaMix32(u32(e)));
    result[b * uniforms.nolaSize + e] = bitcast<i32>(bits);
  }
}
