/**
 * NOLA's counter-based random numbers: every basis entry is a pure function of
 * (seed, stream, basis index, element index), so the CPU, the WGSL kernels (forward and backward)
 * and any other implementation regenerate the same bases without storing them. The exact
 * definition is docs/nola-prng.md; shaders/nola-combine.wgsl and shaders/nola-project.wgsl hold
 * the same function in WGSL (checked bit for bit in e2e/nola-kernels.spec.ts).
 *
 * All arithmetic is on unsigned 32-bit integers modulo 2^32 (Math.imul + >>> 0 here, u32 in WGSL).
 */

/** Chris Wellons' "lowbias32" integer hash: a bijection on 32-bit integers. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Key of one stream (one target and side) under a seed. */
export function nolaStreamKey(seed: number, stream: number): number {
  return mix32((mix32((seed ^ 0x6e6f6c61) >>> 0) ^ stream) >>> 0);
}

/** Key of one basis matrix (index `basis`) of a stream. */
export function nolaBasisKey(streamKey: number, basis: number): number {
  return mix32((streamKey ^ mix32((basis ^ 0x9e3779b9) >>> 0)) >>> 0);
}

/** The uniform 32-bit integer of element `element` of a basis matrix. */
export function nolaElementBits(basisKey: number, element: number): number {
  return mix32((basisKey ^ mix32(element >>> 0)) >>> 0);
}

/** uint32 for (seed, stream, basis, element): the whole definition in one call. */
export function nolaUint32(seed: number, stream: number, basis: number, element: number): number {
  return nolaElementBits(nolaBasisKey(nolaStreamKey(seed >>> 0, stream >>> 0), basis >>> 0), element);
}

/** uint32 → float in [−1, 1): the top 24 bits as a signed fixed-point number (exact in float32). */
export function nolaUnitFloat(bits: number): number {
  return ((bits >>> 8) - 8388608) / 8388608;
}

/**
 * Which stream a target's side uses. Targets are numbered by layer and role, or by role alone
 * when bases are shared across layers (the high bit marks shared streams).
 */
export const NOLA_ROLE_CODES = { q: 0, k: 1, v: 2, attn_out: 3, mlp_in: 4, mlp_out: 5 } as const;
export type NolaRole = keyof typeof NOLA_ROLE_CODES;

export function nolaTargetId(role: NolaRole, layer: number, shared: boolean): number {
  return shared ? (0x40000000 | NOLA_ROLE_CODES[role]) >>> 0 : layer * 8 + NOLA_ROLE_CODES[role];
}

/** Side 0 is A (m×r: basis 0 = the frozen A0, bases 1..k), side 1 is B (r×n: bases 1..l). */
export function nolaStream(targetId: number, side: 0 | 1): number {
  return ((targetId * 2) >>> 0) + side;
}

/**
 * Fills `out` (length = rows × size, row-major) with the unit floats of bases
 * `firstBasis … firstBasis + rows − 1` of one stream, elements 0 … size − 1. `elementMix` may
 * carry mix32(e) for e < size, precomputed once per size (it is the same for every basis).
 */
export function fillNolaBasis(out: Float32Array, seed: number, stream: number, firstBasis: number, rows: number, size: number, elementMix?: Uint32Array): void {
  const mixes = elementMix ?? nolaElementMixes(size);
  const streamKey = nolaStreamKey(seed >>> 0, stream >>> 0);
  for (let row = 0; row < rows; row++) {
    const key = nolaBasisKey(streamKey, firstBasis + row);
    const offset = row * size;
    for (let e = 0; e < size; e++) out[offset + e] = nolaUnitFloat(mix32((key ^ mixes[e]) >>> 0));
  }
}

/** mix32(e) for e = 0 … size − 1. */
export function nolaElementMixes(size: number): Uint32Array {
  const out = new Uint32Array(size);
  for (let e = 0; e < size; e++) out[e] = mix32(e);
  return out;
}
