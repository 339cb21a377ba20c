import { useEffect, useState } from 'react';
import { formatBytes } from '../format';
import { cancelModelLoad } from './model-load-client';
import { useModelLoadStore } from './model-load-store';

/**
 * The file arriving, bytes so far of how many, rate and time left; Cancel keeps nothing. Also
 * why chosen or dropped files did not load.
 */
export function LoadProgress() {
  const load = useModelLoadStore((s) => s.load);
  // Until the first bytes arrive (a hub resolving the files, a slow first byte) the wait is counted.
  const waiting = load !== null && load.outcome === null && load.progress === null;
  const [startedAt, setStartedAt] = useState(0);
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!waiting) return;
    const start = Date.now();
    setStartedAt(start);
    setNow(start);
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [waiting, load?.model]);
  if (!load) return null;
  // Hub and URL failures show on the model's preview card (with Retry); files have no card.
  if (load.outcome !== null) {
    if (load.outcome.ok) {
      return load.outcome.cacheProblem ? (
        <p className="hint" role="status" data-testid="model-cache-problem">
          {load.model} loaded, but is not kept: {load.outcome.cacheProblem}.
        </p>
      ) : null;
    }
    if (!load.model.startsWith('local:')) return null;
    return (
      <p className="field-error" role="alert" data-testid="model-load-error">
        Could not load the files: {load.outcome.error}. Nothing was kept.
      </p>
    );
  }
  const p = load.progress;
  const fraction = p?.totalBytes ? p.loadedBytes / p.totalBytes : null;
  return (
    <div className="model-load-progress" role="status" aria-live="polite" data-testid="model-load-progress">
      <p>
        {p === null
          ? `Starting ${load.model}: asking for its files, no bytes yet (${Math.max(0, Math.floor((now - startedAt) / 1000))} s)…`
          : `${p.fromCache ? 'Reading' : 'Downloading'} ${p.file}: ${formatBytes(p.loadedBytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''}` +
            (p.bytesPerSec ? ` · ${formatBytes(p.bytesPerSec)}/s` : '') +
            (p.etaSec !== null ? ` · ${Math.ceil(p.etaSec)} s left` : '')}
      </p>
      <progress aria-label={`Loading ${load.model}`} max={1} {...(fraction !== null ? { value: fraction } : {})} />
      <button type="button" className="small" onClick={cancelModelLoad}>
        Cancel
      </button>
    </div>
  );
}
