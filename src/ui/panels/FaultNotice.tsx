import { DEFAULT_SPEC } from '../../engine/experiment/spec';
import type { FaultKind } from '../../engine/experiment/faults';
import { usePersistenceStore } from '../persistence/persistence-store';
import { isActive } from '../run-state';
import { useAppStore } from '../store';
import { lastRecord, resumeFromCheckpoint, simulateDeviceLoss, type ResumeChanges } from '../training-client';


const TITLES: Record<FaultKind, string> = {
  nan: 'Training diverged: the loss is not a number',
  oom: 'The GPU ran out of memory',
  'device-lost': 'The GPU device was lost',
};

/**
 * What a fault paused the run with (NaN loss, out of memory, lost device) and the ways on from
 * the last good checkpoint: as it was, with half the batch, or (divergence) a smaller learning
 * rate. Also, with `?debug=faults` in the URL, a control that destroys the real GPU device
 * mid-run (for tests and demonstrations).
 */
export function FaultNotice() {
  const fault = usePersistenceStore((s) => s.fault);
  const checkpoint = usePersistenceStore((s) => s.latestCheckpoint);
  const status = useAppStore((s) => s.status);
  const debug = new URLSearchParams(location.search).get('debug') === 'faults';
  const debugControl = debug && (status === 'running' || status === 'loading') && (
    <p className="hint">
      <button type="button" data-testid="simulate-device-loss" onClick={() => void simulateDeviceLoss()}>
        Simulate GPU device loss (debug)
      </button>
    </p>
  );
  if (!fault) return debugControl || null;
  const record = lastRecord();
  const spec = record?.spec ?? null;
  const canResume = !isActive(status) && record !== null && record.resumable && checkpoint !== null && spec !== null;
  const resume = (changes: ResumeChanges = {}) => {
    if (record && checkpoint) void resumeFromCheckpoint(record, checkpoint, changes);
  };
  const lrAboveDefault = spec !== null && Object.entries(spec.optimizer.lr).some(([group, rate]) => rate > 10 * (DEFAULT_SPEC.optimizer.lr[group as keyof typeof DEFAULT_SPEC.optimizer.lr] ?? rate));
  return (
    <section className="panel fault-notice" role="alert" aria-labelledby="fault-heading" data-testid="fault-notice" data-kind={fault.kind}>
      <h2 id="fault-heading">{TITLES[fault.kind]}</h2>
      <p>
        {fault.message} Training stopped at step {fault.step}
        {fault.runId ? ` (run ${fault.runId})` : ''}.
      </p>
      {checkpoint ? (
        <p>The last good checkpoint is step {checkpoint.step}: the curves and the weights continue from there.</p>
      ) : (
        <p>No checkpoint was saved before the fault: press Run to start again.</p>
      )}
      {record && !record.resumable && <p className="hint">Task streams and sweeps are saved in the history but cannot be resumed.</p>}
      {canResume && spec && (
        <div className="buttons">
          <button type="button" className="primary" onClick={() => resume()}>
            Resume from step {checkpoint.step}
            {fault.kind === 'device-lost' ? ' on a new GPU device' : ''}
          </button>
          {spec.batchSize > 1 && (
            <button type="button" onClick={() => resume({ batchSize: Math.max(1, Math.floor(spec.batchSize / 2)) })}>
              Resume with a smaller batch ({spec.batchSize} → {Math.max(1, Math.floor(spec.batchSize / 2))})
            </button>
          )}
          {fault.kind === 'nan' && (
            <button type="button" onClick={() => resume({ lrScale: 0.5 })}>
              Resume with half the learning rate
            </button>
          )}
          {fault.kind === 'nan' && lrAboveDefault && (
            <button type="button" onClick={() => resume({ lr: DEFAULT_SPEC.optimizer.lr })}>
              Resume with the default learning rates ({Object.entries(spec.optimizer.lr).filter(([g, r]) => r !== DEFAULT_SPEC.optimizer.lr[g as keyof typeof DEFAULT_SPEC.optimizer.lr]).map(([g, r]) => `${g} ${r}`).join(', ')} are far above them)
            </button>
          )}
          <button type="button" onClick={() => usePersistenceStore.setState({ fault: null })}>
            Dismiss
          </button>
        </div>
      )}
      {debugControl}
    </section>
  );
}
