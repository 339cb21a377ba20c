import type { tf } from '../../tf';
import { fastExp } from './fast-math';
import { hostKernelConfigs, input, type HostMemory } from './host-memory';

/**
 * Vocabulary cross-entropy of one chunk of rows, on the host (wasm and cpu), one kernel per call.
 *
 * PeftCrossEntropyForward   inputs: logits [n, V], targets [n] int32, weights [n]
 *                           outputs: lossSum [] = Σ w·(lse − logit[target]), lse [n]
 * PeftCrossEntropyBackward  inputs: logits, targets, weights, lse [n], dLoss []
 *                           output: dLogits [n, V] = dLoss·w·(exp(logit − lse) − onehot(target))
 *
 * Kept for backward: lse only (one float a row), never the [n, V] probabilities. A target
 * outside [0, V) picks nothing (as tf.oneHot does), so such rows count as lse·w; rows of weight 0
 * (padding) skip the exponentials in backward. The forward's log-sum-exp is one online pass;
 * sums accumulate in float64.
 */

interface Chunk {
  rows: number;
  vocab: number;
}

function chunkOf(logits: tf.TensorInfo, targets: tf.TensorInfo, weights: tf.TensorInfo, kernel: string): Chunk {
  const [rows, vocab] = logits.shape;
  if (logits.shape.length !== 2 || targets.shape.length !== 1 || targets.shape[0] !== rows || weights.shape.length !== 1 || weights.shape[0] !== rows) {
    throw new Error(`${kernel}: logits must be [n, V] with targets and weights [n], got [${logits.shape}], [${targets.shape}], [${weights.shape}]`);
  }
  return { rows, vocab };
}

// The element loops, apart from the plumbing (see host-memory.ts).

/** Writes each row's lse and returns Σ w·(lse − logit[target]). */
function crossEntropyRows(logits: Float32Array, targets: Int32Array, weights: Float32Array, lse: Float32Array, vocab: number): number {
  let lossSum = 0;
  for (let row = 0, offset = 0, rows = lse.length; row < rows; row++, offset += vocab) {
    const end = offset + vocab;
    // Online log-sum-exp: one pass; the running sum is rescaled when the max grows (rarely:
    // O(log V) times a row for unordered logits).
    let max = -Infinity;
    let sum = 0;
    for (let i = offset; i < end; i++) {
      const l = logits[i];
      if (l > max) {
        sum = sum * fastExp(max - l) + 1;
        max = l;
      } else {
        sum += fastExp(l - max);
      }
    }
    const rowLse = max + Math.log(sum);
    lse[row] = rowLse;
    const target = targets[row];
    const picked = target >= 0 && target < vocab ? logits[offset + target] : 0;
    lossSum += weights[row] * (rowLse - picked);
  }
  return lossSum;
}

function crossEntropyBackwardRows(logits: Float32Array, targets: Int32Array, weights: Float32Array, lse: Float32Array, dLoss: number, out: Float32Array, vocab: number): void {
  for (let row = 0, offset = 0, rows = lse.length; row < rows; row++, offset += vocab) {
    const end = offset + vocab;
    const rowScale = Math.fround(weights[row] * dLoss);
    if (rowScale === 0) {
      out.fill(0, offset, end);
      continue;
    }
    const rowLse = lse[row];
    for (let i = offset; i < end; i++) out[i] = fastExp(logits[i] - rowLse) * rowScale;
    const target = targets[row];
    if (target >= 0 && target < vocab) out[offset + target] = (fastExp(logits[offset + target] - rowLse) - 1) * rowScale;
  }
}

function crossEntropyForward(inputs: tf.NamedTensorInfoMap, _attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo[] {
  const kernel = 'PeftCrossEntropyForward';
  const logitsInfo = input(inputs, 'logits', kernel);
  const targetsInfo = input(inputs, 'targets', kernel);
  const weightsInfo = input(inputs, 'weights', kernel);
  const { rows, vocab } = chunkOf(logitsInfo, targetsInfo, weightsInfo, kernel);
  const lossInfo = memory.alloc([]);
  const lseInfo = memory.alloc([rows]);
  const logits = memory.f32(logitsInfo, 'logits');
  const targets = memory.i32(targetsInfo, 'targets');
  const weights = memory.f32(weightsInfo, 'weights');
  const lse = memory.f32(lseInfo, 'lse');
  const lossSum = crossEntropyRows(logits, targets, weights, lse, vocab);
  memory.f32(lossInfo, 'lossSum')[0] = lossSum;
  return [lossInfo, lseInfo];
}

function crossEntropyBackward(inputs: tf.NamedTensorInfoMap, _attrs: tf.NamedAttrMap, memory: HostMemory): tf.TensorInfo {
  const kernel = 'PeftCrossEntropyBackward';
  const logitsInfo = input(inputs, 'logits', kernel);
  const targetsInfo = input(inputs, 'targets', kernel);
  const weightsInfo = input(inputs, 'weights', kernel);
  const lseInfo = input(inputs, 'lse', kernel);
  const dLossInfo = input(inputs, 'dLoss', kernel);
  const { rows, vocab } = chunkOf(logitsInfo, targetsInfo, weightsInfo, kernel);
  if (lseInfo.shape.length !== 1 || lseInfo.shape[0] !== rows) throw new Error(`${kernel}: lse [${lseInfo.shape}] must be [${rows}]`);
  const outInfo = memory.alloc([rows, vocab]);
  const logits = memory.f32(logitsInfo, 'logits');
  const targets = memory.i32(targetsInfo, 'targets');
  const weights = memory.f32(weightsInfo, 'weights');
  const lse = memory.f32(lseInfo, 'lse');
  const dLoss = memory.f32(dLossInfo, 'dLoss')[0];
  const out = memory.f32(outInfo, 'dLogits');
  crossEntropyBackwardRows(logits, targets, weights, lse, dLoss, out, vocab);
  return outInfo;
}

export const crossEntropyKernelConfigs: tf.KernelConfig[] = [
  ...hostKernelConfigs('PeftCrossEntropyForward', crossEntropyForward),
  ...hostKernelConfigs('PeftCrossEntropyBackward', crossEntropyBackward),
];
