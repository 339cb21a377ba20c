import type { SweepPreset } from '../sweep';

/**
 * NOLA against LoRA r = 1 and r = 4 on the same targets (q, v), NOLA's Table 1/2 comparison at
 * playground scale. NOLA at its tiny-gpt2 defaults (k = l = 100, r = 8: 1,600 parameters,
 * 0.78× LoRA r = 1's 2,048 as in the paper's GPT-2 L row) with shared bases (the paper's fast
 * variant); each method trains at the experiment's rate for its group (NOLA's default is the
 * paper's GPT-2 rate, 0.1). Language modelling on e-mail text: NOLA's GPT-2 results are
 * generation tasks, and an LM run has no task head, so trainable counts compare the adapters alone.
 */
export const nolaVsLora: SweepPreset = {
  id: 'nola-vs-lora',
  title: 'NOLA vs LoRA r=1 vs LoRA r=4 (NOLA Tables 1–2)',
  description:
    'NOLA (A and B as mixtures of k = l = 100 frozen random bases shared across layers; only the 200 mixing coefficients ' +
    'per matrix train) against LoRA of rank 1 and 4 on the same query and value matrices. NOLA trains fewer parameters ' +
    'than LoRA r=1 and stores them in under a kilobyte at 4 bits. The chart plots each run’s final validation loss against ' +
    'its trainable parameters; the table adds stored bytes and speed.',
  models: ['tiny-gpt2'],
  settings: { task: 'lm-spam', seqLen: 32, batchSize: 8, steps: 60, eval: { every: 20, maxBatches: 8 } },
  chart: 'params',
  variants: () => [
    { label: 'NOLA k=l=100 (shared bases)', method: { name: 'nola', options: { k: 100, l: 100, r: 8, shared: true, targets: ['q', 'v'] } } },
    { label: 'LoRA r=1', method: { name: 'lora', options: { r: 1, alpha: 2, targets: ['q', 'v'] } } },
    { label: 'LoRA r=4', method: { name: 'lora', options: { r: 4, alpha: 8, targets: ['q', 'v'] } } },
  ],
};
