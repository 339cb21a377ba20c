import { specToHash } from '../engine/experiment/link';
import { DEFAULT_SPEC, parseExperimentSpec, type ExperimentSpec } from '../engine/experiment/spec';
import { sweepPresetById } from '../engine/experiment/presets';
import { withSweepSettings } from '../engine/experiment/sweep';

/**
 * The guided tour (issue #9): a few steps a teacher can run in class, each a link to an
 * experiment (and, for the last, a sweep preset) with one paragraph on what to look at.
 * Plain data, so the tests check that every link parses as written.
 */
export interface TourStep {
  id: string;
  title: string;
  paragraph: string;
  spec: ExperimentSpec;
  /** A sweep preset the step selects as well (the link carries its settings). */
  presetId?: string;
}

function spec(partial: Record<string, unknown>): ExperimentSpec {
  return parseExperimentSpec({ ...DEFAULT_SPEC, ...partial });
}

export const TOUR_STEPS: readonly TourStep[] = [
  {
    id: 'what-trains',
    title: '1. What does each method train?',
    paragraph:
      'Full fine-tuning updates every weight of the model, head-only training updates only the small classifier on top, and LoRA ' +
      'adds a low-rank pair beside the query and value projections of every layer. Press Run, then compare the “Trainable params” ' +
      'and “Val accuracy” columns of the summary, and open “Where do the parameters live?” under each method.',
    spec: spec({ task: 'spam', methods: [{ name: 'full', options: {} }, { name: 'head', options: {} }, { name: 'lora', options: { r: 8 } }] }),
  },
  {
    id: 'pt-vs-dept',
    title: '2. Prompt tuning vs DePT at the same budget',
    paragraph:
      'Prompt tuning prepends 60 trained vectors to every input; DePT spends the same number of parameters as 30 prompt vectors ' +
      'plus a low-rank update of the input embeddings. The sequence is 30 tokens shorter, so each step is cheaper: compare the ' +
      'tokens/s and memory charts, and whether accuracy holds.',
    spec: spec({ task: 'spam', seqLen: 24, methods: [{ name: 'prompt', options: { length: 60 } }, { name: 'dept', options: { length: 30, budget: 60 } }] }),
  },
  {
    id: 'nola-vs-lora',
    title: '3. NOLA vs LoRA: fewer numbers than rank 1',
    paragraph:
      'NOLA builds each LoRA matrix from 100 frozen random bases regenerated from a seed, and trains only the mixing coefficients: ' +
      'fewer parameters than LoRA of rank 1, and a link encoding of well under a kilobyte. Run both on e-mail language modelling ' +
      'and compare the validation loss, the trainable parameters, the stored adapter (the downloaded file) and NOLA’s link encoding.',
    spec: spec({
      task: 'lm-spam',
      seqLen: 32,
      methods: [
        { name: 'lora', options: { r: 1, alpha: 2, targets: ['q', 'v'] } },
        { name: 'nola', options: { k: 100, l: 100, r: 8, shared: true, targets: ['q', 'v'] } },
      ],
    }),
  },
  {
    id: 'params-vs-accuracy',
    title: '4. Parameters vs accuracy across all methods',
    paragraph:
      'The sweep trains every method at two budgets, one after another, and plots final accuracy against trainable parameters on a ' +
      'log axis. The dashed line is the Pareto front: the runs nothing beats with fewer parameters. Click a point to open that run; ' +
      'ask which methods sit on the front and why.',
    spec: withSweepSettings(spec({ methods: [{ name: 'lora', options: {} }] }), sweepPresetById('params-vs-accuracy').settings),
    presetId: 'params-vs-accuracy',
  },
];

/** The link of a step, as the address bar would hold it. */
export function tourStepHash(step: TourStep): string {
  return `#${specToHash(step.spec)}`;
}
