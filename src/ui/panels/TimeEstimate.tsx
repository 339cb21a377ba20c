import { useEffect } from 'react';
import { assumedFlopsPerMs, trainingStepFlops } from '../../engine/experiment/time-estimate';
import { isStreamTaskId } from '../continual/stream-switch';
import { useModelShape, useTaskShape } from '../model-info';
import { experimentLabel } from '../results-scope';
import { useAppStore } from '../store';
import { formatDuration, useStepRateStore } from '../time-estimate';

/** The FLOP rate an estimate uses: measured on this page if a run finished, else assumed for the backend. */
export function useFlopRate(): { flopsPerMs: number; measuredOn: string | null } {
  const measured = useStepRateStore((s) => s.measured);
  const backend = useAppStore((s) => s.backend);
  if (measured) return { flopsPerMs: measured.flopsPerMs, measuredOn: measured.on };
  return { flopsPerMs: assumedFlopsPerMs(backend?.backend ?? null, backend?.adapter ?? null), measuredOn: null };
}

function gflops(flopsPerMs: number): string {
  const perSecond = (flopsPerMs * 1000) / 1e9;
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toPrecision(2);
}

/** "Estimated time: about 4 min (an estimate: …)" for a plan of `flops`; "…" while shapes load. */
export function PlanTimeEstimate({ flops, what }: { flops: number | null; what: string }) {
  const { flopsPerMs, measuredOn } = useFlopRate();
  return (
    <p className="hint plan-estimate" data-testid="plan-estimate" data-ms={flops === null ? '' : Math.round(flops / flopsPerMs)}>
      <strong>Estimated time {what}:</strong>{' '}
      {flops === null
        ? '… (reading the model’s shape)'
        : `${formatDuration(flops / flopsPerMs)} — an estimate from the model’s FLOPs (${(flops / 1e9).toPrecision(3)} GFLOP) at ${gflops(flopsPerMs)} GFLOP/s, ` +
          (measuredOn ? `the rate measured on this page (${measuredOn})` : 'a rate assumed for this backend until a run on this page measures it') +
          '; compiling the GPU kernels adds to the first step.'}
    </p>
  );
}

/**
 * Renders nothing: when a side-by-side run finishes, its steps' FLOPs over their measured time
 * become the rate the plans' estimates use.
 */
export function StepRateCalibrator() {
  const runSpec = useAppStore((s) => s.runSpec);
  const runs = useAppStore((s) => s.runs);
  const status = useAppStore((s) => s.status);
  const spec = runSpec ?? useAppStore.getState().spec;
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  useEffect(() => {
    if (status !== 'done' || !runSpec || isStreamTaskId(runSpec.task) || model.state !== 'ready' || task.state !== 'ready') return;
    let flops = 0;
    let ms = 0;
    runs.forEach((run) => {
      const index = Number(run.runId.split(':')[0]);
      const method = runSpec.methods[index] ?? runSpec.methods.find((m) => m.name === run.method);
      const stepMs = run.summary?.meanStepMs;
      if (!method || !stepMs) return;
      flops += trainingStepFlops(model.value.shape, task.value, method, runSpec.batchSize);
      ms += stepMs;
    });
    if (ms > 0) useStepRateStore.setState({ measured: { flopsPerMs: flops / ms, on: experimentLabel(runSpec) } });
  }, [status, runSpec, runs, model, task]);
  return null;
}
