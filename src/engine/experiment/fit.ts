import { methodInfo } from '../methods/catalog';
import type { ExperimentSpec } from './spec';

/**
 * Why a spec's sequences would not fit a model's learned positions: the input (seqLen) plus any
 * rows a method prepends (PT's and DePT's prompts) must be ≤ n_positions. One sentence per
 * problem, for the runner's error and the app's disabled Run button alike. Models whose prompts
 * need no positions (ViT, T5's relative positions: maxPositions null) always fit.
 */
export function sequenceFitProblems(spec: Pick<ExperimentSpec, 'seqLen' | 'methods'>, maxPositions: number | null): string[] {
  const problems = new Set<string>();
  if (maxPositions === null) return [];
  if (spec.seqLen > maxPositions) problems.add(`sequence length ${spec.seqLen} exceeds the model's context of ${maxPositions} tokens`);
  for (const m of spec.methods) {
    const prefix = methodInfo(m.name).prefixLength?.(m.options) ?? 0;
    if (prefix > 0 && spec.seqLen + prefix > maxPositions) {
      problems.add(`sequence length ${spec.seqLen} + ${prefix} prompt tokens (${m.name}) exceeds the model's context of ${maxPositions} tokens`);
    }
  }
  return [...problems];
}
