import { MODEL_FAMILIES } from '../../engine/io/model-config';
import { formatBytes, formatCount } from '../format';
import { useModelShape, useTaskShape } from '../model-info';
import { useAppStore } from '../store';
import { MemoryEstimateTable } from './MemoryEstimateTable';
import { loadModel } from './model-load-client';
import { isLoading, useModelLoadStore } from './model-load-store';
import { useModelPreview } from './model-preview';
import { grantHostConsent, usePendingDetailsHost } from './host-consent';

/**
 * A hub or URL checkpoint the experiment names but the worker does not hold yet: where it comes
 * from, what it is, how big, what training it will cost — and the one button that downloads it.
 * This is all a link naming another host can do: show, then wait for the click. On a host other
 * than this page's and the hub's, even the details (config.json, the size) wait for a click.
 */
export function ModelPreviewCard({ model, disabled }: { model: string; disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const preview = useModelPreview(model);
  const shape = useModelShape(model);
  const task = useTaskShape(model, spec.task, spec.seqLen);
  const busy = useModelLoadStore(isLoading);
  const cached = useModelLoadStore((s) => s.cached?.find((c) => c.model === model) ?? null);
  const failed = useModelLoadStore((s) => (s.load?.model === model && s.load.outcome && !s.load.outcome.ok ? s.load.outcome : null));

  const pending = usePendingDetailsHost(model);

  if (pending) {
    return (
      <div className="callout model-preview" data-testid="model-consent" data-host={pending.host}>
        <p>
          <strong>{model}</strong> is on <strong data-testid="model-consent-host">{pending.host}</strong>, a host this link names. Nothing has been fetched from it
          yet: asking it for the model’s details (config.json and the download size, a few KB) tells it this browser’s address.
        </p>
        <button type="button" disabled={disabled} onClick={() => grantHostConsent(pending.origin)} data-testid="model-fetch-details">
          Fetch details from {pending.host}
        </button>
      </div>
    );
  }
  if (preview.state === 'loading') return <p className="hint">Reading {model}’s config.json…</p>;
  if (preview.state === 'error') {
    return (
      <p className="field-error" role="alert" data-testid="model-preview-error">
        Cannot use {model}: {preview.error}
      </p>
    );
  }
  const p = preview.value;
  const size = cached ? `${formatBytes(cached.totalBytes)}, cached in this browser` : p.weightBytes !== null ? formatBytes(p.weightBytes) : 'size unknown';
  return (
    <div className="callout model-preview" data-testid="model-preview" data-host={p.host}>
      <p>
        <strong>{model}</strong> from <strong data-testid="model-host">{p.host}</strong>: {MODEL_FAMILIES[p.family].title}, {formatCount(p.totalParams)} parameters,{' '}
        <span data-testid="model-size">{size}</span>.
      </p>
      {shape.state === 'ready' && task.state === 'ready' && <MemoryEstimateTable spec={spec} shape={shape.value.shape} task={task.value} />}
      {failed && (
        <p className="field-error" role="alert" data-testid="model-load-error">
          {failed.cancelled ? 'Download cancelled; nothing was kept.' : `Loading failed: ${failed.error}`}
        </p>
      )}
      <button type="button" className="primary" disabled={disabled || busy} onClick={() => void loadModel(model)} data-testid="model-download">
        {cached ? 'Load from the cache (offline)' : failed ? `Retry the download from ${p.host}` : `Download ${p.weightBytes !== null ? formatBytes(p.weightBytes) : 'the weights'} from ${p.host}`}
      </button>
    </div>
  );
}
