import { writeFile } from 'node:fs/promises';
import { runSeedRepeats } from '../engine/experiment/seed-repeats';
import { specToHash } from '../engine/experiment/link';
import { UsageError, parseArgs } from './args';
import { initNodeBackend, nodeBackendOption, nodeRunnerEnv } from './node-env';
import { readSpecArgument } from './spec-argument';

type Print = (value: unknown) => void;

const USAGE = 'repeat <spec.json | link> --seeds 1,2,3 [--out results.json]';

/** `--seeds 1,2,3` or `--seeds 5` (seeds 1…5). */
function parseSeeds(raw: string | true | undefined): number[] {
  if (raw === undefined) return [1, 2, 3];
  const text = String(raw);
  const values = text.includes(',') ? text.split(',').map((s) => Number(s.trim())) : Array.from({ length: Number(text) }, (_, i) => i + 1);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0)) throw new UsageError(`--seeds must be a count or a comma list of whole numbers, got "${text}"`);
  return values;
}

/**
 * `repeat`: one experiment under several seeds (each seed draws its own few-shot set, init and
 * batches), every method side by side each time; prints one line per seed, then each method's
 * final accuracy (or loss) as mean ± std — the protocol of NOLA's ViT few-shot tables.
 */
export async function repeatCommand(argv: string[], print: Print): Promise<void> {
  const { positionals, options } = parseArgs(argv);
  const input = positionals[0];
  if (!input) throw new UsageError(`missing <spec.json | link>; usage: ${USAGE}`);
  const spec = await readSpecArgument(input, print);
  const seeds = parseSeeds(options.get('seeds'));
  print({ type: 'backend', info: await initNodeBackend(nodeBackendOption(options.get('backend'))) });
  const result = await runSeedRepeats(spec, seeds, nodeRunnerEnv, (seed, summaries) =>
    print({ type: 'seed', seed, link: `#${specToHash({ ...spec, seed })}`, runs: summaries.map((s) => ({ runId: s.runId, accuracy: s.finalEval?.accuracy ?? null, loss: s.finalEval?.loss ?? null })) }),
  );
  const table = { type: 'repeat', model: spec.model, task: spec.task, steps: spec.steps, seeds, rows: result.rows };
  const out = options.get('out');
  if (typeof out === 'string') await writeFile(out, JSON.stringify(table, null, 2) + '\n');
  print(table);
}
