import { tf } from '../../tf';

/** Per-row negative log-likelihood of `labels` under `logits` [N, C] (one-hot form: no gather gradient needed). */
export function nll(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const logProbs = tf.logSoftmax(logits, -1);
  return tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1]).toFloat()), -1));
}

/** One-hot over positions of each row's last real token, shifted past the prompt: [B, 1, P+T]. */
export function lastTokenSelector(attentionMask: tf.Tensor2D, prefix: number, total: number): tf.Tensor3D {
  const lastIndex = tf.add(tf.sub(tf.sum(attentionMask, 1), 1), prefix).toInt() as tf.Tensor1D;
  return tf.oneHot(lastIndex, total).toFloat().expandDims(1) as tf.Tensor3D;
}

/** Classification counts: summed loss and the number of argmax hits, for [N, C] logits. */
export function classificationCounts(logits: tf.Tensor2D, labels: tf.Tensor1D): { lossSum: tf.Scalar; correct: tf.Scalar } {
  return {
    lossSum: tf.sum(nll(logits, labels)) as tf.Scalar,
    correct: tf.sum(tf.equal(tf.argMax(logits, -1), labels).toFloat()) as tf.Scalar,
  };
}
