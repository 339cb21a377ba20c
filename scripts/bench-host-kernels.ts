/**
 * ms per call of the plain-tfjs twin vs the host block kernels (src/engine/kernels/host) on the
 * current Node backend (wasm by default; `--cpu` for the cpu backend), fwd+bwd per row.
 * Usage: npx tsx scripts/bench-host-kernels.ts [--cpu]
 */
import { tf } from '../src/engine/tf';
import { initNodeBackend } from '../src/cli/node-env';
import { twinKernels } from '../src/engine/blocks/seam';
import { hostBlockKernels, type HostBlockKernels } from '../src/engine/blocks/host-kernels';

function random(shape: number[], lo = -1, hi = 1): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', 7);
}

/** ms per call of one round (at least `roundMs` and 3 calls). */
function roundMsPerCall(body: () => void, roundMs: number): number {
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < roundMs || calls < 3) {
    body();
    calls++;
  }
  return (performance.now() - start) / calls;
}

/**
 * Best of 9 rounds each, twin and host rounds interleaved so that both see the same load (the
 * machine may be shared: the minimum is the signal).
 */
function compare(twin: () => void, host: () => void, roundMs = 120): { twinMs: number; hostMs: number } {
  for (let i = 0; i < 3; i++) {
    twin();
    host();
  }
  let twinMs = Infinity;
  let hostMs = Infinity;
  for (let round = 0; round < 9; round++) {
    twinMs = Math.min(twinMs, roundMsPerCall(twin, roundMs));
    hostMs = Math.min(hostMs, roundMsPerCall(host, roundMs));
  }
  return { twinMs, hostMs };
}

async function main(): Promise<void> {
  await initNodeBackend();
  if (process.argv.includes('--cpu')) await tf.setBackend('cpu');
  const cases: Array<{ name: string; run: (k: HostBlockKernels) => void }> = [];

  {
    const [n, d] = [1024, 128];
    const x = random([n, d], -2, 3) as tf.Tensor2D;
    const dy = random([n, d]) as tf.Tensor2D;
    const gamma = random([d], 0.5, 1.5) as tf.Tensor1D;
    const beta = random([d]) as tf.Tensor1D;
    cases.push({
      name: `layernorm fwd+bwd [${n},${d}]`,
      run: (k) => {
        const f = k.normForward(x, gamma, beta, 1e-5, false);
        const b = k.normBackward(dy, x, gamma, f.mean, f.rstd, false);
        tf.dispose([f.y, f.mean, f.rstd, b.dx, b.dGamma, b.dBeta as tf.Tensor]);
      },
    });
  }
  {
    const [n, m] = [1024, 512];
    const x = random([n, m], -4, 4) as tf.Tensor2D;
    const dy = random([n, m]) as tf.Tensor2D;
    for (const kind of ['gelu_tanh', 'gelu_erf'] as const) {
      cases.push({
        name: `${kind} fwd+bwd [${n},${m}]`,
        run: (k) => tf.dispose([k.activationForward(x, kind), k.activationBackward(dy, x, kind)]),
      });
    }
  }
  {
    const shape = [8, 4, 128, 128];
    const scores = random(shape, -3, 3) as tf.Tensor4D;
    const dProbs = random(shape) as tf.Tensor4D;
    const bias = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([128, 128]), -1, 0)), -1e9).reshape([1, 1, 128, 128])) as tf.Tensor4D;
    cases.push({
      name: 'softmax fwd+bwd [8,4,128,128], causal bias [1,1,128,128]',
      run: (k) => {
        const f = k.softmaxForward(scores, bias, 0.125);
        const d = k.softmaxBackward(f.probs, dProbs);
        tf.dispose([f.probs, f.lse, d]);
      },
    });
    const { lse } = twinKernels().softmaxForward(scores, bias, 0.125);
    cases.push({
      name: 'softmax fromLse [8,4,128,128] (recompute in backward)',
      run: (k) => k.softmaxFromLse(scores, bias, 0.125, lse).dispose(),
    });
  }
  {
    const [n, V] = [1024, 2048];
    const logits = random([n, V], -5, 5) as tf.Tensor2D;
    const targets = tf.randomUniform([n], 0, V, 'int32', 3) as tf.Tensor1D;
    const weights = tf.ones([n]) as tf.Tensor1D;
    const dLoss = tf.scalar(1 / n);
    cases.push({
      name: `cross-entropy fwd+bwd [${n},${V}]`,
      run: (k) => {
        const f = k.crossEntropyForward(logits, targets, weights);
        const b = k.crossEntropyBackward(logits, targets, weights, f.lse, dLoss);
        tf.dispose([f.lossSum, f.lse, b]);
      },
    });
  }
  {
    const shapes = [[1024, 512], [512, 512], [12800]];
    const params = shapes.map((s) => random(s));
    const grads = shapes.map((s) => random(s));
    const m = shapes.map((s) => random(s, -0.01, 0.01));
    const v = shapes.map((s) => random(s, 0, 0.01));
    const clip = tf.scalar(0.8);
    const total = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
    const settings = { kind: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, bias1: 0.1, bias2: 0.001 } as const;
    cases.push({
      name: `adamw, ${(total / 1000).toFixed(0)}k params in 3 tensors`,
      run: (k) => tf.dispose(k.adamUpdate({ params, grads, m, v }, clip, settings).flatMap((o) => [o.p, o.m, o.v])),
    });
    cases.push({
      name: `sumOfSquares, ${(total / 1000).toFixed(0)}k params in 3 tensors`,
      run: (k) => k.sumOfSquares(grads).dispose(),
    });
  }

  {
    // LoRA-like: many small tensors in one group (12 layers × 4 matrices of 768×8 and 8×768).
    const shapes = Array.from({ length: 96 }, (_, i) => (i % 2 === 0 ? [768, 8] : [8, 768]));
    const params = shapes.map((s) => random(s));
    const grads = shapes.map((s) => random(s));
    const m = shapes.map((s) => random(s, -0.01, 0.01));
    const v = shapes.map((s) => random(s, 0, 0.01));
    const clip = tf.scalar(0.8);
    const settings = { kind: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, bias1: 0.1, bias2: 0.001 } as const;
    cases.push({
      name: `adamw, ${((shapes.length * 768 * 8) / 1000).toFixed(0)}k params in ${shapes.length} tensors (LoRA-like)`,
      run: (k) => tf.dispose(k.adamUpdate({ params, grads, m, v }, clip, settings).flatMap((o) => [o.p, o.m, o.v])),
    });
  }

  console.log(`backend ${tf.getBackend()}`);
  console.log('| case | twin ms | host ms | speed-up |');
  console.log('|---|---:|---:|---:|');
  for (const { name, run } of cases) {
    const { twinMs, hostMs } = compare(
      () => run(twinKernels()),
      () => run(hostBlockKernels),
    );
    console.log(`| ${name} | ${twinMs.toFixed(2)} | ${hostMs.toFixed(2)} | ${(twinMs / hostMs).toFixed(1)}× |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
