import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBenchResults, readmeBenchBlock, replaceReadmeBenchBlock, type BenchResults } from '../src/engine/bench/results';

/** Regenerates README.md's Performance block (between the bench markers) from results. */
export async function updateReadmeBench(root: string, results: BenchResults): Promise<void> {
  const file = path.join(root, 'README.md');
  const readme = await readFile(file, 'utf8');
  await writeFile(file, replaceReadmeBenchBlock(readme, readmeBenchBlock(results)));
}

export async function readBenchResults(root: string): Promise<BenchResults> {
  const file = path.join(root, 'bench', 'results.json');
  return parseBenchResults(JSON.parse(await readFile(file, 'utf8')), file);
}
