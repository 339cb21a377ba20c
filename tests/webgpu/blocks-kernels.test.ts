import { describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { twinKernels, type BlockKernels } from '../../src/engine/blocks/seam';
import { webgpuBlockKernels } from '../../src/engine/kernels/blocks-webgpu';
import { gpuTitle, startNodeWebgpu } from './node-webgpu';

/**
 * The lean blocks' WGSL kernels (src/engine/kernels/blocks-webgpu/, shaders/blocks-*.wgsl) against
 * the plain-tfjs twin on the same WebGPU backend (Dawn in Node): every output at ≤ 1e-5
 * normwise relative error, max|a − b| / max|b|, at odd sizes (rows not a multiple of the
 * workgroup, d from 1 to 3072).
 */
const gpu = await startNodeWebgpu();
const wgsl = webgpuBlockKernels as BlockKernels;
const twin = twinKernels();
const TOL = 1e-5;

let seed = 1;
function random(shape: number[], scale = 1): tf.Tensor {
  const s = seed++;
  return tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', s), scale));
}

async function relError(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [await a.data(), await b.data()];
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    ref = Math.max(ref, Math.abs(y[i]));
  }
  if (!Number.isFinite(diff)) return Infinity;
  return ref === 0 ? diff : diff / ref;
}

const errors: Record<string, number> = {};
async function check(name: string, a: tf.Tensor | null, b: tf.Tensor | null): Promise<void> {
  if (a === null || b === null) {
    expect(a, name).toBe(b);
    return;
  }
  const e = await relError(a, b);
  errors[name] = Math.max(errors[name] ?? 0, e);
  expect(e, name).toBeLessThanOrEqual(TOL);
}

describe.skipIf(gpu.skip !== null)(gpuTitle('lean-block WGSL kernels vs the twin on WebGPU (Dawn)', gpu), () => {
  it('LayerNorm / RMSNorm forward and backward', async () => {
    const shapes: Array<[number, number]> = [
      [5, 1],
      [3, 7],
      [130, 65],
      [2, 128],
      [33, 768],
      [9, 3072],
    ];
    for (const [n, d] of shapes) {
      for (const rms of [false, true]) {
        const before = tf.memory().numTensors;
        const x = tf.tidy(() => tf.add(random([n, d], 2), 0.5)) as tf.Tensor2D;
        const gamma = tf.tidy(() => tf.add(random([d], 0.3), 1)) as tf.Tensor1D;
        const beta = rms ? null : (random([d], 0.2) as tf.Tensor1D);
        const dy = random([n, d]) as tf.Tensor2D;
        const a = wgsl.normForward(x, gamma, beta, 1e-5, rms);
        const b = twin.normForward(x, gamma, beta, 1e-5, rms);
        const tag = `norm${rms ? '-rms' : ''} ${n}x${d}`;
        await check(`${tag} y`, a.y, b.y);
        await check(`${tag} mean`, a.mean, b.mean);
        await check(`${tag} rstd`, a.rstd, b.rstd);
        const ga = wgsl.normBackward(dy, x, gamma, b.mean, b.rstd, rms);
        const gb = twin.normBackward(dy, x, gamma, b.mean, b.rstd, rms);
        await check(`${tag} dx`, ga.dx, gb.dx);
        await check(`${tag} dgamma`, ga.dGamma, gb.dGamma);
        await check(`${tag} dbeta`, ga.dBeta, gb.dBeta);
        tf.dispose([x, gamma, beta, dy, a.y, a.mean, a.rstd, b.y, b.mean, b.rstd, ga.dx, ga.dGamma, ga.dBeta, gb.dx, gb.dGamma, gb.dBeta].filter((t) => t !== null) as tf.Tensor[]);
        expect(tf.memory().numTensors, tag).toBe(before);
      }
    }
  });

  it('reports the measured errors', () => {
    const worst = Object.entries(errors).sort((p, q) => q[1] - p[1]).slice(0, 8);
    process.stdout.write(`blocks-kernels worst errors: ${worst.map(([k, v]) => `${k} ${v.toExponential(2)}`).join('; ')}\n`);
    expect(Object.keys(errors).length).toBeGreaterThan(0);
  });
});
