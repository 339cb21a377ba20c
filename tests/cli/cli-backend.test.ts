import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';
import { gpuTitle, startNodeWebgpu } from '../webgpu/node-webgpu';

/** `--backend wasm|webgpu|cpu` on the CLI: the choice, the adapter report, and the one-line failures. */
const gpu = await startNodeWebgpu();

describe('--backend', () => {
  it('rejects an unknown backend as a usage error', () => {
    const r = runCli(['info', 'tiny-gpt2', '--backend', 'cuda']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('error: --backend: expected wasm, webgpu, cpu, got "cuda"');
  });

  it('webgpu with a named driver that gives no adapter fails in one line saying what to try', () => {
    const r = runCli(['info', 'tiny-gpt2', '--backend', 'webgpu'], { ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json' });
    expect(r.status).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual(['error: no WebGPU adapter in Node: the Vulkan driver named by VK_DRIVER_FILES=/nonexistent/icd.json gave no adapter; or run on the CPU with --backend wasm']);
  });

  it('cpu runs forward on the plain-JS backend and says so', () => {
    const r = runCli(['forward', 'tiny-gpt2', '--ids', '5,6,7', '--top', '2', '--backend', 'cpu']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines.at(-1)?.backend).toBe('cpu');
  });

  describe.skipIf(gpu.skip !== null)(gpuTitle('on Node WebGPU', gpu), () => {
    it('info reports the adapter and its buffer limits', () => {
      const r = runCli(['info', 'tiny-gpt2', '--backend', 'webgpu']);
      expect(r.status, r.stderr).toBe(0);
      const backend = r.lines[0].backend as { backend: string; adapter: string; bufferLimits: { maxBufferSize: number } };
      expect(backend.backend).toBe('webgpu');
      expect(backend.adapter.length).toBeGreaterThan(3);
      expect(backend.bufferLimits.maxBufferSize).toBeGreaterThan(2 ** 20);
    });

    it('forward gives the same next-token logits as wasm', () => {
      const onGpu = runCli(['forward', 'tiny-gpt2', '--ids', '5,6,7,8', '--top', '3', '--backend', 'webgpu']);
      const onWasm = runCli(['forward', 'tiny-gpt2', '--ids', '5,6,7,8', '--top', '3']);
      expect(onGpu.status, onGpu.stderr).toBe(0);
      const top = (r: typeof onGpu) => r.lines.at(-1)!.top as Array<{ id: number; logit: number }>;
      expect(top(onGpu).map((t) => t.id)).toEqual(top(onWasm).map((t) => t.id));
      for (const [i, t] of top(onGpu).entries()) expect(Math.abs(t.logit - top(onWasm)[i].logit)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(t.logit)));
    });
  });
});
