import { DEPT_PAPER_LENGTHS } from '../../methods/dept-info';
import type { SweepPreset, SweepVariant } from '../sweep';

/** Vanilla PT's length that DePT's budget is matched to (the paper's l = 100). */
const PT_LENGTH = 100;

/**
 * DePT's Fig. 3: PT with l = 100 against DePT at the same parameter count with m ∈ {0, …, 80}.
 * tiny-gpt2 has 128 positions, so the inputs are 24 tokens long (24 + 100 ≤ 128); the spam task
 * still carries its signal in an e-mail's first 24 tokens (subject and sender).
 */
export const deptVsPt: SweepPreset = {
  id: 'dept-vs-pt',
  title: 'DePT vs prompt tuning at equal parameters (DePT Fig. 3)',
  description:
    'Vanilla prompt tuning with 100 virtual tokens against DePT with m ∈ {0, 20, 40, 60, 80} prompt tokens and the low-rank ' +
    'update sized to the same parameter count. A shorter prompt means a shorter sequence: less time and memory per step. ' +
    'The chart plots each run’s final metric against its time per step and its training memory.',
  models: ['tiny-gpt2'],
  settings: { task: 'spam', seqLen: 24, batchSize: 8, steps: 60, eval: { every: 20, maxBatches: 8 } },
  chart: 'cost',
  variants: () => [
    { label: `PT l=${PT_LENGTH}`, method: { name: 'prompt', options: { length: PT_LENGTH } } },
    ...DEPT_PAPER_LENGTHS.map(
      (m): SweepVariant => ({ label: `DePT m=${m}`, method: { name: 'dept', options: { length: m, budget: PT_LENGTH } } }),
    ),
  ],
};

/**
 * DePT's Fig. 5: two learning rates (large for the prompt, small for A·B) against one rate for
 * both, at either of the two values.
 */
export const deptLearningRates: SweepPreset = {
  id: 'dept-learning-rates',
  title: 'DePT: two learning rates vs one (DePT Fig. 5)',
  description:
    'DePT (m = 60, matched to PT with l = 100) trained three ways: its prompt and its low-rank pair each with their own ' +
    'learning rate (the paper’s design), and both with one rate — the prompt’s or the low-rank pair’s. The paper finds one ' +
    'rate collapses quality.',
  models: ['tiny-gpt2'],
  settings: { task: 'spam', seqLen: 24, batchSize: 8, steps: 60, eval: { every: 20, maxBatches: 8 } },
  chart: 'bars',
  variants: (base) => {
    const { prompt, lowrank } = base.optimizer.lr;
    const method = { name: 'dept' as const, options: { length: 60, budget: PT_LENGTH } };
    return [
      { label: `two rates (prompt ${prompt}, A·B ${lowrank})`, method },
      { label: `one rate ${prompt} for both`, method, lr: { lowrank: prompt } },
      { label: `one rate ${lowrank} for both`, method, lr: { prompt: lowrank } },
    ];
  },
};
