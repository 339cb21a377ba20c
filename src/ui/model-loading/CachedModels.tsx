import { useEffect } from 'react';
import { formatBytes } from '../format';
import { deleteCachedModel, refreshCachedModels } from './model-load-client';
import { isLoading, useModelLoadStore } from './model-load-store';

/** Checkpoints kept in this browser (they load offline), with their sizes and a delete button. */
export function CachedModels({ onUse, disabled }: { onUse: (model: string) => void; disabled: boolean }) {
  const cached = useModelLoadStore((s) => s.cached);
  const problem = useModelLoadStore((s) => s.cacheProblem);
  const busy = useModelLoadStore(isLoading);
  useEffect(() => {
    void refreshCachedModels();
  }, []);
  if (problem) return <p className="hint">{problem}</p>;
  if (!cached || cached.length === 0) return null;
  const total = cached.reduce((n, c) => n + c.totalBytes, 0);
  return (
    <details className="cached-models" data-testid="cached-models" open>
      <summary>
        Cached checkpoints ({cached.length}, {formatBytes(total)})
      </summary>
      <ul>
        {cached.map((c) => (
          <li key={c.model} data-model={c.model}>
            <span className="cached-name">{c.model}</span> · {formatBytes(c.totalBytes)} · {new Date(c.savedAt).toLocaleDateString()}{' '}
            <button type="button" className="small" disabled={disabled || busy} onClick={() => onUse(c.model)}>
              Use
            </button>{' '}
            <button type="button" className="small" disabled={busy} aria-label={`Delete ${c.model} from the cache`} onClick={() => void deleteCachedModel(c.model)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
