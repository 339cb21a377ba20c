/** bench/gpu.json as Markdown: what `npm run bench:gpu` prints. */
import type { GpuReport } from '../src/engine/bench/gpu-report';

const num = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const mib = (b: number | null) => (b === null ? '–' : (b / 2 ** 20).toFixed(1));
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

export function gpuReportMarkdown(report: GpuReport): string {
  const lines: string[] = [];
  lines.push(`## bench:gpu (${report.mode}) — ${report.adapter.description}`);
  lines.push('');
  lines.push(`Roofline: matMul ${report.roofline.m}³ at ${num(report.roofline.gflops.median)} GFLOP/s (min ${num(report.roofline.gflops.min)}, max ${num(report.roofline.gflops.max)}).`);
  lines.push('');
  lines.push('| model | method | batch | step ms | tokens/s | dispatches | per block | peak step MiB | of roofline |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of report.rows) {
    if (r.status !== 'ok') {
      lines.push(`| ${r.model} | ${r.label} | ${r.batchSize} × ${r.inputLength} | ${r.status}: ${r.error ?? ''} | | | | | |`);
      continue;
    }
    lines.push(`| ${r.model} | ${r.label} | ${r.batchSize} × ${r.inputLength} | ${num(r.stepMs?.median)} | ${num(r.tokensPerSec, 0)} | ${r.dispatches ?? '–'} | ${num(r.dispatchesPerBlock)} | ${mib(r.peakStepBytes)} | ${pct(r.rooflineFraction)} |`);
  }
  lines.push('');
  lines.push('| ratio (step time) | model | value | note |');
  lines.push('|---|---|---|---|');
  for (const q of report.ratios) lines.push(`| ${q.name} | ${q.model} | ${num(q.stepTime, 3)} | ${q.note} |`);
  lines.push('');
  if (!report.peer.available) lines.push(`PyTorch CUDA peer: ${report.peer.reason}`);
  else {
    lines.push(`PyTorch ${report.peer.torch} eager on ${report.peer.device}:`);
    lines.push('');
    lines.push('| model | method | batch | PyTorch ms | PyTorch tokens/s | ours tokens/s | ours / PyTorch |');
    lines.push('|---|---|---|---|---|---|---|');
    for (const p of report.peer.rows) lines.push(`| ${p.model} | ${p.method} | ${p.batch} × ${p.seq} | ${p.error ?? num(p.peerMsPerStep)} | ${num(p.peerTokensPerSec, 0)} | ${num(p.oursTokensPerSec, 0)} | ${num(p.oursOverPeer, 3)} |`);
  }
  return lines.join('\n');
}
