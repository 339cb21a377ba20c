import type { TextTokenizer } from '../tokenize/types';
import { Gpt2Model } from '../models/gpt2';
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
  // GPT-2 runs only for now: the map's columns are the tokens of one decoder-only forward.
  const withPrompts = runs.filter((run) => isPromptShareSource(run.method) && run.model instanceof Gpt2Model);
  if (withPrompts.length === 0) return [];
  const [batch] = data.validationBatches(1);
  // The map labels its columns with tokens: text batches only (a ViT row is patches).
  if (!batch || (batch.kind !== 'lm' && batch.kind !== 'classify')) return [];
  let length = 0;
  while (length < batch.seqLen && batch.attentionMask[length] === 1) length++;
  const ids = Array.from(batch.inputIds.subarray(0, Math.min(length, maxTokens)));
  if (ids.length === 0) return [];
  // Each column's text as a reader sees it: the token decoded (" the", "\n"), not the
  // vocabulary's byte-level spelling ("Ġthe", "Ċ"); an id the tokenizer lacks (a padded
  // vocabulary) is labelled by its number.
  const tokens = tokenizer.idsToTokens(ids).map((token, i) => (token === null ? `#${ids[i]}` : tokenizer.decode([ids[i]]) || token));
  const events: RunEvent[] = [];
  for (const run of withPrompts) {
    events.push({ type: 'prompt-map', runId: run.runId, method: run.methodName, tokens, map: await promptAttentionMap(run.model as Gpt2Model, run.method, ids) });
  }
  return events;
}
