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

/** float64 Φ(x) = ½·erfc(−x/√2): Taylor series of erf below 3, erfc's continued fraction above (≈1e-13 relative, also in the tail). */
function normalCdf64(x: number): number {
  const z = x / Math.SQRT2;
  const a = Math.abs(z);
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
    }
    return 0.5 * (1 + Math.sign(z) * (2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc(a) = exp(−a²)/√π / (a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), evaluated from the tail.
  let f = a;
  for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return z < 0 ? 0.5 * erfc : 1 - 0.5 * erfc;
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

  it('activations forward and backward (gelu_tanh, gelu_erf, relu, silu)', async () => {
    const shapes: Array<[number, number]> = [
      [5, 1],
      [3, 7],
      [130, 65],
      [17, 3072],
    ];
    for (const [n, m] of shapes) {
      for (const kind of ['gelu_tanh', 'gelu_erf', 'relu', 'silu'] as const) {
        const before = tf.memory().numTensors;
        // Spread over ±12 with the extremes present (tanh/exp overflow, erfc underflow).
        const x = tf.tidy(() => tf.concat([random([n * m - 2], 3), tf.tensor1d([-12, 12])]).slice(0, n * m).reshape([n, m])) as tf.Tensor2D;
        const dy = random([n, m]) as tf.Tensor2D;
        const tag = `${kind} ${n}x${m}`;
        const [ya, yb] = [wgsl.activationForward(x, kind), twin.activationForward(x, kind)];
        await check(`${tag} y`, ya, yb);
        const [ga, gb] = [wgsl.activationBackward(dy, x, kind), twin.activationBackward(dy, x, kind)];
        await check(`${tag} dx`, ga, gb);
        tf.dispose([x, dy, ya, yb, ga, gb]);
        expect(tf.memory().numTensors, tag).toBe(before);
      }
    }
  });

  it('gelu_erf against float64 erf (the WGSL erfc, not just the twin)', async () => {
    const values = Array.from({ length: 4001 }, (_, i) => -10 + i * 0.005);
    const x = tf.tensor2d(values, [1, values.length]);
    const y = wgsl.activationForward(x, 'gelu_erf');
    const got = await y.data();
    let worst = 0;
    let worstTail = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const exact = v * normalCdf64(v);
      worst = Math.max(worst, Math.abs(got[i] - exact) / Math.max(1, Math.abs(exact)));
      // Far negative tail: relative to the tiny value itself (x·Φ(x) ≥ 1e-30).
      if (v < -1 && Math.abs(exact) > 1e-30) worstTail = Math.max(worstTail, Math.abs(got[i] - exact) / Math.abs(exact));
    }
    errors['gelu_erf vs float64 (abs, |y|≤1 / rel)'] = worst;
    errors['gelu_erf vs float64 tail x<-1 (rel)'] = worstTail;
    expect(worst).toBeLessThanOrEqual(5e-7);
    expect(worstTail).toBeLessThanOrEqual(2e-5);
    tf.dispose([x, y]);
  });

  it('fused Adam / AdamW group update (clip as a tensor, weight decay both ways)', async () => {
    const shapes = [[1], [7], [65, 3], [768, 8], [3072]];
    const cases = [
      { kind: 'adam' as const, weightDecay: 0 },
      { kind: 'adam' as const, weightDecay: 0.01 },
      { kind: 'adamw' as const, weightDecay: 0.1 },
    ];
    for (const c of cases) {
      const before = tf.memory().numTensors;
      const params = shapes.map((sh) => random(sh));
      const grads = shapes.map((sh) => random(sh, 0.1));
      const m = shapes.map((sh) => random(sh, 0.01));
      const v = shapes.map((sh) => tf.tidy(() => tf.square(random(sh, 0.01))));
      const clip = tf.scalar(0.7);
      const settings = { kind: c.kind, lr: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: c.weightDecay, bias1: 1 - 0.9 ** 3, bias2: 1 - 0.999 ** 3 };
      const a = wgsl.adamUpdate({ params, grads, m, v }, clip, settings);
      const b = twin.adamUpdate({ params, grads, m, v }, clip, settings);
      for (let i = 0; i < shapes.length; i++) {
        const tag = `${c.kind} wd ${c.weightDecay} [${shapes[i].join('x')}]`;
        await check(`${tag} p`, a[i].p, b[i].p);
        await check(`${tag} m`, a[i].m, b[i].m);
        await check(`${tag} v`, a[i].v, b[i].v);
        // The update itself (p − p_old), not only p, to 1e-5: a wrong step hides under |p|.
        const [da, db] = [tf.sub(a[i].p, params[i]), tf.sub(b[i].p, params[i])];
        await check(`${tag} Δp`, da, db);
        tf.dispose([da, db]);
      }
      tf.dispose([...params, ...grads, ...m, ...v, clip, ...a.flatMap((o) => [o.p, o.m, o.v]), ...b.flatMap((o) => [o.p, o.m, o.v])]);
      expect(tf.memory().numTensors, c.kind).toBe(before);
    }
  });

  it('reports the measured errors', () => {
    const worst = Object.entries(errors).sort((p, q) => q[1] - p[1]).slice(0, 8);
    process.stdout.write(`blocks-kernels worst errors: ${worst.map(([k, v]) => `${k} ${v.toExponential(2)}`).join('; ')}\n`);
    expect(Object.keys(errors).length).toBeGreaterThan(0);
  });
});
