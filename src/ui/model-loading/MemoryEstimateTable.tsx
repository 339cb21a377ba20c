import { bufferLimitProblem, estimateTrainingMemory } from '../../engine/experiment/memory-estimate';
import type { ExperimentSpec } from '../../engine/experiment/spec';
import { methodInfo } from '../../engine/methods/catalog';
import type { TaskShape } from '../../engine/methods/types';
import type { ModelShape } from '../../engine/models/hooks';
import { formatBytes } from '../format';
import { useAppStore } from '../store';

/**
 * GPU memory one step of each ticked method will need on this checkpoint (an estimate from
 * shapes, see memory-estimate.ts), and whether its largest tensor fits this GPU's buffers.
 */
export function MemoryEstimateTable({ spec, shape, task }: { spec: ExperimentSpec; shape: ModelShape; task: TaskShape }) {
  const limits = useAppStore((s) => s.backend?.bufferLimits ?? null);
  const rows = spec.methods.map((m) => {
    const estimate = estimateTrainingMemory(shape, task, m, spec.batchSize, spec.memory.checkpoint);
    return { name: m.name, estimate, problem: bufferLimitProblem(estimate, limits) };
  });
  return (
    <table className="memory-estimate" data-testid="memory-estimate">
      <caption>
        Estimated GPU memory per training step (batch {spec.batchSize}, {task.seqLen} tokens{spec.memory.checkpoint === 'blocks' ? ', activation checkpointing per block' : ''})
      </caption>
      <thead>
        <tr>
          <th scope="col">Method</th>
          <th scope="col">Weights</th>
          <th scope="col">Trainable + Adam</th>
          <th scope="col">Activations</th>
          <th scope="col">Total ≈</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ name, estimate, problem }) => (
          <tr key={name} data-method={name}>
            <th scope="row">{methodInfo(name).title}</th>
            <td>{formatBytes(estimate.weightsBytes)}</td>
            <td>{formatBytes(estimate.trainableBytes)}</td>
            <td>{formatBytes(estimate.activationBytes)}</td>
            <td>
              {formatBytes(estimate.totalBytes)}
              {problem && (
                <span className="field-error" role="alert" data-testid="memory-limit-warning">
                  {' '}
                  Will not fit: {problem}.
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
