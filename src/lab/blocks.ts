import { tf } from '../engine/tf';
import { layerNorm, rmsNorm } from '../engine/blocks/norm';
import { activation, type HfActivation } from '../engine/blocks/activation';
import { attention } from '../engine/blocks/attention';
import { lmCrossEntropy } from '../engine/blocks/cross-entropy';
import { addLowRank } from '../engine/blocks/low-rank';
import { affine } from '../engine/blocks/linear';

/**
 * Each fused block against the plain tfjs composition it replaced (differentiated by tfjs's own
 * autodiff), on whatever backend the page runs: the browser e2e runs it on WebGPU, the vitest
 * suite (tests/engine/fused-blocks.test.ts) on wasm and cpu, with float64 finite differences
 * on top. Error = max |fused − composed| / max |composed|, over the value and every gradient.
 */

export interface BlockCase {
  name: string;
  inputs: () => tf.Tensor[];
  fused: (...t: tf.Tensor[]) => tf.Tensor;
  composed: (...t: tf.Tensor[]) => tf.Tensor;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** HF's ACT2FN formulas as plain ops. */
export function composedActivation(x: tf.Tensor, name: HfActivation): tf.Tensor {
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
    case 'gelu':
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    case 'relu':
      return tf.relu(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
  }
}

/** torch.nn.LayerNorm (beta given) or T5's RMSNorm (beta null) as plain ops. */
export function composedNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor | null, eps: number): tf.Tensor {
  const mean = beta ? tf.mean(x, -1, true) : tf.scalar(0);
  const centred = tf.sub(x, mean);
  const y = tf.mul(tf.div(centred, tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps))), gamma);
  return beta ? tf.add(y, beta) : y;
}

/** softmax(scale·q·kᵀ + bias)·v as plain ops. */
export function composedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number, bias: tf.Tensor | null): tf.Tensor {
  const scores = tf.mul(tf.matMul(q, k, false, true), scale);
  return tf.matMul(tf.softmax(bias ? tf.add(scores, bias) : scores), v);
}

/** Σ weights·NLL(targets | hidden·headᵀ) as plain ops. */
export function composedCrossEntropy(hidden: tf.Tensor, head: tf.Tensor, targets: tf.Tensor1D, weights: tf.Tensor): tf.Tensor {
  const logProbs = tf.logSoftmax(tf.matMul(hidden, head, false, true));
  return tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(logProbs, tf.oneHot(targets, head.shape[0]).toFloat()), -1), weights)));
}

function normal(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
}

