import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { specToHash } from '../../engine/experiment/link';
import { paretoFront, type SweepMetric, type SweepPoint } from '../../engine/experiment/sweep';
import { methodInfo } from '../../engine/methods/catalog';
import type { MethodName } from '../../engine/methods/types';
import { methodColour } from '../catalog';
import { formatBytes, formatCount, formatLoss, formatMs, formatRate } from '../format';
import { logAxisTicks } from './log-ticks';
import { useSweepStore, type SweepRunState, type SweepVariantState } from '../sweep-store';

/**
 * A sweep's results: the final metric of every variant against its cost (time per step,
 * training memory) or side by side as bars, and the table with each run's link. Points and
 * bars take their method's colour; the table is the text alternative to the charts.
 */

const AXIS = { stroke: '#3f3f46', tick: { fill: '#27272a', fontSize: 12 } };

function metricText(point: SweepPoint | null): string {
  const metric = point?.metric;
  if (!metric) return '—';
  return metric.name === 'accuracy' ? `${(metric.value * 100).toFixed(1)}%` : formatLoss(metric.value);
}

function metricLabel(run: SweepRunState): string {
  const name = run.variants.find((v) => v.point?.metric)?.point?.metric?.name ?? 'final metric';
  return name === 'accuracy' ? 'Validation accuracy' : name === 'validation loss' ? 'Validation loss (lower is better)' : 'Final metric';
}

/** A chart point opens its own run as an experiment (the same link as in the table). */
function openPointLink(item: unknown): void {
  const link = (item as { payload?: { link?: string } }).payload?.link;
  if (link) location.hash = link;
}

function runLink(variant: SweepVariantState): string {
  return `#${specToHash(variant.spec)}`;
}

/** A chart point: x, y, its run's label, method (its colour) and link. */
interface ChartPoint {
  x: number;
  y: number;
  label: string;
  method: MethodName;
  link: string;
}

/** A metric as the charts' value axis shows it: accuracy in %, a loss as it is. */
function plotted(metric: SweepMetric): number {
  return metric.name === 'accuracy' ? metric.value * 100 : metric.value;
}

/** A run's point: its metric (accuracy in %) over `x`. */
function chartPoint(p: SweepPoint, x: number): ChartPoint {
  const y = p.metric ? plotted(p.metric) : 0;
  return { x, y, label: p.label, method: p.spec.methods[0].name, link: `#${specToHash(p.spec)}` };
}

/**
 * The runs as labelled points in their method's colour; a click opens the run as an experiment.
 * A function, not a component: recharts only recognises its own elements among a chart's children.
 */
function runPoints(data: ChartPoint[]) {
  return (
    <Scatter data={data} isAnimationActive={false} cursor="pointer" onClick={(item) => openPointLink(item)}>
      {data.map((d) => (
        <Cell key={d.label} fill={methodColour(d.method)} />
      ))}
      <LabelList dataKey="label" position="top" fontSize={11} fill="#27272a" />
    </Scatter>
  );
}

interface CostChartProps {
  title: string;
  xLabel: string;
  points: SweepPoint[];
  x(point: SweepPoint): number | null;
  formatX(value: number): string;
  yLabel: string;
  testId: string;
}

