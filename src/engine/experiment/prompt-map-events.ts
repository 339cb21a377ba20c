import type { TextTokenizer } from '../tokenize/types';
import { isPromptShareSource, promptAttentionMap } from '../methods/prompt-attention-map';
import type { RunEvent } from './events';
import type { MethodRun } from './method-run';
import type { TaskData } from './task-data';

/**
 * After training: for each run with prompts (deep prompt, APT), the APT paper's Fig. 3 map on
 * the first validation example (its real tokens, at most `maxTokens` so the map stays legible).
 * All runs see the same example.
 */
export async function promptMapEvents(runs: MethodRun[], data: TaskData, tokenizer: TextTokenizer, maxTokens = 32): Promise<RunEvent[]> {
  const withPrompts = runs.filter((run) => isPromptShareSource(run.method));
  if (withPrompts.length === 0) return [];
  const [batch] = data.validationBatches(1);
  if (!batch) return [];
  let length = 0;
  while (length < batch.seqLen && batch.attentionMask[length] === 1) length++;
  const ids = Array.from(batch.inputIds.subarray(0, Math.min(length, maxTokens)));
  if (ids.length === 0) return [];
  const tokens = tokenizer.idsToTokens(ids);
  const events: RunEvent[] = [];
  for (const run of withPrompts) {
    events.push({ type: 'prompt-map', runId: run.runId, method: run.methodName, tokens, map: await promptAttentionMap(run.model, run.method, ids) });
  }
  return events;
}
