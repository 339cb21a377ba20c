import { tf } from '../tf';
import type { ActivationKind, BlockKernels } from './seam';

/**
 * The plain-tfjs implementation of every block kernel: ordinary tfjs ops, so it runs on every
 * backend and is the reference the backend kernels are tested against. Called only inside the
 * blocks' `tf.customGrad`, so none of these ops is recorded on the gradient tape.
 */

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function activationForward(x: tf.Tensor2D, kind: ActivationKind): tf.Tensor2D {
  return tf.tidy(() => {
    switch (kind) {
      case 'gelu_tanh': {
        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))));
        return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner))) as tf.Tensor2D;
      }
      case 'gelu_erf':
        return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))) as tf.Tensor2D;
      case 'relu':
        return tf.relu(x);
      case 'silu':
        return tf.mul(x, tf.sigmoid(x)) as tf.Tensor2D;
    }
  });
}

function activationBackward(dy: tf.Tensor2D, x: tf.Tensor2D, kind: ActivationKind): tf.Tensor2D {
  return tf.tidy(() => {
    switch (kind) {
      case 'gelu_tanh': {
        // d/dx 0.5·x·(1+t) = 0.5·(1+t) + 0.5·x·(1−t²)·√(2/π)·(1 + 3·0.044715·x²)
        const x2 = tf.mul(x, x);
        const t = tf.tanh(tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x2, x)))));
        const dInner = tf.mul(SQRT_2_OVER_PI, tf.add(1, tf.mul(3 * 0.044715, x2)));
        const grad = tf.add(tf.mul(0.5, tf.add(1, t)), tf.mul(tf.mul(0.5, x), tf.mul(tf.sub(1, tf.mul(t, t)), dInner)));
        return tf.mul(dy, grad) as tf.Tensor2D;
      }
      case 'gelu_erf': {
        // Φ(x) + x·φ(x)
        const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
        const pdf = tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.mul(x, x))));
        return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf))) as tf.Tensor2D;
      }
      case 'relu':
        return tf.mul(dy, tf.step(x)) as tf.Tensor2D;
      case 'silu': {
        const s = tf.sigmoid(x);
        return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s))))) as tf.Tensor2D;
      }
    }
  });
}

function shiftedScores(scores: tf.Tensor4D, bias: tf.Tensor4D | null, scale: number): tf.Tensor4D {
  const scaled = scale === 1 ? scores : (tf.mul(scores, scale) as tf.Tensor4D);
  return bias ? (tf.add(scaled, bias) as tf.Tensor4D) : scaled;
}

