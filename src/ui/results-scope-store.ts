import { create } from 'zustand';
import { parseExperimentSpec, type ExperimentSpec } from '../engine/experiment/spec';
import { EMPTY_CONTINUAL } from './continual/continual-store';
import { usePersistenceStore } from './persistence/persistence-store';
import type { RunRecord } from './persistence/run-db';
import { experimentLabel } from './results-scope';
import { isActive } from './run-state';
import { useAppStore, type RunStatus } from './store';
import { useSweepStore } from './sweep-store';

/**
 * Results belong to their settings. The results on screen (charts, summary, downloads, attention
 * map, a sweep's or a stream's results) are the last run's; when the experiment they describe is
 * replaced — another model or task, a link or tour step opened, a sweep preset applied — they
 * leave the screen. Every run is already in the run history (run-recorder writes it as it
 * trains), so leaving means "moved to Run history", where "Open link" brings them back.
 */

interface ResultsScopeState {
  /** The label of the results that were moved to Run history last (until the next run or dismissal). */
  archived: string | null;
  dismiss(): void;
}

export const useResultsScopeStore = create<ResultsScopeState>()((set) => ({
  archived: null,
  dismiss: () => set({ archived: null }),
}));

/** The experiment the results on screen belong to (a sweep's base experiment while it shows), or null. */
export function shownExperiment(): ExperimentSpec | null {
  const { runSpec } = useAppStore.getState();
  return runSpec ?? useSweepStore.getState().run?.variants[0]?.spec ?? null;
}

function hasResults(): boolean {
  const { runs, continual, promptMaps, runSpec } = useAppStore.getState();
  return runSpec !== null || runs.length > 0 || continual.stream !== null || promptMaps.length > 0 || useSweepStore.getState().run !== null;
}

/**
 * Clears the results on screen (they are in the run history already) and says so; nothing while a
 * run holds the worker (the results are still arriving and the settings are locked).
 */
export function archiveResults(): void {
  const app = useAppStore.getState();
  if (isActive(app.status) || !hasResults()) return;
  const shown = shownExperiment();
  const sweep = useSweepStore.getState().run;
  const label = sweep ? `sweep “${sweep.title}” · ${shown ? experimentLabel(shown, { methods: false }) : 'the previous settings'}` : shown ? experimentLabel(shown) : 'the previous run';
  app.clearResults();
  useSweepStore.getState().clear();
  usePersistenceStore.setState({ fault: null });
  useResultsScopeStore.setState({ archived: label });
}

let installed = false;

/**
 * Watches the edited spec once per page: a change of model or task leaves the results of the
 * other one behind. Finer edits (steps, rates) keep them on screen, labelled with what changed.
 */
export function installResultsScope(): void {
  if (installed) return;
  installed = true;
  useAppStore.subscribe((state, previous) => {
    if (state.status === 'loading' && previous.status !== 'loading') useResultsScopeStore.setState({ archived: null });
    if (state.spec === previous.spec) return;
    const shown = shownExperiment();
    if (!shown) return;
    if (state.spec.model !== shown.model || state.spec.task !== shown.task) archiveResults();
  });
}

function statusOf(record: RunRecord): RunStatus {
  if (record.status === 'done') return 'done';
  if (record.status === 'error') return 'error';
  return 'stopped';
}

/**
 * Run history's "Open link": the record's settings and its results together, as they were when it
 * was saved (a run that was interrupted shows what it had trained, as stopped). Refused (false)
 * while a run holds the worker.
 */
export function openRecord(record: RunRecord): boolean {
  const app = useAppStore.getState();
  if (isActive(app.status)) return false;
  const spec = parseExperimentSpec(record.spec);
  app.loadLink(spec, [], false);
  useSweepStore.getState().clear();
  usePersistenceStore.setState({ fault: null });
  useAppStore.setState({
    runSpec: spec,
    runs: record.runs,
    promptMaps: record.promptMaps ?? [],
    continual: record.continual ?? EMPTY_CONTINUAL,
    status: statusOf(record),
    progress: null,
    error: record.status === 'error' ? record.message : null,
  });
  useResultsScopeStore.setState({ archived: null });
  return true;
}
