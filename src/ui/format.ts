/** Display formats shared by panels, charts and the table (one place, so they agree). */

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A share as a percentage with enough digits to tell small adapters apart (0.0083 %). */
export function formatPercent(fraction: number): string {
  const pct = fraction * 100;
  if (pct === 0) return '0%';
  if (pct >= 10) return `${pct.toFixed(1)}%`;
  return `${Number(pct.toPrecision(2))}%`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toFixed(4) : String(loss);
}

export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? formatCount(perSecond) : perSecond.toFixed(1);
}
