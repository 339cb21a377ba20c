import { writeFile } from 'node:fs/promises';
import { SWEEP_PRESETS, sweepPresetById } from '../engine/experiment/presets';
import { DEFAULT_SPEC, parseExperimentSpec } from '../engine/experiment/spec';
import { runSweep } from '../engine/experiment/run-sweep';
import { sweepSpecs, withSweepSettings } from '../engine/experiment/sweep';
import { specToHash } from '../engine/experiment/link';
import { UsageError, parseArgs } from './args';
import { initNodeBackend, nodeBackendOption, nodeRunnerEnv } from './node-env';

type Print = (value: unknown) => void;

const USAGE = 'sweep <preset> [--steps N] [--batch N] [--seed N] [--out results.json] [--dry-run]  (sweep --list: the presets)';

/** A whole number option, or the fallback when absent. */
function intOption(options: Map<string, string | true>, key: string, fallback: number): number {
  const raw = options.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isInteger(value) || value < 1) throw new UsageError(`--${key} must be a whole number ≥ 1, got "${String(raw)}"`);
  return value;
}

/**
 * `sweep <preset>`: trains each variant of a preset (the app's sweep presets) one after another
 * on the wasm backend and prints one line per finished variant (label, link, metric, cost),
 * then the whole table. `--dry-run` lists the variants' specs and links without training.
 */
export async function sweepCommand(argv: string[], print: Print): Promise<void> {
  const { positionals, options } = parseArgs(argv, ['list', 'dry-run']);
  if (options.get('list') === true) {
    print({ presets: SWEEP_PRESETS.map((p) => ({ id: p.id, title: p.title, settings: p.settings, chart: p.chart })) });
    return;
  }
  const id = positionals[0];
  if (!id) throw new UsageError(`missing <preset>; usage: ${USAGE}`);
  let preset;
  try {
    preset = sweepPresetById(id);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const settings = withSweepSettings(parseExperimentSpec(DEFAULT_SPEC), preset.settings);
  const base = parseExperimentSpec({
    ...settings,
    steps: intOption(options, 'steps', settings.steps),
    batchSize: intOption(options, 'batch', settings.batchSize),
    seed: intOption(options, 'seed', settings.seed),
  });
  const out = options.get('out');
  if (options.get('dry-run') === true) {
    print({ preset: preset.id, variants: sweepSpecs(preset, base).map(({ label, spec }) => ({ label, link: `#${specToHash(spec)}` })) });
    return;
  }
  print({ type: 'backend', info: await initNodeBackend(nodeBackendOption(options.get('backend'))) });
  const points = await runSweep(preset, base, nodeRunnerEnv, {
    onPoint: (point) => print({ type: 'variant', ...point, link: `#${specToHash(point.spec)}`, spec: undefined }),
  });
  const result = { type: 'sweep', preset: preset.id, title: preset.title, settings: { ...base, methods: undefined }, points: points.map((p) => ({ ...p, link: `#${specToHash(p.spec)}`, spec: undefined })) };
  if (typeof out === 'string') await writeFile(out, JSON.stringify(result, null, 2) + '\n');
  print(result);
}
