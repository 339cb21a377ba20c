import { adapterToFiles, type AdapterDescription } from '../methods/adapter-files';
import type { MethodRun } from './method-run';
import type { TaskData } from './task-data';

/**
 * What a trained run's adapter files say about it: method and options, the task with its
 * labels and input length, the base model as the spec named it. One description for the CLI's
 * `--save-adapter` and the app's download, so both write the same files.
 */
export function runAdapterDescription(run: MethodRun, data: TaskData, baseModel: string): AdapterDescription {
  return {
    method: run.methodName,
    options: run.methodSpec.options,
    task: { id: data.info.id, kind: data.shape.kind, numLabels: data.shape.numLabels, seqLen: data.shape.seqLen, labels: data.labels },
    baseModel,
  };
}

/** A trained run's adapter_config.json text and adapter_model.safetensors bytes. */
export function runAdapterFiles(run: MethodRun, data: TaskData, baseModel: string): Promise<{ config: string; weights: Uint8Array }> {
  return adapterToFiles(run.method, run.head, runAdapterDescription(run, data, baseModel));
}
