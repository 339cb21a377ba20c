import os from 'node:os';

/** The host as a Node script can name it (a page cannot see the CPU model). */
export function hostMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${model} × ${cpus.length} (${os.platform()} ${os.arch()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB)`;
}
