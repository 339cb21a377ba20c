import { useEffect, useMemo, useRef } from 'react';
import { fewShotSample, validationImages, type ImageDataset } from '../../engine/data/images';
import { labelWords } from '../../engine/data/seq2seq';
import { isTaskId, taskById, type TaskInfo } from '../../engine/data/tasks';
import type { ExperimentSpec } from '../../engine/experiment/spec';
import type { Prediction } from '../../engine/experiment/prediction-events';
import type { ModelFamily } from '../../engine/models/hooks';
import type { RawImage } from '../../engine/tokenize/image-processor';
import { runTitle } from '../charts/series';
import { methodColour } from '../catalog';
import { useClassifyDataset, useImageDataset } from '../datasets';
import { useModelShape } from '../model-info';
import { builtInFamily } from '../model-switch';
import { isActive } from '../run-state';
import { useAppStore, type RunSeries } from '../store';

/**
 * "Examples and predictions": what the model sees and what each run answers. Image tasks show
 * the few-shot training images by class and, after training, the first validation images with
 * each run's predicted label; text-to-text tasks (T5) show the first validation examples with
 * their target word and each run's decoded answer. Other tasks have no per-example view.
 *
 * It follows the last run's experiment while its results are shown, else the edited one.
 */

type View = { kind: 'image' | 'text-to-text'; spec: ExperimentSpec; task: TaskInfo };

function viewOf(spec: ExperimentSpec | null, family: ModelFamily | null): View | null {
  if (!spec || !isTaskId(spec.task)) return null;
  const task = taskById(spec.task);
  if (task.kind === 'image-classify') return { kind: 'image', spec, task };
  if (task.kind === 'classify' && family === 't5') return { kind: 'text-to-text', spec, task };
  return null;
}

function useFamily(model: string): ModelFamily | null {
  const shape = useModelShape(model);
  return builtInFamily(model) ?? (shape.state === 'ready' ? shape.value.model.family : null);
}

export function ExamplesPanel() {
  const spec = useAppStore((s) => s.spec);
  const runSpec = useAppStore((s) => s.runSpec);
  const runs = useAppStore((s) => s.runs);
  const status = useAppStore((s) => s.status);
  const editedFamily = useFamily(spec.model);
  const runFamily = useFamily(runSpec?.model ?? spec.model);
  const runView = viewOf(runSpec, runFamily);
  const view = runView ?? viewOf(spec, editedFamily);
  if (!view) return null;
  const fromRun = view === runView;
  const shownRuns = fromRun ? runs : [];
  const waiting = fromRun && isActive(status);
  return (
    <section className="panel examples" aria-labelledby="examples-heading" data-testid="examples-panel" data-view={view.kind}>
      <h2 id="examples-heading">Examples and predictions</h2>
      <p className="hint">
        {view.task.title} · {fromRun ? 'the last run' : 'the edited experiment'} (seed {view.spec.seed})
      </p>
      {view.kind === 'image' ? (
        <ImageExamples spec={view.spec} task={view.task} runs={shownRuns} waiting={waiting} />
      ) : (
        <TextToTextExamples task={view.task} runs={shownRuns} waiting={waiting} />
      )}
    </section>
  );
}

/** A small image drawn from its 8-bit pixels, scaled without smoothing. */
function PixelImage({ image, label, scale = 1.5 }: { image: RawImage; label: string; scale?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const { width, height, channels, data } = image;
    const pixels = context.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const at = i * channels;
      const gray = data[at];
      pixels.data[i * 4] = channels === 1 ? gray : data[at];
      pixels.data[i * 4 + 1] = channels === 1 ? gray : data[at + 1];
      pixels.data[i * 4 + 2] = channels === 1 ? gray : data[at + 2];
      pixels.data[i * 4 + 3] = channels === 4 ? data[at + 3] : 255;
    }
    context.putImageData(pixels, 0, 0);
  }, [image]);
  return (
    <canvas
      ref={canvas}
      className="pixel-image"
      width={image.width}
      height={image.height}
      style={{ width: `${image.width * scale}px`, height: `${image.height * scale}px` }}
      role="img"
      aria-label={label}
    />
  );
}

