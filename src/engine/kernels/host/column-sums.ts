import type { tf } from '../../tf';
import { hostKernelConfigs, input } from './host-memory';

/**
 * PeftColumnSums (wasm and cpu): x [N, m] → [m], the sum over rows — a linear layer's bias
 * gradient. tfjs's wasm Sum over axis 0 took 43 ms for the 18 bias gradients of a tiny-gpt2
 * full fine-tuning step (8 × 128); this is one pass over memory, accumulated in float64.
 */

function columnSums(x: Float32Array, columns: number, out: Float32Array): void {
  const sums = new Float64Array(columns);
  for (let start = 0; start < x.length; start += columns) {
    for (let j = 0; j < columns; j++) sums[j] += x[start + j];
  }
  for (let j = 0; j < columns; j++) out[j] = sums[j];
}

export const columnSumKernelConfigs: tf.KernelConfig[] = hostKernelConfigs('PeftColumnSums', (inputs, _attrs, memory) => {
  const x = input(inputs, 'x', 'PeftColumnSums');
  if (x.shape.length !== 2) throw new Error(`PeftColumnSums: x must be 2-D, got [${x.shape}]`);
  const out = memory.alloc([x.shape[1]]);
  columnSums(memory.f32(x, 'x'), x.shape[1], memory.f32(out, 'out'));
  return out;
});
