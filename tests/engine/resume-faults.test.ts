import { describe, it, expect } from 'vitest';
import { classifyFault, TrainingFault } from '../../src/engine/experiment/faults';

/** The classifier sees errors as tfjs, WebGPU and the browser throw them. */
describe('classifyFault', () => {
  it('out of memory: WebGPU GPUOutOfMemoryError, tfjs and wasm allocation failures', () => {
    const gpuOom = Object.assign(new Error('Not enough memory left.'), { name: 'GPUOutOfMemoryError' });
    expect(classifyFault(gpuOom)).toBe('oom');
    expect(classifyFault(new Error('Out of memory: could not create buffer of 268435456 bytes'))).toBe('oom');
    expect(classifyFault(new RangeError('Array buffer allocation failed'))).toBe('oom');
    expect(classifyFault(new Error('Failed to allocate a buffer of size 4294967296'))).toBe('oom');
    expect(classifyFault('RuntimeError: Aborted(OOM)')).toBe('oom');
  });

  it('device lost: a lost or destroyed GPUDevice', () => {
    expect(classifyFault(new Error('Device is lost'))).toBe('device-lost');
    expect(classifyFault(Object.assign(new Error('[Device] is lost.'), { name: 'OperationError' }))).toBe('device-lost');
    expect(classifyFault(new Error('GPUDevice was destroyed'))).toBe('device-lost');
    expect(classifyFault(new TrainingFault('device-lost', 'lost', 3, null))).toBe('device-lost');
  });

  it('anything else stays an ordinary error', () => {
    expect(classifyFault(new Error('spec field "steps": Too big'))).toBeNull();
    expect(classifyFault(new TypeError("Cannot read properties of undefined (reading 'shape')"))).toBeNull();
    expect(classifyFault(new Error('memory layout of tensor "x" is wrong'))).toBeNull();
    expect(classifyFault(undefined)).toBeNull();
    // A NaN is detected from the loss, never from an error message.
    expect(classifyFault(new TrainingFault('nan', 'NaN', 3, '0:lora'))).toBeNull();
  });
});
