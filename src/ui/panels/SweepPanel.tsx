import { SWEEP_PRESETS } from '../../engine/experiment/presets';
import { useState } from 'react';
import { sweepSpecs } from '../../engine/experiment/sweep';
import { methodInfo } from '../../engine/methods/catalog';
import { SelectField } from '../components/SelectField';
import { formatBytes, formatCount } from '../format';
import { useModelShape, useTaskShape } from '../model-info';
import { estimateTrainable } from '../param-count';
import { runBlockers } from '../run-blockers';
import { isActive } from '../run-state';
import { useAppStore } from '../store';
import { runSweepInApp } from '../sweep-client';
import { useSweepStore } from '../sweep-store';
import { builtInFamily } from '../model-switch';
import { presetApplication, presetFitsModel, type PresetApplication } from '../preset-apply';
import { archiveResults } from '../results-scope-store';
import { PresetConfirm } from './PresetConfirm';
import { PlanTimeEstimate, useFlopRate } from './TimeEstimate';
import { runFlops } from '../../engine/experiment/time-estimate';
import { formatDuration } from '../time-estimate';

/**
 * Sweep presets: a paper's figure as a series of single-method runs on the experiment set above
 * (task, lengths, training), run one after another. Choosing a preset loads its settings, which
 * stay editable; the table lists each run's size before anything trains.
 */
export function SweepPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const status = useAppStore((s) => s.status);
  const backend = useAppStore((s) => s.backend);
  const selectedId = useSweepStore((s) => s.selectedPresetId);
  const select = useSweepStore((s) => s.select);
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  const preset = SWEEP_PRESETS.find((p) => p.id === selectedId) ?? null;

  const family = builtInFamily(spec.model) ?? (model.state === 'ready' ? model.value.model.family : null);
  // A preset's settings apply only after its confirm step says what they change.
  const [pending, setPending] = useState<PresetApplication | null>(null);
  const pendingPreset = pending ? (SWEEP_PRESETS.find((p) => p.id === pending.presetId) ?? null) : null;
  const apply = (application: PresetApplication) => {
    setPending(null);
    // Results of other settings do not belong under the preset's: they go to Run history.
    archiveResults();
    select(application.presetId);
    setSpec(application.spec);
  };
  const offer = (next: (typeof SWEEP_PRESETS)[number]) => {
    const application = presetApplication(next, spec, family);
    if (application.changes.length === 0) apply(application);
    else setPending(application);
  };
  const choose = (id: string) => {
    const next = SWEEP_PRESETS.find((p) => p.id === id) ?? null;
    if (!next) {
      setPending(null);
      select(null);
    } else offer(next);
  };
  const fits = !preset || presetFitsModel(preset, spec.model, family);

  const variants = preset ? sweepSpecs(preset, spec) : [];
  const shape = model.state === 'ready' ? model.value.shape : null;
  const taskShape = task.state === 'ready' ? task.value : null;
  const blockers = [...new Set(variants.flatMap(({ label, spec: v }) => runBlockers(v, shape, taskShape).map((b) => `${label}: ${b}`)))];
  const rate = useFlopRate();
  const planFlops = shape && taskShape ? variants.reduce((n, { spec: v }) => n + runFlops(shape, taskShape, v, v.methods[0]), 0) : null;
  const canRun = !!preset && !disabled && !isActive(status) && backend !== null && blockers.length === 0;

  return (
    <section className="panel" aria-labelledby="sweep-heading">
      <h2 id="sweep-heading">Sweeps (paper figures)</h2>
      <SelectField
        label="Sweep preset"
        value={pending?.presetId ?? preset?.id ?? ''}
        choices={[{ value: '', label: 'none: compare the methods ticked above' }, ...SWEEP_PRESETS.map((p) => ({ value: p.id, label: p.title }))]}
        disabled={disabled}
        onChange={choose}
      />
      {pending && pendingPreset && <PresetConfirm title={pendingPreset.title} application={pending} onApply={() => apply(pending)} onCancel={() => setPending(null)} />}
      {preset && !pending && !fits && (
        <div className="callout" role="status" data-testid="preset-model-offer">
          <p>
            This preset was made for {preset.models.join(', ')}; {spec.model} does not run it as it stands.
          </p>
          <div className="buttons">
            <button type="button" onClick={() => offer(preset)}>
              Use {preset.models[0]} and the preset’s settings…
            </button>
          </div>
        </div>
      )}
      {preset && !pending && (
        <>
          <p className="hint">{preset.description}</p>
          <p className="hint">
            Loaded its settings: task {spec.task}, {spec.seqLen} input tokens, batch {spec.batchSize}, {spec.steps} steps. Change them above; every run
            below uses them.
          </p>
          <div className="table-scroll">
            <table className="dept-budget" data-testid="sweep-plan">
              <caption>{variants.length} runs, one after another</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Trainable params</th>
                  <th scope="col">Stored adapter</th>
                  <th scope="col">Tokens per sequence</th>
                  <th scope="col">Estimated time</th>
                </tr>
              </thead>
              <tbody>
                {variants.map(({ label, spec: v }) => {
                  const method = v.methods[0];
                  const estimate = shape && task.state === 'ready' ? estimateTrainable(shape, task.value, method.name, method.options) : null;
                  const prefix = methodInfo(method.name).prefixLength?.(method.options) ?? 0;
                  return (
                    <tr key={label}>
                      <th scope="row">{label}</th>
                      <td>{estimate?.ok ? formatCount(estimate.count.method) : '…'}</td>
                      <td>{estimate?.ok ? formatBytes(estimate.storedBytes) : '…'}</td>
                      <td>{v.seqLen + prefix}</td>
                      <td data-testid="sweep-plan-time">{shape && taskShape ? formatDuration(runFlops(shape, taskShape, v, method) / rate.flopsPerMs) : '…'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <PlanTimeEstimate flops={planFlops} what={`of the ${variants.length} runs`} />
          <div className="buttons">
            <button type="button" className="primary" disabled={!canRun} onClick={() => void runSweepInApp(preset, spec)}>
              Run sweep ({variants.length} runs)
            </button>
          </div>
          {blockers.length > 0 && (
            <ul className="field-error" aria-label="Why the sweep cannot run">
              {blockers.map((b) => (
                <li key={b}>{b}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