function CostChart({ title, xLabel, points, x, formatX, yLabel, testId }: CostChartProps) {
  const data = points.flatMap((p) => {
    const xValue = x(p);
    return xValue !== null && p.metric ? [chartPoint(p, xValue)] : [];
  });
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div className="chart-canvas" aria-hidden="true">
        <ResponsiveContainer width="100%" height={260}>
          <ScatterChart margin={{ top: 20, right: 24, bottom: 20, left: 8 }}>
            <CartesianGrid stroke="#d4d4d8" strokeDasharray="3 3" />
            <XAxis type="number" dataKey="x" name={xLabel} domain={['auto', 'auto']} tickFormatter={formatX} label={{ value: xLabel, position: 'insideBottom', offset: -12, fontSize: 12 }} {...AXIS} />
            <YAxis type="number" dataKey="y" name={yLabel} domain={['auto', 'auto']} width={64} {...AXIS} />
            <Tooltip formatter={(value, name) => (name === xLabel && typeof value === 'number' ? formatX(value) : String(typeof value === 'number' ? Number(value.toPrecision(4)) : value))} />
            {runPoints(data)}
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** Metric against trainable parameters (log axis), with the Pareto front as a line. */
function ParamsChart({ points, yLabel }: { points: SweepPoint[]; yLabel: string }) {
  const toDatum = (p: SweepPoint) => chartPoint(p, p.trainableParams);
  const data = points.filter((p) => p.metric && p.trainableParams > 0).map(toDatum);
  const front = paretoFront(points).filter((p) => p.trainableParams > 0).map(toDatum);
  // recharts' own ticks are linear even on a log scale (repeated, misplaced labels whose React
  // keys collide): whole decades with 1-2-5 ticks or powers of ten instead.
  const axis = logAxisTicks(data.map((d) => d.x));
  return (
    <figure className="chart" data-testid="sweep-chart-params" data-front={front.map((d) => d.label).join('|')} data-points={data.map((d) => d.label).join('|')}>
      <figcaption>
        {yLabel} vs trainable parameters (log scale); the line joins the runs nothing beats with fewer parameters
      </figcaption>
      <div className="chart-canvas" aria-hidden="true">
        <ResponsiveContainer width="100%" height={280}>
          <ScatterChart margin={{ top: 20, right: 24, bottom: 20, left: 8 }}>
            <CartesianGrid stroke="#d4d4d8" strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="x"
              name="trainable parameters"
              scale="log"
              domain={axis?.domain ?? ['auto', 'auto']}
              ticks={axis?.ticks}
              interval={0}
              tickFormatter={formatCount} label={{ value: 'trainable parameters', position: 'insideBottom', offset: -12, fontSize: 12 }} {...AXIS} />
            <YAxis type="number" dataKey="y" name={yLabel} domain={['auto', 'auto']} width={64} {...AXIS} />
            <Tooltip />
            <Scatter data={front} line={{ stroke: '#52525b', strokeDasharray: '4 3' }} shape={() => <g />} isAnimationActive={false} legendType="none" />
            {runPoints(data)}
          </ScatterChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function MetricBars({ run, yLabel }: { run: SweepRunState; yLabel: string }) {
  const data = run.variants.flatMap((v) =>
    v.point?.metric ? [{ label: v.label, value: plotted(v.point.metric), method: v.spec.methods[0].name }] : [],
  );
  return (
    <figure className="chart" data-testid="sweep-chart-bars">
      <figcaption>{yLabel} per run</figcaption>
      <div className="chart-canvas" aria-hidden="true">
        <ResponsiveContainer width="100%" height={260}>
          <BarChart data={data} margin={{ top: 20, right: 16, bottom: 4, left: 8 }}>
            <CartesianGrid stroke="#d4d4d8" strokeDasharray="3 3" />
            <XAxis dataKey="label" interval={0} {...AXIS} />
            {/* Bars start at zero (a bar's length is its value); a zero value still shows a sliver. */}
            <YAxis domain={[0, 'auto']} width={64} {...AXIS} />
            <Tooltip />
            <Bar dataKey="value" name={yLabel} isAnimationActive={false} minPointSize={2}>
              {data.map((d) => (
                <Cell key={d.label} fill={methodColour(d.method)} />
              ))}
              <LabelList dataKey="value" position="top" fontSize={11} formatter={(v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(4)) : '')} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

const STATUS_TEXT: Record<SweepVariantState['status'], string> = { pending: 'waiting', running: 'training', done: 'done', stopped: 'stopped', failed: 'failed' };

export function SweepResults() {
  const run = useSweepStore((s) => s.run);
  if (!run) return null;
  const points = run.variants.flatMap((v) => (v.point ? [v.point] : []));
  const yLabel = metricLabel(run);
  const yAxis = yLabel.startsWith('Validation accuracy') ? `${yLabel} (%)` : yLabel;
  const current = run.variants.find((v) => v.status === 'running');
  return (
    <section className="panel" aria-labelledby="sweep-results-heading" data-testid="sweep-results" data-status={run.status}>
      <h2 id="sweep-results-heading">Sweep: {run.title}</h2>
      <p className="hint" aria-live="polite">
        {points.length} of {run.variants.length} runs done
        {current ? `; training ${current.label}` : run.status === 'done' ? '.' : ` (${run.status}).`}
      </p>
      {run.chart === 'cost' && points.length > 0 && (
        <div className="chart-grid">
          <CostChart title={`${yLabel} vs time per step`} xLabel="ms per step" points={points} x={(p) => p.meanStepMs} formatX={(v) => formatMs(v)} yLabel={yAxis} testId="sweep-chart-time" />
          <CostChart
            title={`${yLabel} vs training memory`}
            xLabel="training memory"
            points={points}
            x={(p) => p.trainingPeakBytes}
            formatX={formatBytes}
            yLabel={yAxis}
            testId="sweep-chart-memory"
          />
        </div>
      )}
      {run.chart === 'bars' && points.length > 0 && <MetricBars run={run} yLabel={yAxis} />}
      {run.chart === 'params' && points.length > 0 && <ParamsChart points={points} yLabel={yAxis} />}
      <div className="table-scroll">
        <table className="summary" data-testid="sweep-table">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Trainable params</th>
              <th scope="col">Stored adapter</th>
              <th scope="col">Tokens per sequence</th>
              <th scope="col">Time per step</th>
              <th scope="col">Tokens/s</th>
              <th scope="col" title="The run's own tensors plus what its last training step allocated on top (activations, gradients)">
                Training memory
              </th>
              <th scope="col">{yLabel}</th>
              <th scope="col">Replay</th>
            </tr>
          </thead>
          <tbody>
            {run.variants.map((v) => {
              const method = v.spec.methods[0];
              const prefix = methodInfo(method.name).prefixLength?.(method.options) ?? 0;
              const p = v.point;
              return (
                <tr key={v.label} data-status={v.status} data-label={v.label}>
                  <th scope="row">
                    <span className="swatch" style={{ background: methodColour(method.name) }} aria-hidden="true" />
                    {v.label}
                  </th>
                  <td>{STATUS_TEXT[v.status]}</td>
                  <td data-testid="sweep-trainable">{p ? formatCount(p.trainableParams) : '—'}</td>
                  <td>{p ? formatBytes(p.storedBytes) : '—'}</td>
                  <td>{v.spec.seqLen + prefix}</td>
                  <td>{p?.meanStepMs != null ? formatMs(p.meanStepMs) : '—'}</td>
                  <td>{p?.meanTokensPerSec != null ? formatRate(p.meanTokensPerSec) : '—'}</td>
                  <td>{p?.trainingPeakBytes != null ? formatBytes(p.trainingPeakBytes) : '—'}</td>
                  <td data-testid="sweep-metric" data-value={p?.metric?.value ?? ''}>
                    {metricText(p)}
                  </td>
                  <td>
                    <a href={runLink(v)} aria-label={`open ${v.label} as its own experiment`}>
                      link
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
