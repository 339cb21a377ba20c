import { z } from 'zod';
import { METHOD_NAMES } from '../methods/catalog';
import type { MethodName } from '../methods/types';
import { parseExperimentSpec, type ExperimentSpec } from './spec';

/**
 * A file of finished runs: the experiment, each run's metric stream and summary, and the machine
 * it ran on, so that runs made on different GPUs can be compared on the same charts. An imported
 * file is untrusted input like a link: validated whole (every field, sizes capped), errors name
 * the field path, nothing of a bad file is kept. The spec inside is validated by the spec schema
 * (it is shown, never run).
 */
export const RUN_EXPORT_FORMAT = 'peft-playground/runs';
export const RUN_EXPORT_VERSION = 1;
/** Files larger than this are refused before parsing. */
export const MAX_RUN_EXPORT_BYTES = 20 * 1024 * 1024;

export class RunExportError extends Error {
  override name = 'RunExportError';
}

/** JSON turns NaN and ±Infinity into null; a diverged loss comes back as NaN. */
const lossValue = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const measure = z.number().min(0);
const share = z.number().min(0).max(1);
const text = (max: number) => z.string().max(max);

const stepSchema = z
  .object({ step: count, loss: lossValue, stepMs: measure, tokensPerSec: measure, gpuBytes: measure, peakGpuBytes: measure, runBytes: measure })
  .strict();

// count: what the metric is over (examples, or tokens for perplexity); absent in exports made before it.
const evalSchema = z.object({ step: count, loss: lossValue, accuracy: share.nullable(), perplexity: z.number().min(0).nullable(), count: count.optional() }).strict();

const trainableSchema = z.object({ method: count, head: count }).strict();
const methodName = z.enum(METHOD_NAMES as [MethodName, ...MethodName[]]);

const summarySchema = z
  .object({
    runId: text(64),
    method: methodName,
    trainable: trainableSchema,
    storedBytes: measure,
    totalParams: count,
    steps: count,
    finalTrainLoss: lossValue.nullable(),
    finalEval: z.object({ step: count, loss: lossValue, perplexity: z.number().min(0).nullable(), accuracy: share.nullable(), count, examples: count.optional() }).strict().nullable(),
    meanTokensPerSec: measure.nullable(),
    meanStepMs: measure.nullable(),
    peakGpuBytes: measure,
    runBytes: measure.nullable(),
    stepExtraBytes: measure.nullable(),
    // Files exported before the breakdown existed have none.
    stepMemory: z
      .object({ weights: measure, trainable: measure, optimizer: measure, gradients: measure, activations: measure, keptActivations: measure })
      .strict()
      .nullable()
      .default(null),
    wallMs: measure,
  })
  .strict();

const runSchema = z
  .object({
    runId: text(64),
    method: methodName,
    trainable: trainableSchema,
    totalParams: count.min(1),
    steps: z.array(stepSchema).max(100_000),
    evals: z.array(evalSchema).max(10_000),
    summary: summarySchema.nullable(),
  })
  .strict();

const environmentSchema = z
  .object({
    /** tfjs backend name: webgpu, webgl, wasm, cpu. */
    backend: text(32),
    /** The GPU adapter (or wasm build) as the backend reports it. */
    adapter: text(500),
    userAgent: text(1000),
    /** ISO date of the export. */
    date: text(64),
  })
  .strict();

const sweepPointSchema = z
  .object({
    label: text(200),
    trainableParams: count,
    headParams: count,
    storedBytes: measure,
    metric: z.object({ name: z.enum(['accuracy', 'validation loss']), value: z.number(), higherIsBetter: z.boolean() }).strict().nullable(),
    meanStepMs: measure.nullable(),
    meanTokensPerSec: measure.nullable(),
    trainingPeakBytes: measure.nullable(),
  })
  .strict();

const sweepSchema = z
  .object({
    presetId: text(64),
    title: text(200),
    /** Each variant's spec is a link's content: validated like the top-level spec. */
    variants: z.array(z.object({ label: text(200), spec: z.unknown(), point: sweepPointSchema.nullable() }).strict()).max(64),
  })
  .strict();

const fileSchema = z
  .object({
    format: z.literal(RUN_EXPORT_FORMAT),
    version: z.literal(RUN_EXPORT_VERSION),
    spec: z.unknown(),
    environment: environmentSchema,
    runs: z.array(runSchema).min(1).max(64),
    sweep: sweepSchema.nullable().default(null),
  })
  .strict();

type RawFile = z.infer<typeof fileSchema>;
export type ExportedRun = RawFile['runs'][number];
export type RunEnvironment = RawFile['environment'];
export type ExportedSweep = Omit<RawFile['sweep'] & object, 'variants'> & {
  variants: Array<{ label: string; spec: ExperimentSpec; point: z.infer<typeof sweepPointSchema> | null }>;
};

export interface RunExport {
  format: typeof RUN_EXPORT_FORMAT;
  version: typeof RUN_EXPORT_VERSION;
  spec: ExperimentSpec;
  environment: RunEnvironment;
  runs: ExportedRun[];
  sweep: ExportedSweep | null;
}

/** The file's content for a set of runs (NaN losses become null, as JSON has no NaN). */
export function runExportText(content: Omit<RunExport, 'format' | 'version'>): string {
  return JSON.stringify({ format: RUN_EXPORT_FORMAT, version: RUN_EXPORT_VERSION, ...content }, null, 1);
}

function specAt(value: unknown, path: string): ExperimentSpec {
  try {
    return parseExperimentSpec(value);
  } catch (error) {
    throw new RunExportError(`run export field "${path}": ${(error as Error).message}`);
  }
}

/**
 * Parses an exported file's text. Throws a RunExportError naming the field path (e.g.
 * `run export field "runs.0.steps.3.loss": …`) for anything that is not a complete, valid export.
 */
export function parseRunExport(textContent: string): RunExport {
  if (textContent.length > MAX_RUN_EXPORT_BYTES) throw new RunExportError(`run export: the file is larger than ${MAX_RUN_EXPORT_BYTES / 1024 / 1024} MiB`);
  let json: unknown;
  try {
    json = JSON.parse(textContent);
  } catch (error) {
    throw new RunExportError(`run export: not JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RunExportError('run export: expected a JSON object');
  const format = (json as Record<string, unknown>).format;
  if (format !== RUN_EXPORT_FORMAT) {
    throw new RunExportError(`run export field "format": expected "${RUN_EXPORT_FORMAT}", got ${JSON.stringify(format)?.slice(0, 80) ?? 'nothing'} — not a run export of this app`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RunExportError(`run export field "${issue.path.join('.')}": ${issue.message}`);
  }
  const file = parsed.data;
  const spec = specAt(file.spec, 'spec');
  file.runs.forEach((run, i) => {
    if (run.summary && run.summary.method !== run.method) throw new RunExportError(`run export field "runs.${i}.summary.method": "${run.summary.method}" differs from the run's method "${run.method}"`);
  });
  const runIds = new Set(file.runs.map((r) => r.runId));
  if (runIds.size !== file.runs.length) throw new RunExportError('run export field "runs": two runs share a runId');
  const sweep: ExportedSweep | null = file.sweep
    ? { ...file.sweep, variants: file.sweep.variants.map((v, i) => ({ ...v, spec: specAt(v.spec, `sweep.variants.${i}.spec`) })) }
    : null;
  return { format: RUN_EXPORT_FORMAT, version: RUN_EXPORT_VERSION, spec, environment: file.environment, runs: file.runs, sweep };
}
