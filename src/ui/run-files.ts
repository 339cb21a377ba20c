import type { BackendInfo } from '../engine/backend';
import { parseRunExport, runExportText, type RunExport } from '../engine/experiment/run-export';
import type { ExperimentSpec } from '../engine/experiment/spec';
import type { RunSeries } from './store';
import type { SweepRunState } from './sweep-store';

function withoutSpec<T extends { spec: unknown }>(point: T): Omit<T, 'spec'> {
  const { spec: _spec, ...rest } = point;
  return rest;
}

/** The export file of this page's runs (and its sweep's finished points, if a sweep ran). */
export function exportRunsText(spec: ExperimentSpec, runs: readonly RunSeries[], backend: BackendInfo | null, sweep: SweepRunState | null, now = new Date()): string {
  return runExportText({
    spec,
    environment: {
      backend: backend?.backend ?? 'unknown',
      adapter: backend?.adapter ?? 'unknown',
      userAgent: typeof navigator === 'undefined' ? 'unknown' : navigator.userAgent,
      date: now.toISOString(),
    },
    runs: runs.map((run) => ({ runId: run.runId, method: run.method, trainable: run.trainable, totalParams: run.totalParams, steps: run.steps, evals: run.evals, summary: run.summary })),
    sweep: sweep
      ? {
          presetId: sweep.presetId,
          title: sweep.title,
          // A point's spec is its variant's: written once.
          variants: sweep.variants.map((v) => ({ label: v.label, spec: v.spec, point: v.point ? withoutSpec(v.point) : null })),
        }
      : null,
  });
}

/**
 * An export file's runs as the store holds them, labelled with their machine. `serial` keeps
 * their ids apart from this page's runs and from other imports.
 */
export function importedRunSeries(file: RunExport, serial: number): RunSeries[] {
  const machine = file.environment.adapter || file.environment.backend;
  return file.runs.map((run) => ({ ...run, runId: `imported-${serial}/${run.runId}`, importedFrom: machine }));
}

export { parseRunExport };
