import { randomGpt2Checkpoint, type RandomGpt2Size } from '../engine/bench/random-checkpoint';
import { deptBenchTable, runDeptBenchmark, type DeptBenchRow } from '../engine/bench/dept-bench';
import { browserRunnerEnv } from '../worker/browser-env';

/** The DePT vs PT benchmark (src/engine/bench/dept-bench.ts) on this page's backend. */
export const deptLab = {
  async benchmark(options: { size: RandomGpt2Size; inputLengths: number[]; batch: number; warmupSteps: number; measuredSteps: number; inferRounds: number }): Promise<{
    source: string;
    totalParams: number;
    rows: DeptBenchRow[];
    table: string;
  }> {
    const env = browserRunnerEnv(new URL('./', location.href).href);
    const base = await randomGpt2Checkpoint(options.size, env.modelSource('tiny-gpt2'));
    const rows = await runDeptBenchmark({ ...options, base, env, inferBatches: 2, log: (line) => console.log(line) });
    return { source: base.source, totalParams: base.shape.totalParams, rows, table: deptBenchTable(rows) };
  },
};
