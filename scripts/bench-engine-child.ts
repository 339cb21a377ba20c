/**
 * One checkpointing mode of an isolated scorecard session (GPT-2-small LoRA), in a process of its
 * own: when a step outgrows wasm's heap (at most 4 GiB) the wasm module aborts and takes the
 * process with it; bench-engine.ts then records the rows as failed and carries on.
 *
 *   tsx scripts/bench-engine-child.ts --session ID --mode none|blocks --model-dir DIR --matmul-gflops X --rows-out FILE
 */
import { writeFile } from 'node:fs/promises';
import { nodeRunnerEnv } from '../src/cli/node-env';
import { loadBaseCheckpoint } from '../src/engine/experiment/base-model';
import { sourceFor } from '../src/engine/io/node-source';
import { runScorecardSession, scorecardSessions } from '../src/engine/bench/engine-scorecard';
import type { CheckpointMode } from '../src/engine/bench/engine-report';
import { initSingleThreadWasm } from './bench-engine-backend';

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0 || !args[i + 1]) throw new Error(`bench-engine-child: ${name} is required`);
  return args[i + 1];
};
const sessionId = value('--session');
const mode = value('--mode') as CheckpointMode;
const modelDir = value('--model-dir');
const matmulGflops = Number(value('--matmul-gflops'));
const rowsOut = value('--rows-out');

await initSingleThreadWasm();
const session = scorecardSessions({ mode: 'full', gpt2Small: true, gpt2SmallLoad: async () => loadBaseCheckpoint(sourceFor(modelDir)), models: [sessionId] })[0];
if (!session) throw new Error(`bench-engine-child: no session "${sessionId}"`);
const rows = await runScorecardSession({ ...session, modes: [mode] }, nodeRunnerEnv, matmulGflops, { onProgress: (m) => console.error(`  [child] ${m}`) });
await writeFile(rowsOut, JSON.stringify(rows));
process.exit(0);
