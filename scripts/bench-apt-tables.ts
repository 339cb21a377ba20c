/**
 * What the two APT benchmarks share: the analytic extra-FLOPs table (engine formulas) and the
 * Markdown tables of measured rows.
 */
import { aptExtraFlops } from '../src/engine/methods/apt';
import { deepPromptExtraFlops, fullTokenDeepPromptExtraFlops } from '../src/engine/methods/deep-prompt';
import type { AptKernelTiming, AptTrainingBenchRow } from '../src/lab/apt';

interface Shape {
  name: string;
  hidden: number;
  layers: number;
  heads: number;
  mlpHidden: number;
  vocab: number;
}

export const FLOP_SHAPES: Array<Shape & { n: number; batch: number }> = [
  { name: 'tiny-gpt2', hidden: 128, layers: 4, heads: 4, mlpHidden: 512, vocab: 2048, n: 64, batch: 8 },
  { name: 'GPT-2 small', hidden: 768, layers: 12, heads: 12, mlpHidden: 3072, vocab: 50257, n: 256, batch: 8 },
  // ViLT on VQA: 40 text + 145 image tokens; the paper's APT setting p = 200, r = 4.
  { name: 'ViLT-B/32-like (no LM head)', hidden: 768, layers: 12, heads: 12, mlpHidden: 3072, vocab: 0, n: 185, batch: 8 },
];

/** Forward FLOPs of the frozen model per batch: linears, attention, LM head (for scale). */
export function frozenForwardFlops(s: Shape, n: number, batch: number): number {
  const d = s.hidden;
  const perToken = 2 * (4 * d * d + 2 * d * s.mlpHidden) + 2 * d * s.vocab / s.layers;
  return batch * s.layers * (n * perToken + 4 * n * n * d);
}

export interface FlopRow {
  shape: string;
  n: number;
  batch: number;
  p: number;
  frozen: number;
  deepPrompt: number;
  fullTokenDeepPrompt: number;
  apt: number;
  aptSavingVsDeepPrompt: number;
  aptSavingVsFullToken: number;
}

export function flopRows(ps: number[] = [50, 200]): FlopRow[] {
  const rows: FlopRow[] = [];
  for (const s of FLOP_SHAPES) {
    for (const p of ps) {
      const deepPrompt = deepPromptExtraFlops(s, s.n, s.batch, p);
      const fullTokenDeepPrompt = fullTokenDeepPromptExtraFlops(s, s.n, s.batch, p);
      const apt = aptExtraFlops(s, s.n, s.batch, { length: p, r: 4, variant: 'low-rank' });
      rows.push({
        shape: s.name,
        n: s.n,
        batch: s.batch,
        p,
        frozen: frozenForwardFlops(s, s.n, s.batch),
        deepPrompt,
        fullTokenDeepPrompt,
        apt,
        aptSavingVsDeepPrompt: 1 - apt / deepPrompt,
        aptSavingVsFullToken: 1 - apt / fullTokenDeepPrompt,
      });
    }
  }
  return rows;
}

const g = (flops: number) => (flops / 1e9).toFixed(3);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function flopTable(rows: FlopRow[]): string {
  return [
    '| model (n tokens, batch) | p | frozen fwd GFLOP | deep prompt (K/V only) extra | deep prompt as full tokens (paper baseline) extra | APT r=4 extra | APT saves vs K/V-only | APT saves vs full-token |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.shape} (${r.n}, ${r.batch}) | ${r.p} | ${g(r.frozen)} | ${g(r.deepPrompt)} (+${pct(r.deepPrompt / r.frozen)}) | ${g(r.fullTokenDeepPrompt)} (+${pct(r.fullTokenDeepPrompt / r.frozen)}) | ${g(r.apt)} (+${pct(r.apt / r.frozen)}) | ${pct(r.aptSavingVsDeepPrompt)} | ${pct(r.aptSavingVsFullToken)} |`),
  ].join('\n');
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);

export function trainingTable(rows: AptTrainingBenchRow[]): string {
  const lines = [
    '| p | run | backend | trainable | step ms median (samples) | step peak MiB | extra fwd MFLOP (analytic) | time / deep prompt | memory / deep prompt |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const deep = rows.find((x) => x.session === r.session && x.method === 'deep-prompt')!;
    lines.push(
      `| ${r.p} | ${r.label} | ${r.backend} | ${r.trainableParams.toLocaleString('en-US')} | ${r.stepMsMedian.toFixed(0)} (${r.stepMsSamples.map((x) => x.toFixed(0)).join(', ')}) | ${mib(r.stepPeakBytes)} | ${(r.extraFlops / 1e6).toFixed(1)} | ${(r.stepMsMedian / deep.stepMsMedian).toFixed(2)} | ${(r.stepPeakBytes / deep.stepPeakBytes).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

export function kernelTable(rows: AptKernelTiming[]): string {
  const lines = ['| n | p | d | implementation | fwd+bwd ms median (samples) | fused / twin |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const twin = rows.find((x) => x.n === r.n && x.p === r.p && x.d === r.d && x.implementation === 'twin');
    lines.push(`| ${r.n} | ${r.p} | ${r.d} | ${r.implementation} | ${r.medianMs.toFixed(1)} (${r.samplesMs.map((x) => x.toFixed(0)).join(', ')}) | ${twin ? (r.medianMs / twin.medianMs).toFixed(2) : '–'} |`);
  }
  return lines.join('\n');
}
