import { tf } from '../../tf';
import { wgsl } from '../wgsl-library';
import type { AdamStepSettings, BlockKernels } from '../../blocks/seam';
import { f32, i32, registerWebgpuKernel, runBlockProgram, runKernel, sizeOf, workgroupOf } from './program';

/**
 * The fused Adam/AdamW group update on WebGPU (the seam's adamUpdate; twin: twin-kernels.ts).
 * One tfjs kernel per group; per variable three elementwise dispatches (new m, new v, new p),
 * where the twin runs about a dozen ops. The clip factor stays a tensor.
 */

const KERNEL = 'PeftWgslAdamUpdate';

export function registerAdamWebgpu(): void {
  const source = wgsl('blocks-adam');
  const wg = workgroupOf(source);
  registerWebgpuKernel(KERNEL, (inputs, attrs, backend) => {
    const n = attrs.n as number;
    const s = attrs as unknown as AdamStepSettings;
    const clip = inputs.clip;
    const decay = s.weightDecay > 0 ? (s.kind === 'adam' ? 1 : 2) : 0;
    const outputs: tf.TensorInfo[] = [];
    for (let i = 0; i < n; i++) {
      const [p, g, m, v] = [inputs[`p${i}`], inputs[`g${i}`], inputs[`m${i}`], inputs[`v${i}`]];
      const size = sizeOf(p.shape);
      const spec = (mode: number) => ({
        key: 'blocks-adam',
        source,
        variableNames: ['P', 'G', 'M', 'V', 'Clip'],
        outputShape: p.shape,
        groups: Math.ceil(size / wg),
        uniforms: [
          i32('size', size),
          i32('mode', mode),
          i32('decay', decay),
          f32('lr', s.lr),
          f32('beta1', s.beta1),
          f32('oneMinusBeta1', 1 - s.beta1),
          f32('beta2', s.beta2),
          f32('oneMinusBeta2', 1 - s.beta2),
          f32('epsilon', s.epsilon),
          f32('weightDecay', s.weightDecay),
          f32('lrWd', s.lr * s.weightDecay),
          f32('bias1', s.bias1),
          f32('bias2', s.bias2),
        ],
      });
      const mNew = runBlockProgram(backend, spec(0), [p, g, m, v, clip]);
      const vNew = runBlockProgram(backend, spec(1), [p, g, m, v, clip]);
      const pNew = runBlockProgram(backend, spec(2), [p, p, mNew, vNew, clip]);
      outputs.push(pNew, mNew, vNew);
    }
    return outputs;
  });
}

export const adamWebgpu: Pick<BlockKernels, 'adamUpdate'> = {
  adamUpdate(group, clip, settings) {
    const n = group.params.length;
    if (n === 0) return [];
    const clip1 = tf.reshape(clip, [1]);
    const inputs: Record<string, tf.Tensor> = { clip: clip1 };
    for (let i = 0; i < n; i++) {
      inputs[`p${i}`] = group.params[i];
      inputs[`g${i}`] = group.grads[i];
      inputs[`m${i}`] = group.m[i];
      inputs[`v${i}`] = group.v[i];
    }
    const { kind, lr, beta1, beta2, epsilon, weightDecay, bias1, bias2 } = settings;
    const out = runKernel(KERNEL, inputs, { n, kind, lr, beta1, beta2, epsilon, weightDecay, bias1, bias2 });
    clip1.dispose();
    return group.params.map((_, i) => ({ p: out[3 * i], m: out[3 * i + 1], v: out[3 * i + 2] }));
  },
};
