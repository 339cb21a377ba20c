// NOLA's counter-based PRNG in WGSL: the same functions as src/engine/kernels/nola-prng.ts,
// defined in docs/nola-prng.md. Not a kernel: nola-basis-webgpu.ts prepends this file to each
// NOLA kernel (nola-combine, nola-project, nola-bits). u32 arithmetic wraps modulo 2^32 in WGSL,
// as Math.imul(…) >>> 0 does in TypeScript, so both produce the same bits.
//
// The stream key mix32(mix32(seed ^ 0x6e6f6c61) ^ stream) is computed once on the host and
// passed in as a uniform; the kernels derive basis keys and element bits from it.

fn nolaMix32(v: u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  return x ^ (x >> 16u);
}

fn nolaBasisKey(streamKey: u32, basis: u32) -> u32 {
  return nolaMix32(streamKey ^ nolaMix32(basis ^ 0x9e3779b9u));
}

// Element bits = nolaMix32(basisKey ^ nolaMix32(element)); callers keep nolaMix32(element) when
// it is reused across bases.
fn nolaElementBits(basisKey: u32, elementMix: u32) -> u32 {
  return nolaMix32(basisKey ^ elementMix);
}

// Top 24 bits as a signed fixed-point number in [-1, 1): exact in f32.
fn nolaUnitFloat(bits: u32) -> f32 {
  return f32(i32(bits >> 8u) - 8388608) * (1.0 / 8388608.0);
}
