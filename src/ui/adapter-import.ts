import { isTaskId, TASKS, taskById, taskFamilyProblem, taskKindOn } from '../engine/data/tasks';
import type { HostTensor } from '../engine/io/safetensors';
import { parseAdapterFiles, type AdapterDescription } from '../engine/methods/adapter-files';
import { adapterFamilyProblem, adapterFromChosenFiles, adapterZip } from '../engine/methods/adapter-package';
import { AdapterError } from '../engine/methods/types';
import { parseExperimentSpec, type ExperimentSpec } from '../engine/experiment/spec';
import type { ModelFamily, ModelShape } from '../engine/models/hooks';

/**
 * The app's side of adapter files: the download's name and bytes, and reading what a user chose
 * into an adapter the next run starts from. Pure functions (no React, no worker), so the checks
 * are tested in Node exactly as the page runs them.
 */

/** A chosen adapter, parsed and checked against the selected model; nothing applied yet. */
export interface ImportedAdapter {
  fileName: string;
  description: AdapterDescription;
  /** Parsed tensors (task head under its own names), sent to the worker with the run. */
  tensors: Map<string, HostTensor>;
  /** Things that do not stop the run but the user should know (another base model). */
  warnings: string[];
}

/** A file name part from a model id, folder or URL: its last segment, safe in any file system. */
function namePart(value: string): string {
  const last = value.replace(/[/\\]+$/, '').split(/[/\\]/).pop() ?? value;
  return last.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

/** `<model>-<task>-<method>-adapter.zip`, e.g. "tiny-gpt2-spam-lora-adapter.zip". */
export function adapterZipName(model: string, task: string, method: string): string {
  return `${namePart(model)}-${namePart(task)}-${namePart(method)}-adapter.zip`;
}

/** The zip the app downloads: the two files exactly as `train --save-adapter` writes them. */
export function adapterDownload(files: { config: string; weights: Uint8Array }): Uint8Array {
  return adapterZip(files);
}

const downloadBytes = new WeakMap<object, number>();

/** Bytes of the file "Download adapter" saves (the zip itself, measured once per run's files). */
export function adapterDownloadBytes(files: { config: string; weights: Uint8Array }): number {
  let bytes = downloadBytes.get(files);
  if (bytes === undefined) {
    bytes = adapterDownload(files).length;
    downloadBytes.set(files, bytes);
  }
  return bytes;
}

/**
 * Reads a chosen `.zip` (or the two files) and checks it against the selected model: the
 * family must pose the adapter's task as it was trained (a text-to-text adapter needs T5, an
 * image one ViT), and another base model than the selected one is a warning that names both.
 * Tensor names and shapes are checked when the run applies them, before anything is assigned.
 */
export function readChosenAdapter(
  chosen: ReadonlyArray<{ name: string; bytes: Uint8Array }>,
  model: string,
  family: ModelFamily,
  /** The selected model's shape (a file PEFT wrote is read against it) and the selected task (such a file names none). */
  selected: { shape?: ModelShape; taskId?: string } = {},
): ImportedAdapter {
  const { configText, weights } = adapterFromChosenFiles(chosen);
  const parsed = parseAdapterFiles(configText, weights, selected.shape);
  const tensors = parsed.tensors;
  let description = parsed.description;
  const familyProblem = adapterFamilyProblem(description, family);
  if (familyProblem) throw new AdapterError(`${familyProblem}; choose a ${kindsHint(description)} model first`);
  if (description.peft) description = { ...description, task: { ...description.task, id: peftTaskChoice(description, family, selected.taskId) } };
  const taskId = description.task.id;
  if (!isTaskId(taskId)) throw new AdapterError(`adapter_config.json: field "peft_playground.task.id": "${taskId}" is not a task this app knows`);
  const task = taskById(taskId);
  const taskProblem = taskFamilyProblem(task, family);
  if (taskProblem) throw new AdapterError(taskProblem);
  if (task.stream) throw new AdapterError(`task "${taskId}" is a task stream; its strategies' modules are not adapters`);
  const kind = taskKindOn(task, family);
  if (kind !== description.task.kind) throw new AdapterError(`it was trained for task "${taskId}" posed as ${description.task.kind}; a ${family} model poses it as ${kind}`);
  const warnings: string[] = [];
  if (description.baseModel !== model) {
    warnings.push(
      `This adapter was trained on base model "${description.baseModel || 'unknown'}"; the selected model is "${model}". Its tensors are checked against "${model}" when the run starts.`,
    );
  }
  const fileName = chosen.length === 1 ? chosen[0].name : chosen.map((f) => f.name).join(' + ');
  return { fileName, description, tensors, warnings };
}

/**
 * The task a PEFT-made adapter runs on: its file says only the kind (task_type), so the selected
 * task, when the model poses it as that kind; the head's label count is checked when the run loads it.
 */
function peftTaskChoice(description: AdapterDescription, family: ModelFamily, selectedTaskId: string | undefined): string {
  const kind = description.task.kind;
  const fits = (id: string) => isTaskId(id) && !taskById(id).stream && !taskFamilyProblem(taskById(id), family) && taskKindOn(taskById(id), family) === kind;
  if (selectedTaskId && fits(selectedTaskId)) return selectedTaskId;
  const fitting = TASKS.map((t) => t.id).filter(fits);
  const labels = description.task.numLabels ? ` with ${description.task.numLabels} labels` : '';
  throw new AdapterError(
    `written by PEFT (peft_type ${description.peft!.peftType}, task_type ${description.peft!.taskType ?? 'none'}), it names no task: select a ${kind} task${labels} first (${fitting.join(', ') || 'none on this model'})`,
  );
}

function kindsHint(description: AdapterDescription): string {
  return description.task.kind === 'image-classify' ? 'ViT' : description.task.kind === 'seq2seq' ? 'T5' : 'GPT-2';
}

/**
 * The experiment that starts from the adapter: its method and options, its task, the input
 * length it was trained at (DePT's update is sized by it; images keep the model's patches), the
 * page's other settings, and `steps` (0 = evaluate the adapter as it is).
 */
export function specForAdapter(spec: ExperimentSpec, description: AdapterDescription, steps: number): ExperimentSpec {
  const seqLen = description.task.kind !== 'image-classify' && description.task.seqLen !== undefined ? description.task.seqLen : spec.seqLen;
  return parseExperimentSpec({ ...spec, task: description.task.id, methods: [{ name: description.method, options: description.options }], seqLen, steps });
}