export const twinBlockKernels: BlockKernels = {
  normForward(x, gamma, beta, eps, rms) {
    return tf.tidy(() => {
      const d = x.shape[1];
      const mean = rms ? (tf.zeros([x.shape[0]]) as tf.Tensor1D) : (tf.mean(x, -1) as tf.Tensor1D);
      const centred = rms ? x : tf.sub(x, mean.reshape([-1, 1]));
      const variance = tf.div(tf.sum(tf.square(centred), -1), d);
      const rstd = tf.rsqrt(tf.add(variance, eps)) as tf.Tensor1D;
      let y = tf.mul(tf.mul(centred, rstd.reshape([-1, 1])), gamma);
      if (beta) y = tf.add(y, beta);
      return { y: y as tf.Tensor2D, mean, rstd };
    });
  },

  normBackward(dy, x, gamma, mean, rstd, rms) {
    const { dx, dGamma, dBeta } = tf.tidy(() => {
      const d = x.shape[1];
      const r = rstd.reshape([-1, 1]);
      const xHat = tf.mul(rms ? x : tf.sub(x, mean.reshape([-1, 1])), r);
      const dGamma = tf.sum(tf.mul(dy, xHat), 0) as tf.Tensor1D;
      const dBeta = rms ? null : (tf.sum(dy, 0) as tf.Tensor1D);
      const g = tf.mul(dy, gamma);
      // LayerNorm: dx = r·(g − mean(g) − x̂·mean(g·x̂)); RMSNorm: dx = r·(g − x̂·mean(g·x̂)).
      const projected = tf.mul(xHat, tf.div(tf.sum(tf.mul(g, xHat), -1, true), d));
      const centred = rms ? tf.sub(g, projected) : tf.sub(tf.sub(g, tf.div(tf.sum(g, -1, true), d)), projected);
      return { dx: tf.mul(centred, r) as tf.Tensor2D, dGamma, dBeta: dBeta ?? tf.zeros([0]) };
    });
    return { dx, dGamma, dBeta: rms ? (dBeta.dispose(), null) : (dBeta as tf.Tensor1D) };
  },

  activationForward,
  activationBackward,

  softmaxForward(scores, bias, scale) {
    return tf.tidy(() => {
      const z = shiftedScores(scores, bias, scale);
      const lse = tf.logSumExp(z, -1) as tf.Tensor3D;
      const probs = tf.exp(tf.sub(z, tf.expandDims(lse, -1))) as tf.Tensor4D;
      return { probs, lse };
    });
  },

  softmaxFromLse(scores, bias, scale, lse) {
    // At most 1, as a probability is (z − lse in float32 can overflow exp for huge scores).
    return tf.tidy(() => tf.minimum(tf.exp(tf.sub(shiftedScores(scores, bias, scale), tf.expandDims(lse, -1))), 1) as tf.Tensor4D);
  },

  softmaxBackward(probs, dProbs) {
    return tf.tidy(() => tf.mul(probs, tf.sub(dProbs, tf.sum(tf.mul(dProbs, probs), -1, true))) as tf.Tensor4D);
  },

  crossEntropyForward(logits, targets, weights) {
    return tf.tidy(() => {
      const lse = tf.logSumExp(logits, -1) as tf.Tensor1D;
      const picked = tf.sum(tf.mul(logits, tf.oneHot(targets, logits.shape[1]).toFloat()), -1);
      const lossSum = tf.sum(tf.mul(tf.sub(lse, picked), weights)) as tf.Scalar;
      return { lossSum, lse };
    });
  },

  crossEntropyBackward(logits, targets, weights, lse, dLoss) {
    return tf.tidy(() => {
      const probs = tf.exp(tf.sub(logits, lse.reshape([-1, 1])));
      const rowScale = tf.mul(weights, dLoss).reshape([-1, 1]);
      return tf.mul(tf.sub(probs, tf.oneHot(targets, logits.shape[1]).toFloat()), rowScale) as tf.Tensor2D;
    });
  },

  batchMatMul(a, b, transposeA, transposeB) {
    return tf.matMul(a, b, transposeA, transposeB);
  },

  columnSums(x) {
    return tf.sum(x, 0);
  },

  sumOfSquares(grads) {
    return tf.tidy(() => (grads.length === 0 ? tf.scalar(0) : (tf.addN(grads.map((g) => tf.sum(tf.square(g)))) as tf.Scalar)));
  },

  adamUpdate(group, clip, s) {
    return group.params.map((param, i) =>
      tf.tidy(() => {
        let g = tf.mul(group.grads[i], clip);
        let p: tf.Tensor = param;
        if (s.weightDecay > 0 && s.kind === 'adam') g = tf.add(g, tf.mul(p, s.weightDecay));
        if (s.weightDecay > 0 && s.kind === 'adamw') p = tf.sub(p, tf.mul(p, s.lr * s.weightDecay));
        const m = tf.add(tf.mul(group.m[i], s.beta1), tf.mul(g, 1 - s.beta1));
        const v = tf.add(tf.mul(group.v[i], s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
        const update = tf.div(tf.div(m, s.bias1), tf.add(tf.sqrt(tf.div(v, s.bias2)), s.epsilon));
        return { p: tf.sub(p, tf.mul(update, s.lr)), m, v };
      }),
    );
  },
};

