import { BUILT_IN_MODEL_IDS } from '../../engine/experiment/link';
import { SelectField } from '../components/SelectField';
import { formatCount } from '../format';
import { useModelShape } from '../model-info';
import { useAppStore } from '../store';

export function ModelPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const model = useModelShape(spec.model);
  const choices = BUILT_IN_MODEL_IDS.map((id) => ({ value: id, label: `${id} (built in)` }));
  if (!BUILT_IN_MODEL_IDS.includes(spec.model)) choices.push({ value: spec.model, label: spec.model });
  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">Model</h2>
      <SelectField label="Checkpoint" value={spec.model} choices={choices} disabled={disabled} onChange={(value) => setSpec({ ...spec, model: value })} />
      <p className="hint" aria-live="polite" data-testid="model-shape">
        {model.state === 'loading' && 'Reading config.json…'}
        {model.state === 'error' && <span className="field-error">Could not read the model: {model.error}</span>}
        {model.state === 'ready' &&
          `GPT-2 · ${model.value.shape.layers} layers · d=${model.value.shape.hidden} · ${model.value.shape.heads} heads · vocab ${formatCount(
            model.value.shape.vocabSize,
          )} · context ${model.value.shape.maxPositions} · ${formatCount(model.value.shape.totalParams)} parameters`}
      </p>
    </section>
  );
}
