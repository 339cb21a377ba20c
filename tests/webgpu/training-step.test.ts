import { describe, expect, it } from 'vitest';
import { tf } from '../../src/engine/tf';
import { initNodeBackend } from '../../src/cli/node-env';
import type { TaskShape } from '../../src/engine/methods/types';
import { countDispatches } from '../../src/engine/bench/dispatch-count';
import { attachedTrainer, tinyModel } from '../engine/tiny';
import { gpuTitle, startNodeWebgpu } from './node-webgpu';

/**
 * The same training step on WebGPU in Node (Dawn) and on wasm, in one process: the same seeded
 * model, method, head and batch, two Adam steps. Losses and gradient norms agree to 1e-5
 * relative — the engine's numerics do not depend on the backend. Also counts the step's GPU
 * dispatches: the same number every step (nothing is rebuilt per step).
 */
const gpu = await startNodeWebgpu();
const task: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 7 };
const batch = {
  kind: 'lm' as const,
  batchSize: 3,
  seqLen: 7,
  inputIds: Int32Array.from({ length: 21 }, (_, i) => (i * 5 + 3) % 29),
  attentionMask: new Int32Array(21).fill(1),
};
const OPTIONS: Record<string, Record<string, unknown>> = { prompt: { length: 3 }, lora: { r: 2 } };

async function twoSteps(method: string): Promise<Array<{ loss: number; gradNorm: number }>> {
  const model = tinyModel(7);
  const { trainer, dispose } = attachedTrainer(model, method, OPTIONS[method] ?? {}, task, 3);
  const out: Array<{ loss: number; gradNorm: number }> = [];
  for (let i = 0; i < 2; i++) {
    const m = await trainer.trainStep(batch, true);
    out.push({ loss: m!.loss, gradNorm: m!.gradNorm });
  }
  dispose();
  model.dispose();
  return out;
}

describe.skipIf(gpu.skip !== null)(gpuTitle('a training step on WebGPU in Node equals wasm', gpu), () => {
  for (const method of ['full', 'lora', 'prompt']) {
    it(`${method}: losses and gradient norms of two steps to 1e-5 relative`, async () => {
      await initNodeBackend('wasm');
      const onWasm = await twoSteps(method);
      await tf.setBackend('webgpu');
      const onWebgpu = await twoSteps(method);
      for (const [i, w] of onWasm.entries()) {
        const g = onWebgpu[i];
        expect(Math.abs(g.loss - w.loss) / Math.abs(w.loss), `step ${i + 1} loss ${g.loss} vs ${w.loss}`).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(g.gradNorm - w.gradNorm) / Math.abs(w.gradNorm), `step ${i + 1} grad norm ${g.gradNorm} vs ${w.gradNorm}`).toBeLessThanOrEqual(1e-5);
      }
      // The steps moved the model: a second loss equal to the first would hide a no-op step.
      expect(onWebgpu[1].loss).not.toBe(onWebgpu[0].loss);
    });
  }

  it('counts the same dispatches every step', async () => {
    await tf.setBackend('webgpu');
    const model = tinyModel(7);
    const { trainer, dispose } = attachedTrainer(model, 'lora', { r: 2 }, task, 4);
    await trainer.trainStep(batch, true);
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) counts.push((await countDispatches(() => trainer.trainStep(batch, true))).dispatches);
    dispose();
    model.dispose();
    expect(counts[0]).toBeGreaterThan(50);
    expect(counts[1]).toBe(counts[0]);
  });
});
