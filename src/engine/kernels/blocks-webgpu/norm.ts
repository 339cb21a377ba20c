import { tf } from '../../tf';
import { shaderConstant, wgsl } from '../wgsl-library';
import type { BlockKernels } from '../../blocks/seam';
import { f32, i32, registerWebgpuKernel, runBlockProgram, runKernel, workgroupOf } from './program';

/**
 * LayerNorm / RMSNorm on WebGPU (the seam's normForward / normBackward; twin: twin-kernels.ts).
 * Forward: LayerNorm 3 dispatches (mean, rstd, y), RMSNorm 3 (zeros, rstd, y). Backward: dx
 * (one workgroup per row), dγ and dβ (column sums): 3 dispatches for LayerNorm, 2 for RMSNorm.
 * A tfjs program has one output buffer, hence one dispatch per returned tensor.
 */

const FORWARD = 'PeftWgslNormForward';
const BACKWARD = 'PeftWgslNormBackward';

export function registerNormWebgpu(): void {
  const stats = wgsl('blocks-norm-stats');
  const apply = wgsl('blocks-norm-apply');
  const gradInput = wgsl('blocks-norm-grad-input');
  const gradParams = wgsl('blocks-norm-grad-params');
  const gradParamsCols = shaderConstant(gradParams, 'COLS');
  const applyWg = workgroupOf(apply);

  registerWebgpuKernel(FORWARD, (inputs, attrs, backend) => {
    const { x, gamma, beta } = inputs;
    const [n, d] = x.shape;
    const eps = attrs.eps as number;
    const rms = attrs.rms as boolean;
    const statsSpec = (mode: number) => ({
      key: `blocks-norm-stats`,
      source: stats,
      variableNames: ['X', 'Mean'],
      outputShape: [n],
      groups: n,
      uniforms: [i32('n', n), i32('d', d), f32('eps', eps), i32('mode', mode)],
    });
    const mean = runBlockProgram(backend, statsSpec(rms ? 2 : 0), [x, x]);
    const rstd = runBlockProgram(backend, statsSpec(1), [x, mean]);
    const y = runBlockProgram(
      backend,
      {
        key: 'blocks-norm-apply',
        source: apply,
        variableNames: ['X', 'Mean', 'Rstd', 'Gamma', 'Beta'],
        outputShape: [n, d],
        groups: Math.ceil((n * d) / applyWg),
        uniforms: [i32('n', n), i32('d', d), i32('hasBeta', beta ? 1 : 0)],
      },
      [x, mean, rstd, gamma, beta ?? gamma],
    );
    return [y, mean, rstd];
  });

  registerWebgpuKernel(BACKWARD, (inputs, attrs, backend) => {
    const { dy, x, gamma, mean, rstd } = inputs;
    const [n, d] = x.shape;
    const rms = attrs.rms as boolean;
    const dx = runBlockProgram(
      backend,
      {
        key: 'blocks-norm-grad-input',
        source: gradInput,
        variableNames: ['Dy', 'X', 'Gamma', 'Mean', 'Rstd'],
        outputShape: [n, d],
        groups: n,
        uniforms: [i32('n', n), i32('d', d), i32('rms', rms ? 1 : 0)],
      },
      [dy, x, gamma, mean, rstd],
    );
    const paramSpec = (mode: number) => ({
      key: 'blocks-norm-grad-params',
      source: gradParams,
      variableNames: ['Dy', 'X', 'Mean', 'Rstd'],
      outputShape: [d],
      groups: Math.ceil(d / gradParamsCols),
      uniforms: [i32('n', n), i32('d', d), i32('mode', mode)],
    });
    const dGamma = runBlockProgram(backend, paramSpec(0), [dy, x, mean, rstd]);
    if (rms) return [dx, dGamma];
    const dBeta = runBlockProgram(backend, paramSpec(1), [dy, x, mean, rstd]);
    return [dx, dGamma, dBeta];
  });
}

export const normWebgpu: Pick<BlockKernels, 'normForward' | 'normBackward'> = {
  normForward(x, gamma, beta, eps, rms) {
    const [y, mean, rstd] = runKernel(FORWARD, { x, gamma, beta }, { eps, rms });
    return { y: y as tf.Tensor2D, mean: mean as tf.Tensor1D, rstd: rstd as tf.Tensor1D };
  },
  normBackward(dy, x, gamma, mean, rstd, rms) {
    const [dx, dGamma, dBeta] = runKernel(BACKWARD, { dy, x, gamma, mean, rstd }, { rms });
    return { dx: dx as tf.Tensor2D, dGamma: dGamma as tf.Tensor1D, dBeta: rms ? null : (dBeta as tf.Tensor1D) };
  },
};
