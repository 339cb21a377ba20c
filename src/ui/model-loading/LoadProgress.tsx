import { formatBytes } from '../format';
import { cancelModelLoad } from './model-load-client';
import { useModelLoadStore } from './model-load-store';

/** The file arriving, bytes so far of how many, rate and time left; Cancel keeps nothing. */
export function LoadProgress() {
  const load = useModelLoadStore((s) => s.load);
  if (!load || load.outcome !== null) return null;
  const p = load.progress;
  const fraction = p?.totalBytes ? p.loadedBytes / p.totalBytes : null;
  return (
    <div className="model-load-progress" role="status" aria-live="polite" data-testid="model-load-progress">
      <p>
        {p === null
          ? `Starting ${load.model}…`
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
