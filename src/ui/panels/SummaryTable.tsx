import { taskById, isTaskId } from '../../engine/data/tasks';
import { runTitle } from '../charts/series';
import { STEP_MEMORY_PARTS } from '../step-memory-parts';
import { methodColour } from '../catalog';
import { formatBytes, formatCount, formatLoss, formatMs, formatPercent, formatRate } from '../format';
import { builtInFamily } from '../model-switch';
import { useAppStore, type RunSeries } from '../store';
import { adapterDownloadBytes } from '../adapter-import';
import type { ExperimentSpec } from '../../engine/experiment/spec';
import { useCardLabels } from '../components/use-card-labels';

/** Mean tokens/s over the logged steps after the first (which includes kernel compilation). */
function liveTokensPerSec(run: RunSeries): number | null {
  if (run.summary) return run.summary.meanTokensPerSec;
  const steady = run.steps.length > 1 ? run.steps.slice(1) : run.steps;
  return steady.length ? steady.reduce((a, s) => a + s.tokensPerSec, 0) / steady.length : null;
}

/** Bytes of the file its "Download adapter" button saves (the zip, task head included), once written. */
function storedBytes(run: RunSeries): number | null {
  return run.adapterFiles ? adapterDownloadBytes(run.adapterFiles) : null;
}

/** Binomial standard error of an accuracy p over n examples: √(p(1−p)/n). */
export function accuracyStandardError(p: number, n: number): number {
  return Math.sqrt((p * (1 - p)) / n);
}

/** The run's spec with NOLA's `adapter` option set: the experiment a link should carry. */
/** The run's experiment carrying its trained adapter, with no steps: Run then only evaluates it. */
function withNolaAdapter(spec: ExperimentSpec, text: string): ExperimentSpec {
  return { ...spec, steps: 0, methods: spec.methods.map((m) => (m.name === 'nola' ? { name: m.name, options: { ...m.options, adapter: text } } : m)) };
}

/**
 * One row per run, filled live and completed by the run's summary: the text alternative to
 * the charts and the numbers people compare methods by.
 */
