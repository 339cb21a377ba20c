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

export function App() {
  // While a run holds the worker the settings are read-only: what is shown is what runs.
  const locked = useAppStore((s) => isActive(s.status));
  // A task stream's results are per task and strategy, not per step and method.
  const stream = useShowsStream();
  return (
    <>
      <a className="skip-link" href="#results">
        Skip to results
      </a>
      <Header />
      <BackendBanner />
      <LinkNotices />
      <main className="layout">
        <form className="setup" aria-label="Experiment settings" onSubmit={(event) => event.preventDefault()}>
          <ModelPanel disabled={locked} />
          <TaskPanel disabled={locked} />
          <MethodsPanel disabled={locked} />
          <TrainingPanel disabled={locked} />
          <SweepPanel disabled={locked} />
        </form>
        <div className="results" id="results" tabIndex={-1}>
          <RunHistory />
          <RunControls />
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
      </main>
    </>
  );
}