/** Odd sizes on purpose: nothing divides a workgroup or a chunk evenly. */
export function blockCases(): BlockCase[] {
  const [B, H, T, S, D] = [2, 3, 13, 17, 8];
  const causal = () => tf.tensor4d(Array.from({ length: T * S }, (_, i) => (i % S > Math.floor(i / S) + 4 ? -1e9 : 0)), [1, 1, T, S]);
  const keyPadding = () => tf.tensor4d(Array.from({ length: B * S }, (_, i) => (i >= 2 * S - 3 ? -1e9 : 0)), [B, 1, 1, S]);
  const targets = tf.tensor1d(Array.from({ length: 37 }, (_, i) => (i * 11) % 53), 'int32');
  const cases: BlockCase[] = [
    {
      name: 'layer norm',
      inputs: () => [normal([37, 19], 1, 3), normal([19], 2), normal([19], 3)],
      fused: (x, g, b) => layerNorm(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5),
      composed: (x, g, b) => composedNorm(x, g, b, 1e-5),
    },
    {
      name: 'RMS norm',
      inputs: () => [normal([37, 19], 4, 3), normal([19], 5)],
      fused: (x, g) => rmsNorm(x, g as tf.Tensor1D, 1e-6),
      composed: (x, g) => composedNorm(x, g, null, 1e-6),
    },
    ...(['gelu_new', 'gelu', 'relu', 'silu'] as const).map((name, i) => ({
      name: `activation ${name}`,
      inputs: () => [normal([29, 23], 6 + i, 2)],
      fused: (x: tf.Tensor) => activation(x, name),
      composed: (x: tf.Tensor) => composedActivation(x, name),
    })),
    {
      name: 'attention, causal mask',
      inputs: () => [normal([B, H, T, D], 10), normal([B, H, S, D], 11), normal([B, H, S, D], 12)],
      fused: (q, k, v) => attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, { scale: 0.35, bias: causal(), biasNeedsGrad: false, dropoutRate: 0, dropoutSeed: null }),
      composed: (q, k, v) => composedAttention(q, k, v, 0.35, causal()),
    },
    {
      name: 'attention, key padding [B,1,1,S]',
      inputs: () => [normal([B, H, T, D], 13), normal([B, H, S, D], 14), normal([B, H, S, D], 15)],
      fused: (q, k, v) => attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, { scale: 1, bias: keyPadding(), biasNeedsGrad: false, dropoutRate: 0, dropoutSeed: null }),
      composed: (q, k, v) => composedAttention(q, k, v, 1, keyPadding()),
    },
    {
      name: 'attention, trainable position bias',
      inputs: () => [normal([B, H, T, D], 16), normal([B, H, S, D], 17), normal([B, H, S, D], 18), normal([1, H, T, S], 19)],
      fused: (q, k, v, b) => attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, { scale: 1, bias: b as tf.Tensor4D, biasNeedsGrad: true, dropoutRate: 0, dropoutSeed: null }),
      composed: (q, k, v, b) => composedAttention(q, k, v, 1, b),
    },
    {
      name: 'chunked cross-entropy',
      inputs: () => [normal([37, 9], 20), normal([53, 9], 21)],
      fused: (h, w) => lmCrossEntropy(h as tf.Tensor2D, w as tf.Tensor2D, targets, tf.fill([37], 1 / 37), 5),
      composed: (h, w) => composedCrossEntropy(h, w, targets, tf.fill([37], 1 / 37)),
    },
    {
      name: 'linear with bias',
      inputs: () => [normal([31, 12], 22), normal([12, 7], 23), normal([7], 24)],
      fused: (x, w, b) => affine(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
      composed: (x, w, b) => tf.add(tf.matMul(x, w), b),
    },
    {
      name: 'low-rank update on two thirds (LoRA q, v)',
      inputs: () => [normal([31, 15], 25), normal([31, 12], 26), normal([2, 12], 27), normal([5, 2], 28), normal([2, 12], 29), normal([5, 2], 30)],
      fused: (y, x, a1, b1, a2, b2) =>
        addLowRank(y as tf.Tensor2D, x as tf.Tensor2D, [{ a: a1 as tf.Tensor2D, b: b1 as tf.Tensor2D, offset: 0, size: 5 }, { a: a2 as tf.Tensor2D, b: b2 as tf.Tensor2D, offset: 10, size: 5 }], 4),
      composed: (y, x, a1, b1, a2, b2) => {
        const delta = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(tf.matMul(x, a, false, true), b, false, true);
        return tf.add(y, tf.mul(tf.concat([delta(a1, b1), tf.zeros([31, 5]), delta(a2, b2)], 1), 4));
      },
    },
  ];
  return cases;
}

export interface BlockParityResult {
  name: string;
  backend: string;
  /** Worst relative error over the value and every input's gradient. */
  error: number;
  leakedTensors: number;
}

async function relative(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [diff, scale] = tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))]);
  const [d, s] = await Promise.all([diff.data(), scale.data()]);
  tf.dispose([diff, scale]);
  return d[0] / Math.max(s[0], 1e-30);
}

async function parity(): Promise<BlockParityResult[]> {
  const results: BlockParityResult[] = [];
  for (const c of blockCases()) {
    const before = tf.memory().numTensors;
    const inputs = c.inputs();
    const r = tf.tidy(() => tf.randomNormal(c.fused(...inputs).shape, 0, 1, 'float32', 99));
    const run = (f: (...t: tf.Tensor[]) => tf.Tensor) => tf.valueAndGrads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), r)) as tf.Scalar)(inputs);
    const fused = run(c.fused);
    const composed = run(c.composed);
    const fusedValue = tf.tidy(() => c.fused(...inputs));
    const composedValue = tf.tidy(() => c.composed(...inputs));
    let error = await relative(fusedValue, composedValue);
    for (let i = 0; i < inputs.length; i++) error = Math.max(error, await relative(fused.grads[i], composed.grads[i]));
    tf.dispose([inputs, r, fused.value, fused.grads, composed.value, composed.grads, fusedValue, composedValue]);
    results.push({ name: c.name, backend: tf.getBackend(), error, leakedTensors: tf.memory().numTensors - before });
  }
  return results;
}

export const blocksLab = { parity };
