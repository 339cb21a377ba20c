import { DEFAULT_EVAL_EXAMPLES, evalBatchCount, type ExperimentSpec } from '../../engine/experiment/spec';
import { LR_GROUPS } from '../catalog';
import { NumberField } from '../components/NumberField';
import { SelectField } from '../components/SelectField';
import { fixedInputLength } from '../../engine/io/model-config';
import { useModelShape } from '../model-info';
import { specProblem } from '../spec-edit';
import { useAppStore } from '../store';

type Lr = ExperimentSpec['optimizer']['lr'];

export function TrainingPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const model = useModelShape(spec.model);
  const family = model.state === 'ready' ? model.value.model.family : null;
  const fixedLength = model.state === 'ready' ? fixedInputLength(model.value.model) : null;
  const seqLenHint =
    fixedLength !== null ? `Not used: ViT always reads its ${fixedLength} image patches.` : family === 't5' ? 'Encoder input tokens, the task prefix included.' : undefined;
  /** A numeric field of the spec: validated by the engine's schema on the edited copy. */
  const field = (label: string, get: (s: ExperimentSpec) => number, put: (s: ExperimentSpec, v: number) => ExperimentSpec, integer: boolean, hint?: string) => (
    <NumberField
      label={label}
      value={get(spec)}
      integer={integer}
      min={integer ? 0 : null}
      disabled={disabled}
      {...(hint ? { hint } : {})}
      validate={(v) => specProblem(put(spec, v))}
      onCommit={(v) => setSpec(put(spec, v))}
    />
  );
  const withLr = (s: ExperimentSpec, group: keyof Lr, v: number): ExperimentSpec => ({ ...s, optimizer: { ...s.optimizer, lr: { ...s.optimizer.lr, [group]: v } } });
  const groups = Object.keys(spec.optimizer.lr) as Array<keyof Lr>;
  const usedGroups = groups.filter((group) => {
    const known = LR_GROUPS[group];
    return !known || known.usedBy === 'all' || known.usedBy.some((m) => spec.methods.some((s) => s.name === m));
  });
  return (
    <section className="panel" aria-labelledby="training-heading">
      <h2 id="training-heading">Training</h2>
      <div className="grid-2">
        {field('Steps', (s) => s.steps, (s, v) => ({ ...s, steps: v }), true)}
        {field('Batch size', (s) => s.batchSize, (s, v) => ({ ...s, batchSize: v }), true)}
        {field('Sequence length (tokens)', (s) => s.seqLen, (s, v) => ({ ...s, seqLen: v }), true, seqLenHint)}
        {field('Seed', (s) => s.seed, (s, v) => ({ ...s, seed: v }), true)}
        {field('Evaluate every (steps, 0 = end only)', (s) => s.eval.every, (s, v) => ({ ...s, eval: { ...s.eval, every: v } }), true)}
        {field(
          'Validation batches',
          (s) => evalBatchCount(s),
          (s, v) => ({ ...s, eval: { ...s.eval, maxBatches: v } }),
          true,
          spec.eval.maxBatches === 'auto'
            ? `Default: ${evalBatchCount(spec)} of ${spec.batchSize}, at least ${DEFAULT_EVAL_EXAMPLES} examples (or the whole validation split).`
            : undefined,
        )}
      </div>
      <div className="grid-2">
        <SelectField
          label="Optimizer"
          value={spec.optimizer.kind}
          choices={[
            { value: 'adamw', label: 'AdamW' },
            { value: 'adam', label: 'Adam' },
          ]}
          disabled={disabled}
          onChange={(kind) => setSpec({ ...spec, optimizer: { ...spec.optimizer, kind } })}
        />
        <SelectField
          label="LR schedule"
          value={spec.schedule.kind}
          choices={[
            { value: 'linear', label: 'linear decay' },
            { value: 'cosine', label: 'cosine decay' },
            { value: 'constant', label: 'constant' },
          ]}
          disabled={disabled}
          onChange={(kind) => setSpec({ ...spec, schedule: { ...spec.schedule, kind } })}
        />
        {field('Warm-up steps', (s) => s.schedule.warmupSteps, (s, v) => ({ ...s, schedule: { ...s.schedule, warmupSteps: v } }), true)}
        <SelectField
          label="Activation checkpointing"
          value={spec.memory.checkpoint}
          choices={[
            { value: 'none', label: 'off: keep activations for backward' },
            { value: 'blocks', label: 'per block: recompute in backward (less memory, one more forward)' },
          ]}
          disabled={disabled}
          onChange={(checkpoint) => setSpec({ ...spec, memory: { checkpoint } })}
        />
      </div>
      <div className="grid-2">
        {usedGroups.map((group) => (
          <div key={group}>{field(LR_GROUPS[group]?.label ?? `Learning rate: ${group}`, (s) => s.optimizer.lr[group], (s, v) => withLr(s, group, v), false)}</div>
        ))}
      </div>
    </section>
  );
}
