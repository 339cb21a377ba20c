import type { SweepPreset } from '../sweep';

/**
 * APT against deep prompt tuning at equal p (APT's Table 1 comparison at playground scale),  Deep prompts take no positions, so p does not eat into
 * tiny-gpt2's 128-token context; p ∈ {16, 64}: two sizes keep the sweep a few minutes long.
 */
export const aptVsDeepPrompt: SweepPreset = {
  id: 'apt-vs-deep-prompt',
  title: 'APT vs deep prompt at equal p (APT Table 1)',
  description:
    'Deep prompt tuning (p rows per layer joining each attention’s keys and values) against APT (the same p rows per layer ' +
    'added beside the attention through a ReLU-gated aggregation, K = P′·W1·W2 + P′ with r = 4, and a scale e^s), at ' +
    'p = 16 and p = 64. APT skips the prompts’ key/value projections and the softmax over them. The chart plots each ' +
    'run’s final metric against its time per step and its training memory.',
  models: ['tiny-gpt2'],
  settings: { task: 'spam', seqLen: 48, batchSize: 8, steps: 60, eval: { every: 20, maxBatches: 8 } },
  chart: 'cost',
  variants: () =>
    [16, 64].flatMap((p) => [
      { label: `deep prompt p=${p}`, method: { name: 'deep-prompt' as const, options: { length: p } } },
      { label: `APT p=${p} r=4`, method: { name: 'apt' as const, options: { length: p, r: 4, variant: 'low-rank' } } },
    ]),
};
