import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../src/cli/node-env';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines. */
  lines: Array<Record<string, unknown>>;
}

/** Runs the real CLI (`tsx src/cli/main.ts …`) in a child process, as a user would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const result = spawnSync(tsx, [path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  const lines = result.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, lines };
}
