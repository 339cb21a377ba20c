import type { tf } from '../../tf';
import { fastExp } from './fast-math';
import { hostKernelConfigs, input, numberAttr, type HostMemory } from './host-memory';

/**
 * Attention's row softmax, on the host (wasm and cpu), one kernel per call. z = scale·scores +
 * bias, rows over the last axis; bias (optional) is [B|1, H|1, T|1, S] and broadcasts over
 * batch, heads and queries (masks are −1e9 entries in it; a key-padding mask is [B, 1, 1, S]).
 *
 * PeftSoftmaxForward   inputs: scores [B, H, T, S], bias?;      attrs: scale
 *                      outputs: probs [B, H, T, S], lse [B, H, T]
 * PeftSoftmaxFromLse   inputs: scores, bias?, lse [B, H, T];    attrs: scale
 *                      output: probs = min(1, exp(z − lse))
 * PeftSoftmaxBackward  inputs: probs, dProbs [B, H, T, S]
 *                      output: dz = P ⊙ (dP − rowsum(dP ⊙ P))   (before the scale)
 *
 * What attention keeps for backward is lse (one float a row), not the probabilities: backward
 * recomputes them with PeftSoftmaxFromLse. Row sums accumulate in float64.
 */

interface Rows {
  batch: number;
  heads: number;
  queries: number;
  keys: number;
  /** Element offset of each score row's bias row (the bias broadcasts over batch/heads); null without bias. */
  biasOffsets: Int32Array | null;
}

function rowsOf(scores: tf.TensorInfo, bias: tf.TensorInfo | undefined, kernel: string): Rows {
  if (scores.shape.length !== 4) throw new Error(`${kernel}: scores must be [B, H, T, S], got [${scores.shape}]`);
  const [batch, heads, queries, keys] = scores.shape;
  if (!bias) return { batch, heads, queries, keys, biasOffsets: null };
  const [bb, bh, bt, bs] = bias.shape;
  if (bias.shape.length !== 4 || (bb !== 1 && bb !== batch) || (bh !== 1 && bh !== heads) || (bt !== 1 && bt !== queries) || bs !== keys) {
    throw new Error(`${kernel}: bias [${bias.shape}] must be [${batch}|1, ${heads}|1, ${queries}|1, ${keys}] for scores [${scores.shape}]`);
  }
  const biasOffsets = new Int32Array(batch * heads * queries);
  for (let b = 0, row = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const biasRow = ((bb === 1 ? 0 : b) * bh + (bh === 1 ? 0 : h)) * bt;
      for (let t = 0; t < queries; t++, row++) biasOffsets[row] = (biasRow + (bt === 1 ? 0 : t)) * keys;
    }
  }
  return { batch, heads, queries, keys, biasOffsets };
}

// The element loops, apart from the plumbing (see host-memory.ts).

function softmaxRows(scores: Float32Array, bias: Float32Array | null, biasOffsets: Int32Array | null, scale: number, probs: Float32Array, lse: Float32Array, keys: number): void {
  for (let row = 0, rowCount = lse.length; row < rowCount; row++) {
    const offset = row * keys;
    const end = offset + keys;
    // z (rounded to float32, as the twin's ops) and its max in one pass, then exp and sum.
    let max = -Infinity;
    if (bias && biasOffsets) {
      for (let i = offset, k = biasOffsets[row]; i < end; i++, k++) {
        const z = Math.fround(scale * scores[i] + bias[k]);
        probs[i] = z;
        if (z > max) max = z;
      }
    } else {
      for (let i = offset; i < end; i++) {
        const z = Math.fround(scale * scores[i]);
        probs[i] = z;
        if (z > max) max = z;
      }
    }
    let sum = 0;
    for (let i = offset; i < end; i++) {
      const e = fastExp(probs[i] - max);
      probs[i] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let i = offset; i < end; i++) probs[i] *= inv;
    lse[row] = max + Math.log(sum);
  }
}

function softmaxFromLseRows(scores: Float32Array, bias: Float32Array | null, biasOffsets: Int32Array | null, scale: number, lse: Float32Array, probs: Float32Array, keys: number): void {
  for (let row = 0, rowCount = lse.length; row < rowCount; row++) {
    const offset = row * keys;
    const end = offset + keys;
    const rowLse = lse[row];
    // Math.fround: z rounded to float32 as in the forward, so both give the same probabilities.
    // At most 1, as a probability is: with huge scores (a diverging run) z − lse in float32 can
    // be off by more than z's rounding, and exp of that would overflow to ∞ and then NaN.
    if (bias && biasOffsets) {
      for (let i = offset, k = biasOffsets[row]; i < end; i++, k++) probs[i] = Math.min(1, fastExp(Math.fround(scale * scores[i] + bias[k]) - rowLse));
    } else {
      for (let i = offset; i < end; i++) probs[i] = Math.min(1, fastExp(Math.fround(scale * scores[i]) - rowLse));
    }
  }
}

