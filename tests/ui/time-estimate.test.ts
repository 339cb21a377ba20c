import { describe, expect, it } from 'vitest';
import { streamTaskSizes } from '../../src/engine/continual/streams';
import { assumedFlopsPerMs, forwardFlops, STREAM_TASKS, trainingStepFlops } from '../../src/engine/experiment/time-estimate';
import type { ModelShape } from '../../src/engine/models/hooks';
import { continualMsLeft, formatDuration, measuredStepMs, phaseMsLeft, trainingEta } from '../../src/ui/time-estimate';
import type { RunSeries, StepPoint } from '../../src/ui/store';
import { EMPTY_CONTINUAL } from '../../src/ui/continual/continual-store';

const point = (step: number, stepMs: number): StepPoint => ({ step, loss: 1, stepMs, tokensPerSec: 1, gpuBytes: 0, peakGpuBytes: 0, runBytes: 0 });
const series = (stepMs: number[]): RunSeries => ({
  runId: '0:lora',
  method: 'lora',
  trainable: { method: 1, head: 0 },
  totalParams: 10,
  steps: stepMs.map((ms, i) => point(i + 1, ms)),
  evals: [],
  summary: null,
});

describe('time left from what was measured', () => {
  it('steps left × the measured step (the first, compiling, step left out once there are others)', () => {
    expect(measuredStepMs([series([5000])])).toBe(5000);
    expect(measuredStepMs([series([5000, 100, 300]), series([50, 50])])).toBe(250);
    expect(trainingEta([series([5000, 200])], 2, 10)).toEqual({ stepsLeft: 8, stepMs: 200, msLeft: 1600 });
    expect(trainingEta([series([])], 0, 10)).toBeNull();
    expect(trainingEta([series([100])], 10, 10)).toBeNull();
  });

  it('a phase’s rest from its fraction done; nothing before any is done', () => {
    expect(phaseMsLeft(10_000, 0.25)).toBe(30_000);
    expect(phaseMsLeft(10_000, 0)).toBeNull();
    expect(phaseMsLeft(10_000, null)).toBeNull();
  });

  it('a stream’s tasks left × each strategy’s time per task', () => {
    expect(continualMsLeft(EMPTY_CONTINUAL)).toBeNull();
  });

  it('durations read as estimates', () => {
    expect(formatDuration(400)).toBe('about 1 s');
    expect(formatDuration(42_000)).toBe('about 42 s');
    expect(formatDuration(190_000)).toBe('about 3 min 10 s');
    expect(formatDuration(3_900_000)).toBe('about 1 h 5 min');
  });
});

describe('plan estimates from model FLOPs', () => {
  const shape = {
    family: 'gpt2',
    hidden: 4,
    heads: 1,
    mlpHidden: 16,
    stacks: { encoder: 0, decoder: 1 },
    layers: 1,
    promptStack: 'decoder',
    vocabSize: 10,
    maxPositions: 64,
    embeddingParams: 0,
    totalParams: 0,
    linears: [{ name: 'a', path: 'a', inFeatures: 4, outFeatures: 8 }],
  } as unknown as ModelShape;
  const task = { kind: 'lm' as const, numLabels: 0, seqLen: 2 };

  it('counts the linears, the attention and the LM head per token; backward doubles it (full: triples)', () => {
    // tokens 2·2 = 4; per token 2·4·8 + 4·1·2·4 + 2·4·10 = 64 + 32 + 80 = 176
    expect(forwardFlops(shape, task, { name: 'lora', options: {} }, 2)).toBe(4 * 176);
    expect(trainingStepFlops(shape, task, { name: 'lora', options: {} }, 2)).toBe(2 * 4 * 176);
    expect(trainingStepFlops(shape, task, { name: 'full', options: {} }, 2)).toBe(3 * 4 * 176);
  });

  it('the streams have the task count the estimate assumes; rates are assumed per backend', () => {
    expect(streamTaskSizes('split-mnist').length).toBe(STREAM_TASKS);
    expect(streamTaskSizes('sotu-eras').length).toBe(STREAM_TASKS);
    expect(assumedFlopsPerMs('webgpu', 'google swiftshader')).toBeLessThan(assumedFlopsPerMs('webgpu', 'nvidia'));
  });
});
