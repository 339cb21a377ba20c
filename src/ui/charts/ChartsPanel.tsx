import { useMemo } from 'react';
import { formatBytes, formatLoss, formatRate } from '../format';
import { builtInFamily } from '../model-switch';
import { useAppStore } from '../store';
import { MetricChart } from './MetricChart';
import { lossChartData, runTitle, stepChartData } from './series';
import { StepMemoryChart, type StepMemoryRow } from './StepMemoryChart';

export function ChartsPanel() {
  const ownRuns = useAppStore((s) => s.runs);
  const importedRuns = useAppStore((s) => s.importedRuns);
  const runs = useMemo(() => [...ownRuns, ...importedRuns], [ownRuns, importedRuns]);
  const ownMaxStep = useAppStore((s) => s.runSpec?.steps ?? s.spec.steps);
  // Imported runs may have trained longer than this page's experiment: the axis holds them all.
  const maxStep = importedRuns.reduce((max, r) => Math.max(max, r.steps.at(-1)?.step ?? 0, r.evals.at(-1)?.step ?? 0), ownMaxStep);
  const loss = useMemo(() => lossChartData(runs), [runs]);
  // A ViT's tokens are its image patches.
  const patches = useAppStore((s) => builtInFamily((s.runSpec ?? s.spec).model) === 'vit');
  const speed = useMemo(() => stepChartData(runs, (p) => p.tokensPerSec), [runs]);
  const memory = useMemo(() => stepChartData(runs, (p) => p.runBytes), [runs]);
  // The step's peak by part is measured on one profiled step, so it appears when a run ends.
  const stepMemory = useMemo(
    () => runs.flatMap((run): StepMemoryRow[] => (run.summary?.stepMemory ? [{ runId: run.runId, label: runTitle(run), memory: run.summary.stepMemory }] : [])),
    [runs],
  );
  return (
    <section className="panel charts" aria-labelledby="charts-heading">
      <h2 id="charts-heading">Live comparison</h2>
      <div className="chart-grid">
        <MetricChart
          title="Loss vs step (solid: train, dashed: validation)"
          description="Training loss at every logged step and validation loss at each evaluation, one colour per method."
          data={loss}
          maxStep={maxStep}
          format={formatLoss}
          testId="chart-loss"
        />
        <MetricChart
          title={patches ? 'Throughput: image patches per second' : 'Throughput: tokens per second'}
          description={`Training ${patches ? 'image patches' : 'tokens'} processed per second at each logged step, per method.`}
          data={speed}
          maxStep={maxStep}
          format={formatRate}
          fromZero
          testId="chart-speed"
        />
        <MetricChart
          title="Memory held by each run"
          description="Bytes of each run's own tensors after each logged step: its copy of the base weights, its trainable tensors and their Adam state. Activations come and go within a step and are not included."
          data={memory}
          maxStep={maxStep}
          format={formatBytes}
          fromZero
          testId="chart-memory"
        />
        {stepMemory.length > 0 ? <StepMemoryChart rows={stepMemory} /> : null}
      </div>
    </section>
  );
}
