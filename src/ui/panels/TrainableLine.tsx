import type { MethodName } from '../../engine/methods/types';
import { formatCount, formatPercent } from '../format';
import { useModelShape, useTaskShape } from '../model-info';
import { usePendingDetailsHost } from '../model-loading/host-consent';
import { estimateTrainable } from '../param-count';
import { optionProblemText } from '../spec-edit';
import { useAppStore } from '../store';

/** "Trainable params: N (x% of the model) + head H", recomputed as the options change. */
export function TrainableLine({ method, options }: { method: MethodName; options: Record<string, unknown> }) {
  const spec = useAppStore((s) => s.spec);
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  const pendingHost = usePendingDetailsHost(spec.model);
  let text: string;
  if (model.state === 'error' || task.state === 'error') text = 'Trainable params: unknown (the model or task could not be read).';
  else if (pendingHost) text = `Trainable params: unknown until the model’s details are fetched from ${pendingHost.host}.`;
  else if (model.state === 'loading' || task.state === 'loading') text = 'Trainable params: counting…';
  else {
    const estimate = estimateTrainable(model.value.shape, task.value, method, options);
    text = estimate.ok
      ? `Trainable params: ${formatCount(estimate.count.method)} (${formatPercent(estimate.count.method / estimate.totalParams)} of the model)` +
        (estimate.count.head > 0 ? ` + head ${formatCount(estimate.count.head)}` : '')
      : `Trainable params: unknown (${optionProblemText(estimate.error)})`;
  }
  return (
    <p className="trainable" aria-live="polite" data-testid={`trainable-${method}`}>
      {text}
    </p>
  );
}