function ImageExamples({ spec, task, runs, waiting }: { spec: ExperimentSpec; task: TaskInfo; runs: RunSeries[]; waiting: boolean }) {
  const dataset = useImageDataset(task.datasetFile);
  if (dataset.state === 'loading') return <p className="hint">Reading {task.datasetFile}…</p>;
  if (dataset.state === 'error') return <p className="field-error">Could not read the images: {dataset.error}</p>;
  return (
    <>
      <FewShotGrid dataset={dataset.value} shots={task.shotsPerClass ?? 1} seed={spec.seed} />
      <ImagePredictions dataset={dataset.value} runs={runs} waiting={waiting} />
    </>
  );
}

/** The training set of a few-shot task: the seed's k images of every class, one row per class. */
function FewShotGrid({ dataset, shots, seed }: { dataset: ImageDataset; shots: number; seed: number }) {
  // The runner draws the same sample from the same seed (prepareTaskData → fewShotSample).
  const sample = useMemo(() => {
    try {
      return { ok: true as const, images: fewShotSample(dataset, shots, seed) };
    } catch (error) {
      return { ok: false as const, error: error instanceof Error ? error.message : String(error) };
    }
  }, [dataset, shots, seed]);
  if (!sample.ok) return <p className="field-error">{sample.error}</p>;
  return (
    <figure className="fewshot" data-testid="fewshot-grid">
      <figcaption>
        Training images: {shots} per class, {sample.images.length} in all
      </figcaption>
      <div className="fewshot-classes">
        {dataset.labels.map((name, label) => {
          const images = sample.images.filter((item) => item.label === label);
          return (
            <div key={name} className="fewshot-class" data-testid="fewshot-class" data-label={name}>
              <span className="fewshot-label">{name}</span>
              {images.map((item, i) => (
                <PixelImage key={i} image={item.image} label={`training image ${i + 1} of class ${name}`} scale={1} />
              ))}
            </div>
          );
        })}
      </div>
    </figure>
  );
}

/** The validation indices any run predicted, in order. */
function predictedIndices(runs: RunSeries[]): number[] {
  const indices = new Set<number>();
  for (const run of runs) for (const p of run.predictions ?? []) indices.add(p.index);
  return [...indices].sort((a, b) => a - b);
}

function PredictionCell({ run, prediction }: { run: RunSeries; prediction: Prediction | undefined }) {
  if (!prediction) return <td className="prediction missing">—</td>;
  return (
    <td
      className={`prediction ${prediction.correct ? 'correct' : 'wrong'}`}
      data-testid="prediction"
      data-run={run.runId}
      data-correct={prediction.correct}
      data-label={prediction.label}
      title={`${runTitle(run)}: predicted ${prediction.predicted}, true ${prediction.label}`}
    >
      {prediction.predicted === '' ? '(nothing)' : prediction.predicted}
      <span aria-label={prediction.correct ? 'correct' : 'wrong'}>{prediction.correct ? ' ✓' : ' ✗'}</span>
    </td>
  );
}

function RunHeader({ run }: { run: RunSeries }) {
  const predictions = run.predictions ?? [];
  const right = predictions.filter((p) => p.correct).length;
  return (
    <th scope="row" className="run-name">
      <span className="swatch" style={{ background: methodColour(run.method) }} aria-hidden="true" />
      {runTitle(run)}
      {predictions.length > 0 && (
        <span className="hint">
          {' '}
          {right}/{predictions.length}
        </span>
      )}
    </th>
  );
}

