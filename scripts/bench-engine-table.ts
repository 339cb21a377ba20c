/** The engine scorecard (bench/engine.json) as Markdown: what `npm run bench:engine` prints. */
import type { CheckpointMode, EngineReport, EngineRow } from '../src/engine/bench/engine-report';
import type { Stat } from '../src/engine/bench/stats';

const MIB = 2 ** 20;
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (s: Stat | null) => (s ? `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : '—');
const ratio = (s: Stat | null) => (s ? `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : '—');
const mib = (b: number | null) => (b === null ? '—' : (b / MIB).toFixed(b < 10 * MIB ? 2 : 1));
const x = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));

/** A row's value in one checkpointing mode: the number, "n/a" where the mode is not available, "failed". */
function inMode(rows: readonly EngineRow[], base: EngineRow, mode: CheckpointMode, value: (r: EngineRow) => string): string {
  const row = rows.find((r) => r.model === base.model && r.method === base.method && r.checkpoint === mode);
  if (!row || row.status === 'not available') return 'n/a';
  if (row.status === 'failed') return 'failed';
  return value(row);
}

export function scorecardMarkdown(report: EngineReport): string {
  const lines: string[] = [];
  const rate = report.matmulRate.gflops;
  lines.push(
    `Engine scorecard (${report.mode}) · ${report.commit ?? "no commit"} · ${report.backend.backend} (${report.backend.adapter}, ${report.backend.threading}) · ${report.machine.cpu} × ${report.machine.cores} · ${report.date}`,
    `Host load average (1/5/15 min) at the start ${report.machine.loadAverage.start.map((l) => l.toFixed(1)).join('/')}, at the end ${report.machine.loadAverage.end.map((l) => l.toFixed(1)).join('/')} on ${report.machine.cores} cores: other work makes step times noisy; bytes, kernel counts and FLOPs are exact.`,
    `Backend matmul ${report.matmulRate.m}×${report.matmulRate.k}×${report.matmulRate.n}: ${rate.median.toFixed(1)} GFLOP/s (${rate.min.toFixed(1)}–${rate.max.toFixed(1)}, ${report.matmulRate.repeats} repeats) at the start` +
      (report.matmulRateEnd ? `, ${report.matmulRateEnd.gflops.median.toFixed(1)} at the end` : ''),
    `Measured steps per run after warm-up: ${[...new Set(report.rows.map((r) => r.model))].map((m) => `${m} ${Math.max(...report.rows.filter((r) => r.model === m).map((r) => r.stepMsSamples.length))}`).join(', ')} (tiny-gpt2 in ${report.config.rounds} rounds, the peer after each); the runs of a model alternate step by step; then one step each under tf.profile for kernels and bytes.`,
    report.checkpointing.available ? `Activation checkpointing: ${report.checkpointing.note}.` : `Activation checkpointing (off / on columns): ${report.checkpointing.note}.`,
    '',
  );
  const off = report.rows.filter((r) => r.checkpoint === 'none');
  const prompts = off.filter((r) => r.family === 'gpt2' && r.prefixLength > 0);
  if (prompts.length > 0) {
    lines.push(`GPT-2's 128 (1024) positions hold prompt + input: ${prompts.map((r) => `${r.model} ${r.method} runs ${r.inputLength} input + ${r.prefixLength} prompt tokens`).join('; ')}.`, '');
  }
  lines.push(
    '| model | method | tokens (input + prompt) | trainable | step ms (median, min–max) | step ms, ckpt on | tokens/s | kernels/step | top kernels | peak step MiB (off / on) | kept MiB (off / on) | kept floats/(token·block·d) (off / on) | GFLOP/step | GFLOP/s (% of matmul) |',
    '|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|',
  );
  for (const r of off) {
    if (r.status === 'failed') {
      lines.push(`| ${r.model} | ${r.label} | ${r.inputLength}${r.prefixLength ? ` + ${r.prefixLength}` : ''} | ${int(r.trainableParams)} | failed: ${r.error} | | | | | | | | | |`);
      continue;
    }
    const both = (f: (row: EngineRow) => string) => `${f(r)} / ${inMode(report.rows, r, 'blocks', f)}`;
    lines.push(
      [
        r.model,
        r.label,
        `${r.inputLength}${r.prefixLength ? ` + ${r.prefixLength}` : ''}${r.targetLength ? ` (dec ${r.targetLength})` : ''}`,
        int(r.trainableParams),
        ms(r.stepMs),
        inMode(report.rows, r, 'blocks', (b) => ms(b.stepMs)),
        r.tokensPerSec === null ? '—' : int(r.tokensPerSec),
        r.kernelCalls === null ? '—' : int(r.kernelCalls),
        r.topKernels
          .slice(0, 3)
          .map((k) => `${k.name} ${k.count}`)
          .join(', '),
        both((row) => mib(row.peakStepBytes)),
        both((row) => mib(row.keptBytes)),
        both((row) => x(row.keptFloatsPerTokenBlockD, 1)),
        (r.flops.total / 1e9).toFixed(2),
        r.achievedGflops === null ? '—' : `${r.achievedGflops.toFixed(1)} (${((r.fractionOfMatmulRate ?? 0) * 100).toFixed(0)}%)`,
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    );
  }

  if (report.loraOverFull.length > 0) {
    lines.push('', 'LoRA / full fine-tuning (time: per-step pairs, the runs alternating):', '', '| model | checkpointing | step time (median, min–max) | pairs | peak step bytes | kept bytes |', '|---|---|---:|---:|---:|---:|');
    for (const q of report.loraOverFull) lines.push(`| ${q.model} | ${q.checkpoint === 'none' ? 'off' : 'on'} | ${ratio(q.stepTime)} | ${q.pairs} | ${x(q.peakStepBytes)} | ${x(q.keptBytes)} |`);
  }

  const g = report.gpt2Small;
  lines.push('');
  if (!g.included) lines.push(`GPT-2-small LoRA: ${g.reason}.`);
  else {
    const verdict = (mode: CheckpointMode) => {
      const row = report.rows.find((r) => r.model === 'gpt2-small-random' && r.checkpoint === mode);
      if (!row || row.status === 'not available') return 'not available';
      if (row.status === 'failed') return `${g.fits4GiB[mode] === false ? 'does not fit 4 GiB — ' : ''}failed (${row.error})`;
      const fits = g.fits4GiB[mode];
      return `${mib(row.peakTotalBytes)} MiB (run ${mib(row.runBytes)} + step peak ${mib(row.peakStepBytes)}): ${fits === null ? 'unknown' : fits ? 'fits' : 'does not fit'} 4 GiB`;
    };
    lines.push(`GPT-2-small LoRA r=8 q,v, 8 × 256 — checkpointing off: ${verdict('none')}; on: ${verdict('blocks')}.`);
  }

  const p = report.peer;
  lines.push('');
  if (!p.available) lines.push(`PyTorch peer: not run — ${p.reason}.`);
  else {
    lines.push(
      `PyTorch peer (torch ${p.torch}, ${p.threads} thread; ${p.command}), alternating with ours round by round:`,
      '',
      '| model | method | B × T (peer) | ours ms per round | torch ms per round | ours / torch step time (median, min–max) | kept MiB ours / torch | kept ratio | torch floats/(token·block·d) |',
      '|---|---|---|---|---|---:|---:|---:|---:|',
    );
    for (const c of p.comparisons) {
      lines.push(
        `| ${c.model} | ${c.method} | ${c.batch} × ${c.peerSeq} | ${c.rounds.map((r) => (r.oursMs === null ? '—' : r.oursMs.toFixed(0))).join(', ') || '—'} | ${c.rounds.map((r) => r.peerMs.toFixed(0)).join(', ') || '—'} | ${ratio(c.stepTimeRatio)} | ${mib(c.oursKeptBytes)} / ${mib(c.peerSavedBytes)} | ${x(c.keptBytesRatio)} | ${x(c.peerFloatsPerTokenBlockD, 1)} |` +
          (c.error ? ` ${c.error}` : ''),
      );
    }
  }
  lines.push(
    '',
    'Peak step bytes: tf.profile peakBytes − bytes before the step. Kept: bytes alive at the end of the forward pass inside tf.variableGrads − bytes before the step − the loss scalar. ' +
      'GFLOP/step: analytic matmul FLOPs, forward + backward (src/engine/bench/step-flops.ts). tokens/s: input tokens (no prompt rows; images: patches).',
  );
  return lines.join('\n');
}
