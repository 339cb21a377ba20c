import { STRATEGY_NAMES, STRATEGY_SUMMARIES, STRATEGY_TITLES, type ContinualSettings, type StrategyName } from '../../engine/continual/settings';
import type { ExperimentSpec } from '../../engine/experiment/spec';
import { NumberField } from '../components/NumberField';
import { specProblem } from '../spec-edit';
import { useAppStore } from '../store';
import { useModelShape, useTaskShape } from '../model-info';
import { STREAM_TASKS, streamFlops } from '../../engine/experiment/time-estimate';
import { PlanTimeEstimate } from '../panels/TimeEstimate';

interface NumberSetting {
  key: Exclude<keyof ContinualSettings, 'strategies' | 'cache'>;
  label: string;
  integer: boolean;
  hint: string;
}

const NUMBER_SETTINGS: readonly NumberSetting[] = [
  { key: 'batchesPerTask', label: 'Batches per task (the batch limit)', integer: true, hint: 'Training batches of each task (ConPET’s limit; Dynamic: the task module’s).' },
  { key: 'selectorBatches', label: 'Selector batches per task', integer: true, hint: 'Dynamic ConPET and Limitless: batches of the module selector.' },
  { key: 'topT', label: 'Active modules per example (t)', integer: true, hint: 'Dynamic ConPET and Limitless: modules the selector switches on.' },
  { key: 'oldPerNew', label: 'Old examples per new one (replay)', integer: false, hint: 'EMR, Static and Dynamic ConPET: the old:new ratio of a replay batch.' },
  { key: 'memoryPerClass', label: 'EMR memory per class', integer: true, hint: 'EMR: examples kept per class (chosen by k-means on features).' },
  { key: 'limitlessEpochs', label: 'Limitless: passes per task', integer: false, hint: 'Limitless: passes over all data seen so far, at every task.' },
  { key: 'evalExamplesPerTask', label: 'Test examples per task (0 = all)', integer: true, hint: 'Evaluated after every task, on every task seen.' },
  { key: 'lowLogit', label: 'Logit of inactive modules’ classes (α)', integer: false, hint: 'Dynamic ConPET and Limitless: the constant logit of classes whose module is off.' },
];

function withContinual(spec: ExperimentSpec, change: Partial<ContinualSettings>): ExperimentSpec {
  return { ...spec, continual: { ...spec.continual, ...change } };
}

/** The strategies to run side by side; the last one ticked cannot be unticked. */
function StrategyChoice({ spec, disabled, onChange }: { spec: ExperimentSpec; disabled: boolean; onChange(spec: ExperimentSpec): void }) {
  const selected = spec.continual.strategies;
  const toggle = (name: StrategyName, on: boolean) => {
    // In the fixed order of STRATEGY_NAMES, so the same set always reads (and links) the same way.
    const next = STRATEGY_NAMES.filter((s) => (s === name ? on : selected.includes(s)));
    if (next.length > 0) onChange(withContinual(spec, { strategies: next }));
  };
  return (
    <fieldset className="checkbox-group" data-testid="strategy-choice">
      <legend>Strategies (each trains its own copy of the model on the same stream)</legend>
      {STRATEGY_NAMES.map((name) => {
        const checked = selected.includes(name);
        return (
          <div key={name} className="strategy" data-strategy={name}>
            <label className="check">
              <input
                type="checkbox"
                checked={checked}
                disabled={disabled || (checked && selected.length === 1)}
                onChange={(event) => toggle(name, event.target.checked)}
              />
              {STRATEGY_TITLES[name]}
            </label>
            <p className="hint">{STRATEGY_SUMMARIES[name]}</p>
          </div>
        );
      })}
    </fieldset>
  );
}

/** The settings of a task stream (spec.continual): which strategies run, and ConPET's knobs. */
export function ContinualSettingsPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  const planFlops = model.state === 'ready' && task.state === 'ready' ? streamFlops(model.value.shape, task.value, spec.continual, spec.methods[0], spec.batchSize) : null;
  return (
    <section className="panel" aria-labelledby="continual-settings-heading" data-testid="continual-settings">
      <h2 id="continual-settings-heading">Continual learning</h2>
      <p className="hint">
        The tasks arrive one after another; after each, every strategy is tested on all tasks seen so far. The Training panel’s batch size, seed and
        learning rates apply; its steps and evaluation settings do not (a task’s cost is set here).
      </p>
      <StrategyChoice spec={spec} disabled={disabled} onChange={setSpec} />
      <div className="grid-2">
        {NUMBER_SETTINGS.map((setting) => (
          <NumberField
            key={setting.key}
            label={setting.label}
            value={spec.continual[setting.key]}
            integer={setting.integer}
            hint={setting.hint}
            disabled={disabled}
            validate={(v) => specProblem(withContinual(spec, { [setting.key]: v }))}
            onCommit={(v) => setSpec(withContinual(spec, { [setting.key]: v }))}
          />
        ))}
      </div>
      <label className="check">
        <input type="checkbox" checked={spec.continual.cache} disabled={disabled} onChange={(event) => setSpec(withContinual(spec, { cache: event.target.checked }))} />
        Logit cache: serve frozen modules’ logits from a cache (Dynamic ConPET, Limitless)
      </label>
      <PlanTimeEstimate flops={planFlops} what={`of the stream (${spec.continual.strategies.length} strategies × ${STREAM_TASKS} tasks)`} />
    </section>
  );
}