function ImagePredictions({ dataset, runs, waiting }: { dataset: ImageDataset; runs: RunSeries[]; waiting: boolean }) {
  // The runner's validation order (prepareTaskData): the test split round-robin over labels.
  const validation = useMemo(() => validationImages(dataset), [dataset]);
  const indices = predictedIndices(runs);
  if (indices.length === 0) {
    return (
      <p className="hint">
        {waiting ? 'Training… ' : ''}After training, each run’s predictions on the first 16 validation images appear here (green ✓ right, red ✗ wrong).
      </p>
    );
  }
  const byRun = runs.map((run) => ({ run, at: new Map((run.predictions ?? []).map((p) => [p.index, p])) }));
  return (
    <div className="table-scroll">
      <table className="predictions" data-testid="image-predictions">
        <caption>Predictions on the first {indices.length} validation images</caption>
        <thead>
          <tr>
            <th scope="col">Image</th>
            {indices.map((index) => {
              const item = validation[index];
              return <th key={index} scope="col">{item ? <PixelImage image={item.image} label={`validation image ${index + 1}: ${dataset.labels[item.label]}`} /> : index}</th>;
            })}
          </tr>
          <tr>
            <th scope="row">True</th>
            {indices.map((index) => (
              <td key={index} className="true-label">
                {validation[index] ? dataset.labels[validation[index].label] : '?'}
              </td>
            ))}
          </tr>
        </thead>
        <tbody>
          {byRun.map(({ run, at }) => (
            <tr key={run.runId} data-method={run.method} data-testid="prediction-row">
              <RunHeader run={run} />
              {indices.map((index) => (
                <PredictionCell key={index} run={run} prediction={at.get(index)} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const SNIPPET_CHARS = 90;

function TextToTextExamples({ task, runs, waiting }: { task: TaskInfo; runs: RunSeries[]; waiting: boolean }) {
  const dataset = useClassifyDataset(task.datasetFile);
  if (dataset.state === 'loading') return <p className="hint">Reading {task.datasetFile}…</p>;
  if (dataset.state === 'error') return <p className="field-error">Could not read the examples: {dataset.error}</p>;
  const validation = dataset.value.splits.validation;
  const words = labelWords(dataset.value.labels);
  const predicted = predictedIndices(runs);
  const indices = predicted.length > 0 ? predicted : validation.slice(0, 8).map((_, i) => i);
  const byRun = runs.map((run) => ({ run, at: new Map((run.predictions ?? []).map((p) => [p.index, p])) }));
  return (
    <>
      <p className="hint">
        {predicted.length === 0
          ? `${waiting ? 'Training… ' : ''}The decoder’s answers (greedy decoding) on the first 16 validation examples appear here after training.`
          : 'Each run’s decoded answer (greedy decoding); it counts as right only if it equals the target word exactly.'}
      </p>
      <div className="table-scroll">
        <table className="predictions text-to-text" data-testid="text-predictions">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Encoder input</th>
              <th scope="col">Target</th>
              {byRun.map(({ run }) => (
                <RunHeaderCell key={run.runId} run={run} />
              ))}
            </tr>
          </thead>
          <tbody>
            {indices.map((index) => {
              const example = validation[index];
              const input = example ? `${task.textToTextPrefix ?? ''}${example.text}` : '';
              return (
                <tr key={index}>
                  <th scope="row">{index + 1}</th>
                  <td className="input-text" title={input.slice(0, 600)}>
                    {input.length > SNIPPET_CHARS ? `${input.slice(0, SNIPPET_CHARS)}…` : input}
                  </td>
                  <td className="target">{example ? words[example.label] : '?'}</td>
                  {byRun.map(({ run, at }) => (
                    <PredictionCell key={run.runId} run={run} prediction={at.get(index)} />
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function RunHeaderCell({ run }: { run: RunSeries }) {
  const predictions = run.predictions ?? [];
  const right = predictions.filter((p) => p.correct).length;
  return (
    <th scope="col">
      <span className="swatch" style={{ background: methodColour(run.method) }} aria-hidden="true" />
      {runTitle(run)}
      {predictions.length > 0 && <span className="hint"> {right}/{predictions.length}</span>}
    </th>
  );
}
