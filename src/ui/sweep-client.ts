import type { ExperimentSpec } from '../engine/experiment/spec';
import { sweepPoint, sweepSpecs, type SweepPreset } from '../engine/experiment/sweep';
import { useAppStore } from './store';
import { useSweepStore } from './sweep-store';
import { startRun } from './training-client';

/**
 * Runs a sweep in the app: each variant is an ordinary one-method run in the training worker,
 * started when the previous one ended (the worker keeps the checkpoint loaded between them).
 * The live charts show the variant in progress; the sweep store collects each finished one.
 * Stop (or an error) ends the sweep after the variant in progress.
 */
export async function runSweepInApp(preset: SweepPreset, base: ExperimentSpec): Promise<void> {
  const sweep = useSweepStore.getState();
  const variants = sweepSpecs(preset, base);
  sweep.begin({
    presetId: preset.id,
    title: preset.title,
    chart: preset.chart,
    variants: variants.map(({ label, spec }) => ({ label, spec, status: 'pending', point: null })),
  });
  for (let i = 0; i < variants.length; i++) {
    const { label, spec } = variants[i];
    sweep.updateVariant(i, { status: 'running' });
    const outcome = await startRun(spec);
    const summary = outcome.summaries[0];
    if (useAppStore.getState().status === 'done' && summary) {
      sweep.updateVariant(i, { status: 'done', point: sweepPoint(label, spec, summary) });
      continue;
    }
    const failed = outcome.error !== null;
    sweep.updateVariant(i, { status: failed ? 'failed' : 'stopped' });
    sweep.end(failed ? 'failed' : 'stopped');
    return;
  }
  sweep.end('done');
}