function softmaxBackwardRows(p: Float32Array, dp: Float32Array, out: Float32Array, keys: number): void {
  for (let offset = 0, size = keys > 0 ? p.length : 0; offset < size; offset += keys) {
    const end = offset + keys;
    // Two accumulators: one running sum is bound by the add latency.
    let dotA = 0;
    let dotB = 0;
    let i = offset;
    for (; i + 1 < end; i += 2) {
      dotA += dp[i] * p[i];
      dotB += dp[i + 1] * p[i + 1];
    }
    if (i < end) dotA += dp[i] * p[i];
    const dot = dotA + dotB;
    for (let k = offset; k < end; k++) out[k] = p[k] * (dp[k] - dot);
  }
}

function softmaxForward(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo[] {
  const kernel = 'PeftSoftmaxForward';
  const scoresInfo = input(inputs, 'scores', kernel);
  const biasInfo = inputs.bias;
  const scale = numberAttr(attrs, 'scale', kernel);
  const { batch, heads, queries, keys, biasOffsets } = rowsOf(scoresInfo, biasInfo, kernel);
  const probsInfo = memory.alloc(scoresInfo.shape);
  const lseInfo = memory.alloc([batch, heads, queries]);
  const scores = memory.f32(scoresInfo, 'scores');
  const bias = biasInfo ? memory.f32(biasInfo, 'bias') : null;
  const probs = memory.f32(probsInfo, 'probs');
  const lse = memory.f32(lseInfo, 'lse');
  softmaxRows(scores, bias, biasOffsets, scale, probs, lse, keys);
  return [probsInfo, lseInfo];
}

function softmaxFromLse(inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo {
  const kernel = 'PeftSoftmaxFromLse';
  const scoresInfo = input(inputs, 'scores', kernel);
  const biasInfo = inputs.bias;
  const lseInfo = input(inputs, 'lse', kernel);
  const scale = numberAttr(attrs, 'scale', kernel);
  const { batch, heads, queries, keys, biasOffsets } = rowsOf(scoresInfo, biasInfo, kernel);
  if (lseInfo.shape.length !== 3 || lseInfo.shape[0] !== batch || lseInfo.shape[1] !== heads || lseInfo.shape[2] !== queries) {
    throw new Error(`${kernel}: lse [${lseInfo.shape}] must be [${batch}, ${heads}, ${queries}]`);
  }
  const probsInfo = memory.alloc(scoresInfo.shape);
  const scores = memory.f32(scoresInfo, 'scores');
  const bias = biasInfo ? memory.f32(biasInfo, 'bias') : null;
  const lse = memory.f32(lseInfo, 'lse');
  const probs = memory.f32(probsInfo, 'probs');
  softmaxFromLseRows(scores, bias, biasOffsets, scale, lse, probs, keys);
  return probsInfo;
}

function softmaxBackward(inputs: tf.NamedTensorInfoMap, _attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo {
  const kernel = 'PeftSoftmaxBackward';
  const probsInfo = input(inputs, 'probs', kernel);
  const dProbsInfo = input(inputs, 'dProbs', kernel);
  const shape = probsInfo.shape;
  if (shape.length === 0 || dProbsInfo.shape.length !== shape.length || dProbsInfo.shape.some((dim, i) => dim !== shape[i])) {
    throw new Error(`${kernel}: probs [${shape}] and dProbs [${dProbsInfo.shape}] must have the same shape`);
  }
  const outInfo = memory.alloc(shape);
  const p = memory.f32(probsInfo, 'probs');
  const dp = memory.f32(dProbsInfo, 'dProbs');
  const out = memory.f32(outInfo, 'dScores');
  softmaxBackwardRows(p, dp, out, shape[shape.length - 1]);
  return outInfo;
}

export const softmaxKernelConfigs: tf.KernelConfig[] = [
  ...hostKernelConfigs('PeftSoftmaxForward', softmaxForward),
  ...hostKernelConfigs('PeftSoftmaxFromLse', softmaxFromLse),
  ...hostKernelConfigs('PeftSoftmaxBackward', softmaxBackward),
];
