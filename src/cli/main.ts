/**
 * Headless CLI over the same engine as the app, on tfjs's wasm backend (or `--backend webgpu`:
 * Dawn in Node, on the machine's GPU or SwiftShader; `--backend cpu`) for info/forward/train/sweep/repeat:
 *   npm run cli -- info <model>
 *   npm run cli -- params <model> --method lora --r 4 --targets q,v [--task spam]
 *   npm run cli -- params <model> --method dept --length 60 --budget 100 --seq-len 64  (--budget none --r 8: rank set directly)
 *   npm run cli -- forward <model> [--adapter <dir|zip>] (--text "…" | --ids 1,2,3) [--top 5]          (GPT-2)
 *   npm run cli -- forward <model> [--adapter <dir|zip>] (--image digit.png | --pixels values.json) [--top 5]   (ViT)
 *   npm run cli -- forward <model> [--adapter <dir|zip>] (--text "…" | --ids 1,2,3) [--max-new-tokens 16] [--no-prefix] [--scores [--top k]]   (T5)
 *   npm run cli -- train <spec.json | link> [--save-adapter <dir>] [--verbose]
 *   npm run cli -- sweep <preset> [--steps N] [--batch N] [--seed N] [--out file.json] [--dry-run]   (sweep --list)
 *   npm run cli -- repeat <spec.json | link> --seeds 1,2,3 [--out file.json]   (mean ± std over seeds: few-shot tables)
 * <model> is a built-in id (tiny-gpt2, tiny-vit, tiny-t5), a folder or an http(s) URL in the Hugging Face layout.
 * Results are JSON on stdout. On failure: one line on stderr and a non-zero exit code —
 * 2 for bad arguments, 1 for anything else (missing files, invalid specs, bad checkpoints).
 */
import { forwardCommand, infoCommand, paramsCommand, trainCommand } from './commands';
import { sweepCommand } from './sweep-command';
import { repeatCommand } from './repeat-command';
import { UsageError } from './args';

const COMMANDS: Record<string, (argv: string[], print: (value: unknown) => void) => Promise<void>> = {
  info: infoCommand,
  params: paramsCommand,
  forward: forwardCommand,
  train: trainCommand,
  sweep: sweepCommand,
  repeat: repeatCommand,
};

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}


async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`error: ${command ? `unknown command "${command}"` : 'no command'}; commands: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    await run(rest, print);
    return 0;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    process.stderr.write(`error: ${e.message.split('\n')[0]}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

// Exit explicitly: the wasm runtime keeps handles open, and its own uncaught-exception hook
// would print its whole source instead of our one-line error.
// Exit only once stdout has flushed: a pipe is asynchronous and exit would cut long output.
const exitAfterFlush = (code: number) => process.stdout.write('', () => process.exit(code));
main().then(exitAfterFlush, (error) => {
  process.stderr.write(`error: ${String(error)}\n`);
  exitAfterFlush(1);
});
