import { useState } from 'react';
import { BUILT_IN_MODELS } from '../../engine/experiment/built-in-models';
import { SelectField } from '../components/SelectField';
import { useModelShape } from '../model-info';
import { builtInLabel, describeModel } from '../model-summary';
import { builtInFamily, switchModel, switchStashedOptions } from '../model-switch';
import { useAppStore } from '../store';
import { CachedModels } from '../model-loading/CachedModels';
import { CheckpointLoader } from '../model-loading/CheckpointLoader';
import { LoadProgress } from '../model-loading/LoadProgress';
import { ModelPreviewCard } from '../model-loading/ModelPreviewCard';
import { loadLocalFiles } from '../model-loading/model-load-client';
import { isExternalModel } from '../model-loading/model-readiness';
import { filesFromDrop } from '../model-loading/dropped-files';
import { useModelLoadStore } from '../model-loading/model-load-store';
import { usePendingDetailsHost } from '../model-loading/host-consent';

export function ModelPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const model = useModelShape(spec.model);
  const pendingHost = usePendingDetailsHost(spec.model);
  const ready = useModelLoadStore((s) => s.ready);
  const cached = useModelLoadStore((s) => s.cached);
  // What the last model switch changed besides the model (task, prompt initialisation).
  const [changes, setChanges] = useState<string[]>([]);
  const [dropping, setDropping] = useState(false);
  // A checkpoint from elsewhere that the worker does not hold yet: shown, downloaded on a click.
  const needsLoad = isExternalModel(spec.model) && !spec.model.startsWith('local:') && ready !== spec.model;
  const choices = BUILT_IN_MODELS.map((m) => ({ value: m.id, label: builtInLabel(m.id, m.family) }));
  for (const other of [ready, ...(cached ?? []).map((c) => c.model), spec.model]) {
    if (other && !choices.some((c) => c.value === other)) choices.push({ value: other, label: other });
  }
  const choose = (id: string) => {
    const family = model.state === 'ready' && id === spec.model ? model.value.model.family : undefined;
    const switched = switchModel(spec, id, family);
    setChanges(switched.changes);
    setSpec(switched.spec);
    // Unticked methods keep their options for when they are ticked again: those follow the model too.
    useAppStore.setState((s) => ({ stashedOptions: switchStashedOptions(s.stashedOptions, family ?? builtInFamily(id)) }));
  };
  return (
    <section
      className={`panel${dropping ? ' drop-target' : ''}`}
      aria-labelledby="model-heading"
      data-testid="model-panel"
      // A checkpoint folder (or its files) dropped anywhere on the panel loads like chosen files.
      onDragOver={(event) => {
        if (disabled || !event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(event) => {
        if (disabled) return;
        event.preventDefault();
        setDropping(false);
        void filesFromDrop(event.dataTransfer).then((files) => {
          if (files.length > 0) void loadLocalFiles(files);
        });
      }}
    >
      <h2 id="model-heading">Model</h2>
      <SelectField label="Checkpoint" value={spec.model} choices={choices} disabled={disabled} onChange={choose} />
      <p className="hint" aria-live="polite" data-testid="model-shape" data-family={model.state === 'ready' ? model.value.model.family : undefined}>
        {model.state === 'loading' && (pendingHost ? `Not read yet: its details are on ${pendingHost.host} (below).` : 'Reading config.json…')}
        {/* A hub/URL checkpoint's card below says why it cannot be used: one message, not two. */}
        {model.state === 'error' && !needsLoad && <span className="field-error">Could not read the model: {model.error}</span>}
        {model.state === 'ready' && describeModel(model.value.model, model.value.shape)}
      </p>
      {needsLoad && <ModelPreviewCard model={spec.model} disabled={disabled} />}
      <LoadProgress />
      {changes.length > 0 && (
        <div className="callout model-switch" role="status" data-testid="model-switch-notice">
          <ul>
            {changes.map((change) => (
              <li key={change}>{change}</li>
            ))}
          </ul>
          <button type="button" className="small" onClick={() => setChanges([])}>
            OK
          </button>
        </div>
      )}
      <details className="other-checkpoints">
        <summary>Other checkpoints: the Hugging Face hub, a URL, your files (or drop a folder here)</summary>
        <CheckpointLoader disabled={disabled} onChoose={choose} />
        <CachedModels disabled={disabled} onUse={choose} />
      </details>
    </section>
  );
}