export function SummaryTable() {
  const ownRuns = useAppStore((s) => s.runs);
  const importedRuns = useAppStore((s) => s.importedRuns);
  const runs = [...ownRuns, ...importedRuns];
  // Narrow screens show one card per run, each value labelled with its column.
  const tableRef = useCardLabels();
  const runSpec = useAppStore((s) => s.runSpec);
  const setSpec = useAppStore((s) => s.setSpec);
  const metric = runSpec && isTaskId(runSpec.task) ? taskById(runSpec.task).metric : 'accuracy';
  const family = runSpec ? builtInFamily(runSpec.model) : null;
  // T5 answers in words: a prediction counts only when the whole decoded target matches.
  const metricHeader = metric === 'perplexity' ? 'Val perplexity' : family === 't5' ? 'Val accuracy (exact match)' : 'Val accuracy';
  // NOLA's compact encoding (seed + quantized coefficients) is what a link carries: its own column.
  const hasLinkEncoding = runs.some((run) => run.method === 'nola');
  const tokensTitle =
    family === 'vit' ? 'Image patches per second (each image is its patch tokens)' : family === 't5' ? 'Encoder input + decoder target tokens per second' : 'Input tokens per second';
  return (
    <section className="panel" aria-labelledby="summary-heading">
      <h2 id="summary-heading">Summary per run</h2>
      {runs.length === 0 ? (
        <p className="hint">Press Run to train the selected methods; their numbers appear here as they come in.</p>
      ) : (
        <div className="table-scroll">
          <table className="summary" data-testid="summary-table" ref={tableRef}>
            <thead>
              <tr>
                <th scope="col">Method</th>
                <th scope="col">Trainable params</th>
                <th scope="col">Head params</th>
                <th scope="col">% of model</th>
                <th scope="col">Val loss</th>
                <th scope="col">{metricHeader}</th>
                <th scope="col" title="Binomial standard error of the accuracy, √(p(1−p)/n), in percentage points">± std. error</th>
                <th scope="col" title="Validation examples the accuracy is over (language modelling: target tokens)">Validated on</th>
                <th scope="col" title={tokensTitle}>
                  {family === 'vit' ? 'Patches/s' : 'Tokens/s'}
                </th>
                <th scope="col">Run memory</th>
                <th scope="col" title="One training step's peak: frozen weights + trainable parameters + optimizer state + gradients + activations (the chart below splits it)">Step peak</th>
                <th scope="col" title="Size of the file Download adapter saves: a zip of adapter_config.json and adapter_model.safetensors (float32 tensors, task head included)">Stored adapter</th>
                {hasLinkEncoding ? (
                  <th scope="col" title="NOLA's compact encoding in a share link: seed + quantized coefficients (language modelling, no trained head)">Link encoding</th>
                ) : null}
                <th scope="col" title="tfjs's peak on the shared device while the runs trained together">Peak GPU memory (all runs)</th>
                <th scope="col">Wall time</th>
                <th scope="col">Steps</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const lastEval = run.evals.at(-1) ?? null;
                const tokens = liveTokensPerSec(run);
                const peak = run.summary?.peakGpuBytes ?? run.steps.at(-1)?.peakGpuBytes ?? null;
                const own = run.steps.at(-1)?.runBytes ?? null;
                const headline = lastEval ? (metric === 'perplexity' ? lastEval.perplexity : lastEval.accuracy) : null;
                return (
                  <tr key={run.runId} data-method={run.method} data-run={run.runId} data-imported={run.importedFrom === undefined ? undefined : 'true'}>
                    <th scope="row">
                      <span className="swatch" style={{ background: methodColour(run.method) }} aria-hidden="true" />
                      {runTitle(run)}
                    </th>
                    <td data-col="trainable" data-value={run.trainable.method}>
                      {formatCount(run.trainable.method)}
                    </td>
                    <td data-col="head" data-value={run.trainable.head}>
                      {formatCount(run.trainable.head)}
                    </td>
                    <td data-col="percent">{formatPercent(run.trainable.method / run.totalParams)}</td>
                    <td data-col="val-loss" data-value={lastEval?.loss ?? ''}>
                      {lastEval ? formatLoss(lastEval.loss) : '—'}
                    </td>
                    <td data-col="metric">
                      {headline === null ? '—' : metric === 'perplexity' ? headline.toFixed(2) : `${(headline * 100).toFixed(1)}%`}
                    </td>
                    <td data-col="metric-se" data-value={metric !== 'perplexity' && headline !== null && lastEval?.count ? accuracyStandardError(headline, lastEval.count) : ''}>
                      {metric !== 'perplexity' && headline !== null && lastEval?.count ? `± ${(accuracyStandardError(headline, lastEval.count) * 100).toFixed(1)}%` : '—'}
                    </td>
                    <td data-col="eval-count" data-value={lastEval?.count ?? ''}>
                      {lastEval?.count ? `${formatCount(lastEval.count)} ${metric === 'perplexity' ? 'tokens' : 'examples'}` : '—'}
                    </td>
                    <td data-col="tokens">{tokens === null ? '—' : formatRate(tokens)}</td>
                    <td data-col="run-memory" data-value={own ?? ''}>{own === null ? '—' : formatBytes(own)}</td>
                    <td data-col="step-peak" data-value={stepPeak(run) ?? ''} title={stepPeakParts(run)}>
                      {stepPeak(run) === null ? '—' : formatBytes(stepPeak(run)!)}
                    </td>
                    <td
                      data-col="stored"
                      data-value={storedBytes(run) ?? ''}
                      title={storedBytes(run) === null ? (run.method === 'full' ? 'Full fine-tuning has no adapter: its file would be the whole model' : 'Known once the run has finished') : undefined}
                    >
                      {storedBytes(run) === null ? '—' : formatBytes(storedBytes(run)!)}
                    </td>
                    {hasLinkEncoding ? (
                      <td data-col="link" data-value={run.nolaAdapter?.bytes ?? ''}>
                        {run.nolaAdapter ? formatBytes(run.nolaAdapter.bytes) : '—'}
                        {run.nolaAdapter && runSpec && run.importedFrom === undefined ? (
                          <button
                            type="button"
                            data-testid="nola-adapter-link"
                            title="The address bar then holds this run's experiment with its trained coefficients: opening that link loads them, no training needed"
                            onClick={() => setSpec(withNolaAdapter(runSpec, run.nolaAdapter!.text))}
                          >
                            Put in the link
                          </button>
                        ) : null}
                      </td>
                    ) : null}
                    <td data-col="peak-gpu">{peak === null ? '—' : formatBytes(peak)}</td>
                    <td data-col="wall">{run.summary ? formatMs(run.summary.wallMs) : 'running'}</td>
                    <td data-col="steps">{run.summary?.steps ?? run.steps.at(-1)?.step ?? 0}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A run's training-step peak (the sum of its parts), once measured. */
function stepPeak(run: RunSeries): number | null {
  const m = run.summary?.stepMemory;
  return m ? STEP_MEMORY_PARTS.reduce((sum, part) => sum + m[part.key], 0) : null;
}

function stepPeakParts(run: RunSeries): string | undefined {
  const m = run.summary?.stepMemory;
  return m ? STEP_MEMORY_PARTS.map((part) => `${part.label} ${formatBytes(m[part.key])}`).join(' + ') : undefined;
}
