import type { RunEvent } from './events';
import { runExperiment, type RunnerEnv, type RunnerExtras } from './runner';
import type { ExperimentSpec } from './spec';
import { sweepPoint, sweepSpecs, type SweepPoint, type SweepPreset } from './sweep';

/**
 * Runs every variant of a sweep, one experiment after another (Node: the CLI and tests; the app
 * drives the same specs through its worker). `onPoint` hears each finished variant.
 */
export async function runSweep(
  preset: SweepPreset,
  base: ExperimentSpec,
  env: RunnerEnv,
  options: { emit?: (event: RunEvent) => void; onPoint?: (point: SweepPoint) => void; extras?: RunnerExtras } = {},
): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  for (const { label, spec } of sweepSpecs(preset, base)) {
    const [summary] = await runExperiment(spec, env, options.emit ?? (() => {}), undefined, options.extras);
    const point = sweepPoint(label, spec, summary);
    points.push(point);
    options.onPoint?.(point);
  }
  return points;
}
