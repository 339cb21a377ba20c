import { tf } from '../tf';
import { fillNolaBasis, nolaElementMixes, nolaStreamKey } from './nola-prng';

/**
 * NOLA's one heavy operation: out[t, e] = initScale·f(0, e) + scale·Σ_{i=1..count} coef[t, i−1]·f(i, e)
 * for T coefficient rows t, where f(i, e) ∈ [−1, 1) is element e of basis matrix i of one PRNG
 * stream (kernels/nola-prng.ts). With T = 1 it builds one target's A (A0 + Σ α_i A_i, flattened)
 * or B (Σ β_j B_j); with T = layers it builds every layer's matrix from one shared basis set,
 * generating each basis value once for all of them.
 *
 * Gradient (coef only; the bases are frozen): ∂L/∂coef[t, i−1] = scale·Σ_e ∂L/∂out[t, e]·f(i, e).
 *
 * Two implementations of the same function:
 * - on webgpu, when shaders/nola-combine.wgsl and shaders/nola-project.wgsl are registered
 *   (kernels/nola-basis-webgpu.ts, from webgpu-kernels.ts): bases regenerated on the fly in the
 *   forward and again in the backward, never stored;
 * - everywhere else, the plain-tfjs twin: the basis is generated on the CPU once, kept as float32
 *   tensors [rows, size] in chunks of at most CHUNK_ELEMENTS, and the combination is a matMul.
 */

/** Kernel names registered for webgpu by nola-basis-webgpu.ts. */
export const NOLA_COMBINE_KERNEL = 'NolaCombine';
export const NOLA_PROJECT_KERNEL = 'NolaProject';
export const NOLA_BITS_KERNEL = 'NolaBits';

export interface NolaBasisSpec {
  seed: number;
  stream: number;
  /** Bases 1 … count combine (k for A, l for B). */
  count: number;
  /** Elements per basis matrix (m·r for A, r·n for B). */
  size: number;
  /** Multiplies the combination (1/√k resp. 1/√l). */
  scale: number;
  /** Multiplies basis 0 (A0's Kaiming bound); 0: no init term (B). */
  initScale: number;
}

/** Attributes the webgpu kernels receive (numbers only, as tfjs attrs). */
export interface NolaKernelAttrs {
  streamKey: number;
  count: number;
  size: number;
  scale: number;
  initScale: number;
}

export type NolaImplementation = 'auto' | 'kernel' | 'twin';

/** Float32 rounding of the scales, so that CPU, twin and kernel multiply by the same numbers. */
function f32(x: number): number {
  return Math.fround(x);
}

function kernelAttrs(spec: NolaBasisSpec): NolaKernelAttrs {
  return { streamKey: nolaStreamKey(spec.seed, spec.stream), count: spec.count, size: spec.size, scale: f32(spec.scale), initScale: f32(spec.initScale) };
}

export function nolaKernelRegistered(): boolean {
  return tf.getBackend() === 'webgpu' && !!tf.getKernel(NOLA_COMBINE_KERNEL, 'webgpu') && !!tf.getKernel(NOLA_PROJECT_KERNEL, 'webgpu');
}

/** Largest twin chunk, in elements (16 MiB of float32): bounds both host and tensor memory per piece. */
export const CHUNK_ELEMENTS = 1 << 22;

/** The twin's materialised basis of one stream: the init row and the bases in row chunks. */
export class MaterialisedBasis {
  readonly chunks: tf.Tensor2D[] = [];
  readonly init: tf.Tensor1D | null;
  readonly bytes: number;

  constructor(readonly spec: NolaBasisSpec, elementMix?: Uint32Array) {
    const mixes = elementMix ?? nolaElementMixes(spec.size);
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / spec.size));
    for (let first = 1; first <= spec.count; first += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, spec.count + 1 - first);
      const data = new Float32Array(rows * spec.size);
      fillNolaBasis(data, spec.seed, spec.stream, first, rows, spec.size, mixes);
      this.chunks.push(tf.keep(tf.tensor2d(data, [rows, spec.size])));
    }
    if (spec.initScale !== 0) {
      const row = new Float32Array(spec.size);
      fillNolaBasis(row, spec.seed, spec.stream, 0, 1, spec.size, mixes);
      const scale = f32(spec.initScale);
      for (let e = 0; e < row.length; e++) row[e] = scale * row[e]; // rounded to float32 on store, as the GPU's product
      this.init = tf.keep(tf.tensor1d(row));
    } else {
      this.init = null;
    }
    this.bytes = 4 * (spec.count + (this.init ? 1 : 0)) * spec.size;
  }

  dispose(): void {
    for (const c of this.chunks) c.dispose();
    this.init?.dispose();
  }
}

