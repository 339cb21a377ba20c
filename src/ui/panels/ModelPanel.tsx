import { useState } from 'react';
import { BUILT_IN_MODELS } from '../../engine/experiment/built-in-models';
import { SelectField } from '../components/SelectField';
import { useModelShape } from '../model-info';
import { builtInLabel, describeModel } from '../model-summary';
import { switchModel } from '../model-switch';
import { useAppStore } from '../store';

export function ModelPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const model = useModelShape(spec.model);
  // What the last model switch changed besides the model (task, prompt initialisation).
  const [changes, setChanges] = useState<string[]>([]);
  const choices = BUILT_IN_MODELS.map((m) => ({ value: m.id, label: builtInLabel(m.id, m.family) }));
  if (!BUILT_IN_MODELS.some((m) => m.id === spec.model)) choices.push({ value: spec.model, label: spec.model });
  const choose = (id: string) => {
    const switched = switchModel(spec, id);
    setChanges(switched.changes);
    setSpec(switched.spec);
  };
  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <SelectField label="Checkpoint" value={spec.model} choices={choices} disabled={disabled} onChange={choose} />
      <p className="hint" aria-live="polite" data-testid="model-shape" data-family={model.state === 'ready' ? model.value.model.family : undefined}>
        {model.state === 'loading' && 'Reading config.json…'}
        {model.state === 'error' && <span className="field-error">Could not read the model: {model.error}</span>}
        {model.state === 'ready' && describeModel(model.value.model, model.value.shape)}
      </p>
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
    </section>
  );
}
