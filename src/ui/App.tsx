import { ChartsPanel } from './charts/ChartsPanel';
import { ContinualView, useShowsStream } from './continual/ContinualView';
import { BackendBanner } from './panels/BackendBanner';
import { ExamplesPanel } from './panels/ExamplesPanel';
import { GuidedTour } from './panels/GuidedTour';
import { Header } from './panels/Header';
import { LinkNotices } from './panels/LinkNotices';
import { MethodsPanel } from './panels/MethodsPanel';
import { ModelPanel } from './panels/ModelPanel';
import { ProgressStatus } from './panels/ProgressStatus';
import { ResultsHeading } from './panels/ResultsHeading';
import { PromptAttentionMapPanel } from './panels/PromptAttentionMap';
import { RunExportPanel } from './panels/RunExport';
import { AdapterPanel } from './panels/AdapterPanel';
import { RunControls } from './panels/RunControls';
import { FaultNotice } from './panels/FaultNotice';
import { RunHistory } from './panels/RunHistory';
import { SummaryTable } from './panels/SummaryTable';
import { SweepPanel } from './panels/SweepPanel';
import { SweepResults } from './charts/SweepResults';
import { TaskPanel } from './panels/TaskPanel';
import { TrainingPanel } from './panels/TrainingPanel';
import { isActive } from './run-state';
import { useAppStore } from './store';
import { useEffect, useState } from 'react';
import { NARROW_QUERY, useMediaQuery } from './layout/use-media-query';
import { ViewTabs, type View } from './layout/ViewTabs';

export function App() {
  // While a run holds the worker the settings are read-only: what is shown is what runs.
  const locked = useAppStore((s) => isActive(s.status));
  const status = useAppStore((s) => s.status);
  // A task stream's results are per task and strategy, not per step and method.
  const stream = useShowsStream();
  // Wide: results (Run first) and settings side by side, the results column in view while the
  // settings scroll. Narrow: Run on top, then settings and results as two tabs.
  const narrow = useMediaQuery(NARROW_QUERY);
  const [view, setView] = useState<View>('settings');
  // A run that starts is watched: on a phone its tab comes to the front.
  useEffect(() => {
    if (status === 'loading') setView('results');
  }, [status]);

  const settings = (
    <form className="setup" id="settings" aria-label="Experiment settings" tabIndex={-1} onSubmit={(event) => event.preventDefault()}>
      <ModelPanel disabled={locked} />
      <TaskPanel disabled={locked} />
      <MethodsPanel disabled={locked} />
      <TrainingPanel disabled={locked} />
      <SweepPanel disabled={locked} />
    </form>
  );
  const results = (
    <div className="results" id="results" tabIndex={-1} aria-label={narrow ? undefined : 'Run and results'} role={narrow ? undefined : 'region'}>
      {!narrow && <RunControls />}
      <RunHistory />
      <FaultNotice />
      <ProgressStatus />
      <ResultsHeading />
      <SweepResults />
      {stream ? (
        <ContinualView />
      ) : (
        <>
          <ChartsPanel />
          <SummaryTable />
          {/* The map belongs to the runs just summarised: beside their numbers. */}
          <PromptAttentionMapPanel />
        </>
      )}
      <ExamplesPanel />
      <RunExportPanel />
      <AdapterPanel />
      <GuidedTour />
    </div>
  );
  return (
    <>
      {!narrow && (
        <a className="skip-link" href="#settings">
          Skip to settings
        </a>
      )}
      <Header />
      <BackendBanner />
      <LinkNotices />
      {narrow ? (
        <main className="layout layout-narrow" data-layout="narrow">
          <RunControls />
          <ViewTabs view={view} onChange={setView} panels={{ settings, results }} />
        </main>
      ) : (
        <main className="layout layout-wide" data-layout="wide">
          {results}
          {settings}
        </main>
      )}
    </>
  );
}