/** Host-side cache of materialised bases, by stream and shape; one owner disposes it. */
export class NolaBasisCache {
  private readonly bases = new Map<string, MaterialisedBasis>();
  private readonly mixes = new Map<number, Uint32Array>();

  get(spec: NolaBasisSpec): MaterialisedBasis {
    const key = `${spec.seed}:${spec.stream}:${spec.count}:${spec.size}:${spec.scale}:${spec.initScale}`;
    let basis = this.bases.get(key);
    if (!basis) {
      let mix = this.mixes.get(spec.size);
      if (!mix) this.mixes.set(spec.size, (mix = nolaElementMixes(spec.size)));
      // Its tensors are tf.keep()'d: safe to build inside a caller's tidy (the forward pass).
      basis = new MaterialisedBasis(spec, mix);
      this.bases.set(key, basis);
    }
    return basis;
  }

  /** Bytes held by materialised bases (0 when the kernel path is used). */
  get bytes(): number {
    let total = 0;
    for (const b of this.bases.values()) total += b.bytes;
    return total;
  }

  dispose(): void {
    for (const b of this.bases.values()) b.dispose();
    this.bases.clear();
  }
}

type CombineFn = (coef: tf.Tensor2D) => tf.Tensor2D;

function twinCombine(basis: MaterialisedBasis): CombineFn {
  const scale = f32(basis.spec.scale);
  return tf.customGrad(((coef: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([coef]);
    const [rows] = coef.shape;
    let sum: tf.Tensor2D | null = null;
    let first = 0;
    for (const chunk of basis.chunks) {
      const part: tf.Tensor2D = tf.matMul(tf.slice(coef, [0, first], [rows, chunk.shape[0]]) as tf.Tensor2D, chunk);
      sum = sum === null ? part : (tf.add(sum, part) as tf.Tensor2D);
      first += chunk.shape[0];
    }
    let value = tf.mul(sum ?? tf.zeros([rows, basis.spec.size]), scale) as tf.Tensor2D;
    if (basis.init) value = tf.add(value, basis.init) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        // dcoef = scale · dy · basisᵀ, as plain products (basis · dyᵀ)ᵀ: wasm is slow on transposed matMul.
        const dyT = tf.transpose(dy);
        const parts = basis.chunks.map((chunk) => tf.matMul(chunk, dyT as tf.Tensor2D));
        const stacked = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
        return tf.mul(tf.transpose(stacked), scale);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as CombineFn;
}

function kernelCombine(spec: NolaBasisSpec): CombineFn {
  const attrs = kernelAttrs(spec);
  return tf.customGrad(((coef: tf.Tensor2D) => ({
    value: tf.engine().runKernel(NOLA_COMBINE_KERNEL, { coef }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(NOLA_PROJECT_KERNEL, { dOut: dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D,
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as CombineFn;
}

/**
 * coef [T, count] → [T, size] (see the top of this file). `cache` holds the twin's bases; it is
 * not touched on the kernel path. `implementation` forces one path (lab and benchmarks).
 */
export function nolaCombine(coef: tf.Tensor2D, spec: NolaBasisSpec, cache: NolaBasisCache, implementation: NolaImplementation = 'auto'): tf.Tensor2D {
  if (coef.shape[1] !== spec.count) throw new Error(`nolaCombine: coefficients have ${coef.shape[1]} columns, the basis has ${spec.count}`);
  const useKernel = implementation === 'kernel' || (implementation === 'auto' && nolaKernelRegistered());
  if (useKernel) {
    if (!nolaKernelRegistered()) throw new Error('the NOLA WGSL kernels are not registered (webgpu backend only)');
    return kernelCombine(spec)(coef);
  }
  return twinCombine(cache.get(spec))(coef);
}

/** Raw uint32s of one stream (as int32 bit patterns) from the WGSL PRNG: bases × elements, for parity checks. */
export function nolaKernelBits(seed: number, stream: number, firstBasis: number, rows: number, size: number): tf.Tensor2D {
  if (!tf.getKernel(NOLA_BITS_KERNEL, 'webgpu') || tf.getBackend() !== 'webgpu') throw new Error('the NOLA WGSL kernels are not registered (webgpu backend only)');
  return tf.engine().runKernel(NOLA_BITS_KERNEL, {}, { streamKey: nolaStreamKey(seed, stream), firstBasis, rows, size } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
