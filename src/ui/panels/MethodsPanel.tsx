import { METHOD_INFOS } from '../../engine/methods/catalog';
import { methodColour } from '../catalog';
import { useModelShape, useTaskShape } from '../model-info';
import { builtInFamily, defaultsForModel } from '../model-switch';
import { methodUnsupportedReason } from '../run-blockers';
import { useAppStore } from '../store';
import { MethodOptions } from './MethodOptions';
import { TrainableLine } from './TrainableLine';
import { DeptBudgetTable } from './DeptBudgetTable';
import { ParamPlacementDetails } from './ParamPlacement';
import { isStreamTaskId } from '../continual/stream-switch';

export function MethodsPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const toggleMethod = useAppStore((s) => s.toggleMethod);
  const setMethodOptions = useAppStore((s) => s.setMethodOptions);
  const chooseOnlyMethod = useAppStore((s) => s.chooseOnlyMethod);
  // A task stream trains one PET method (every continual strategy uses it): a single choice.
  const single = isStreamTaskId(spec.task);
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  const modelShape = model.state === 'ready' ? model.value.shape : null;
  const taskShape = task.state === 'ready' ? task.value : null;
  return (
    <section className="panel" aria-labelledby="methods-heading">
      <h2 id="methods-heading">{single ? 'PET method (every strategy trains it)' : 'Methods to compare'}</h2>
      {METHOD_INFOS.map((method) => {
        const selected = spec.methods.find((m) => m.name === method.name);
        // The spec needs at least one method; the last one cannot be unticked.
        const onlyOne = !!selected && spec.methods.length === 1;
        // A method starts with options that suit the model (ViT: prompt rows start random).
        // (A built-in ViT is known to have no vocabulary before its config.json is read.)
        const vocabSize = modelShape?.vocabSize ?? (builtInFamily(spec.model) === 'vit' ? 0 : null);
        const defaults = defaultsForModel(method.name, method.defaults as Record<string, unknown>, vocabSize);
        // Shown, not hidden: why this configuration cannot run on this model and task.
        const unsupported = methodUnsupportedReason(method.name, selected?.options ?? defaults, modelShape, taskShape);
        return (
          <div
            key={method.name}
            className={`method${unsupported ? ' unsupported' : ''}`}
            data-method={method.name}
            style={{ borderLeftColor: methodColour(method.name) }}
          >
            <label className="check method-title">
              {single ? (
                <input type="radio" name="stream-method" checked={!!selected} disabled={disabled} onChange={() => chooseOnlyMethod(method.name, defaults)} />
              ) : (
                <input
                  type="checkbox"
                  checked={!!selected}
                  disabled={disabled}
                  // Focusable, so that the reason below is reached and read with it.
                  aria-disabled={onlyOne || undefined}
                  aria-describedby={onlyOne ? `only-method-${method.name}` : undefined}
                  onChange={(event) => !onlyOne && toggleMethod(method.name, event.target.checked, defaults)}
                />
              )}
              {method.title}
            </label>
            {onlyOne && !single && (
              <p className="hint only-method" id={`only-method-${method.name}`} data-testid="only-method">
                The only method ticked: an experiment trains at least one, so tick another before unticking {method.title}.
              </p>
            )}
            <p className="hint">{method.summary}</p>
            {unsupported && (
              <p className="field-error unsupported-reason" data-testid={`unsupported-${method.name}`}>
                Not on this model: {unsupported}
              </p>
            )}
            {selected && (
              <>
                <MethodOptions method={method} options={selected.options} disabled={disabled} onChange={(options) => setMethodOptions(method.name, options)} />
                <TrainableLine method={method.name} options={selected.options} />
                <ParamPlacementDetails method={method.name} options={selected.options} />
                {method.name === 'dept' && (
                  <DeptBudgetTable options={selected.options} disabled={disabled} onChange={(options) => setMethodOptions(method.name, options)} />
                )}
              </>
            )}
          </div>
        );
      })}
    </section>
  );
}
