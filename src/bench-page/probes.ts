import { tf } from '../engine/tf';
import type { KernelProbes } from '../engine/bench/suite';
import { fusedAptAvailable } from '../engine/kernels/apt-aggregate';
import { aptLab } from '../lab/apt';
import { nolaLab } from '../lab/nola';

/**
 * The suite's fused-kernel/twin measurements, through the kernel lab's own benchmark code
 * (src/lab/nola.ts training sessions, src/lab/apt.ts benchKernel), so the /bench page and the
 * bench:*:browser scripts time the same thing.
 */
export const labKernelProbes: KernelProbes = {
  async nola(config) {
    if (!nolaLab.kernelRegistered()) return { skipped: `NOLA's WGSL kernels are not registered on backend "${tf.getBackend()}"` };
    const { model, batchSize, seqLen } = config.nolaKernel;
    const ids = ['bench-nola-fused', 'bench-nola-twin'] as const;
    const fusedMs: number[] = [];
    const twinMs: number[] = [];
    try {
      nolaLab.openTraining(ids[0], { method: 'nola', implementation: 'kernel', batchSize, seqLen, model });
      nolaLab.openTraining(ids[1], { method: 'nola', implementation: 'twin', batchSize, seqLen, model });
      // One warm-up step each: shader compilation and, for the twin, materialising the bases.
      for (const id of ids) await nolaLab.stepTraining(id);
      for (let i = 0; i < config.kernelIterations; i++) {
        fusedMs.push(await nolaLab.stepTraining(ids[0]));
        twinMs.push(await nolaLab.stepTraining(ids[1]));
      }
    } finally {
      for (const id of ids) nolaLab.closeTraining(id);
    }
    return {
      fusedMs,
      twinMs,
      fused: 'NOLA step, fused WGSL (bases regenerated)',
      twin: 'NOLA step, tfjs twin (bases kept)',
      how: `training step ms, random GPT-2 d=${model.nEmbd} L=${model.nLayer}, batch ${batchSize} × ${seqLen}, k=l=100 r=8 on q, v; alternating steps`,
    };
  },

  async apt(config) {
    if (!fusedAptAvailable()) return { skipped: `APT's fused WGSL aggregation is not registered on backend "${tf.getBackend()}"` };
    const { n, p, d } = config.aptKernel;
    const timings = await aptLab.benchKernel(n, p, d, config.kernelIterations);
    const samples = (impl: 'fused' | 'twin') => timings.find((t) => t.implementation === impl)?.samplesMs ?? [];
    return {
      fusedMs: samples('fused'),
      twinMs: samples('twin'),
      fused: 'APT aggregation, fused WGSL',
      twin: 'APT aggregation, tfjs twin',
      how: `aggregation op alone, forward + backward, n=${n} p=${p} d=${d}; alternating calls`,
    };
  },
};
