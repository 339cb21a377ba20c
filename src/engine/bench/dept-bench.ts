import type { BaseCheckpoint } from '../experiment/base-model';
import type { RunEvent } from '../experiment/events';
import type { MethodRun } from '../experiment/method-run';
import { runExperiment, type RunnerEnv } from '../experiment/runner';
import { parseExperimentSpec } from '../experiment/spec';
import type { TaskData } from '../experiment/task-data';
import { deptPlan, type DeptConfig } from '../methods/dept';
import { stat, type Stat } from './stats';

/**
 * DePT (m = 20, 60, matched to the parameter budget of PT with l = 100) against vanilla PT
 * (l = 100) at input lengths s = 128 and 256: the paper's efficiency claim, measured the same
 * way on any backend (the wasm script in Node, the WebGPU one in the kernel lab page).
 *
 * Per method and s: training-step time (median, min–max after warm-up), the bytes one training
 * step allocates on top of what is already held (the runner's tf.profile of the last step:
 * activations, gradients, optimizer temporaries; that step is not timed), and inference throughput (forward + loss on
 * fixed batches, no gradients) in samples/s.
 *
 * Fairness: all methods of one s train in one runExperiment, which alternates them step by step
 * (A, B, C, A, B, C, …) on identical batches; inference rounds alternate the same way.
 */

export interface DeptBenchOptions {
  base: BaseCheckpoint;
  env: RunnerEnv;
  inputLengths: number[];
  batch: number;
  warmupSteps: number;
  measuredSteps: number;
  inferRounds: number;
  inferBatches: number;
  /** Progress lines (the whole run takes minutes). */
  log?: (line: string) => void;
}

export interface DeptBenchRow {
  s: number;
  method: string;
  /** m for DePT, l for PT. */
  promptLength: number;
  r: number | null;
  sequenceLength: number;
  trainableParams: number;
  stepMs: Stat;
  stepPeakBytes: number;
  inferSamplesPerSec: Stat;
}

export const DEPT_BENCH_PT_LENGTH = 100;
export const DEPT_BENCH_LENGTHS = [60, 20];

/** samples/s of forward + loss on fixed batches, the runs alternating round by round. */
async function inference(runs: MethodRun[], data: TaskData, options: DeptBenchOptions): Promise<Stat[]> {
  const batches = data.validationBatches(options.inferBatches);
  const samples = batches.reduce((n, b) => n + b.batchSize, 0);
  const perRun: number[][] = runs.map(() => []);
  for (const run of runs) await run.trainer.evaluate(batches.slice(0, 1)); // warm-up
  for (let round = 0; round < options.inferRounds; round++) {
    for (let i = 0; i < runs.length; i++) {
      const started = performance.now();
      await runs[i].trainer.evaluate(batches);
      perRun[i].push((samples * 1000) / (performance.now() - started));
    }
  }
  return perRun.map(stat);
}

async function session(options: DeptBenchOptions, s: number): Promise<DeptBenchRow[]> {
  const methods = [
    { name: 'prompt' as const, options: { length: DEPT_BENCH_PT_LENGTH } },
    ...DEPT_BENCH_LENGTHS.map((m) => ({ name: 'dept' as const, options: { length: m, budget: DEPT_BENCH_PT_LENGTH } })),
  ];
  const spec = parseExperimentSpec({
    model: 'random',
    task: 'lm-spam',
    methods,
    // + 1: the runner profiles the last step for its memory peak (stepExtraBytes), which slows
    // that step; it is measured for memory, not timed.
    steps: options.warmupSteps + options.measuredSteps + 1,
    batchSize: options.batch,
    seqLen: s,
    eval: { every: 0, maxBatches: options.inferBatches },
    logEvery: 1,
  });
  const steps = new Map<string, number[]>();
  const timed = (step: number) => step > options.warmupSteps && step <= options.warmupSteps + options.measuredSteps;
  const collect = (event: RunEvent) => {
    if (event.type === 'step' && timed(event.step)) steps.set(event.runId, [...(steps.get(event.runId) ?? []), event.stepMs]);
  };
  const rows: DeptBenchRow[] = [];
  const { base } = options;
  await runExperiment(spec, options.env, collect, undefined, {
    preloaded: base,
    afterTraining: async (runs, data) => {
      const infer = await inference(runs, data, options);
      for (let i = 0; i < runs.length; i++) {
        const run = runs[i];
        const plan = run.methodName === 'dept' ? deptPlan(base.shape, s, spec.methods[i].options as unknown as DeptConfig) : null;
        rows.push({
          s,
          method: plan ? `DePT m=${plan.m}` : `PT l=${DEPT_BENCH_PT_LENGTH}`,
          promptLength: plan ? plan.m : DEPT_BENCH_PT_LENGTH,
          r: plan ? plan.r : null,
          sequenceLength: s + run.prefixLength,
          trainableParams: run.trainable.method + run.trainable.head,
          stepMs: stat(steps.get(run.runId) ?? []),
          stepPeakBytes: run.summary(base.shape.totalParams).stepExtraBytes ?? 0,
          inferSamplesPerSec: infer[i],
        });
      }
    },
  });
  return rows;
}

export async function runDeptBenchmark(options: DeptBenchOptions): Promise<DeptBenchRow[]> {
  const started = performance.now();
  const rows: DeptBenchRow[] = [];
  for (const s of options.inputLengths) {
    rows.push(...(await session(options, s)));
    options.log?.(`s=${s} done after ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return rows;
}

const fmtStat = (x: Stat, digits = 0) => `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}–${x.max.toFixed(digits)})`;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** The Markdown table both benchmark scripts print, with the DePT/PT ratios per s. */
export function deptBenchTable(rows: DeptBenchRow[]): string {
  const lines = [
    '| s | method | r | tokens/seq | trainable | step ms median (min–max) | step peak MiB | infer samples/s median (min–max) | time DePT/PT | memory DePT/PT | infer speed DePT/PT |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const pt = rows.find((x) => x.s === row.s && x.method.startsWith('PT'))!;
    const ratio = (a: number, b: number) => (row === pt ? '1' : (a / b).toFixed(2));
    lines.push(
      `| ${row.s} | ${row.method} | ${row.r ?? '–'} | ${row.sequenceLength} | ${row.trainableParams.toLocaleString('en-US')} | ${fmtStat(row.stepMs)} | ${mib(row.stepPeakBytes)} | ${fmtStat(row.inferSamplesPerSec, 1)} | ${ratio(row.stepMs.median, pt.stepMs.median)} | ${ratio(row.stepPeakBytes, pt.stepPeakBytes)} | ${ratio(row.inferSamplesPerSec.median, pt.inferSamplesPerSec.median)} |`,
    );
  }
  return lines.join('\n');
}
