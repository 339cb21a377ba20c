import { deptSchema, deptSweep } from '../../engine/methods/dept-info';
import { formatCount } from '../format';
import { useModelShape, useTaskShape } from '../model-info';
import { useAppStore } from '../store';

/**
 * DePT's budget matching made visible (paper §2.2): at the PT budget l, each short-prompt
 * length m gets the rank r = (l − m)·d / (s + d); fewer prompt tokens mean a shorter sequence
 * at (nearly) the same parameter count. A row's button sets m.
 */
export function DeptBudgetTable({ options, disabled, onChange }: { options: Record<string, unknown>; disabled: boolean; onChange(options: Record<string, unknown>): void }) {
  const spec = useAppStore((s) => s.spec);
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  const parsed = deptSchema.safeParse(options);
  if (!parsed.success || parsed.data.budget === null || model.state !== 'ready' || task.state !== 'ready') return null;
  const l = parsed.data.budget;
  // The input length the runs train at: the spec's for text, the patch grid's on ViT.
  const s = task.value.seqLen;
  const sweep = deptSweep(model.value.shape, s, l, [...new Set([0, 20, 40, 60, 80, parsed.data.length])].sort((a, b) => a - b));
  const family = model.value.model.family;
  const context = model.value.shape.maxPositions;
  const inputs = family === 'vit' ? `${s} image patches` : `${s} input tokens`;
  // ViT's prompts and T5's relative positions take no position embeddings: no context to exceed.
  const contextText =
    context !== null ? `context ${context}` : family === 'vit' ? 'no context limit: prompts take no position embeddings' : 'no context limit: relative positions';
  return (
    <div className="table-scroll">
      <table className="dept-budget" data-testid="dept-budget">
        <caption>
          Matching prompt tuning with l = {l} at s = {inputs} ({contextText})
        </caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">r</th>
            <th scope="col">Params</th>
            <th scope="col">vs PT</th>
            <th scope="col">Tokens</th>
            <th scope="col"></th>
          </tr>
        </thead>
        <tbody>
          <tr data-m="pt">
            <th scope="row">PT {l}</th>
            <td>—</td>
            <td>{formatCount(sweep.pt.params)}</td>
            <td>—</td>
            <td>{sweep.pt.sequenceLength}{sweep.pt.fits ? '' : ' (too long)'}</td>
            <td></td>
          </tr>
          {sweep.points.map((point) => (
            <tr key={point.m} data-m={point.m} aria-current={point.m === parsed.data.length ? 'true' : undefined}>
              <th scope="row">m={point.m}</th>
              <td title={`exact ${point.budget?.exactR.toFixed(2)}`}>{point.r}</td>
              <td>{formatCount(point.params)}</td>
              <td>{point.budget && point.budget.difference !== 0 ? `${point.budget.difference > 0 ? '+' : ''}${formatCount(point.budget.difference)}` : '='}</td>
              <td>{point.sequenceLength}{point.fits ? '' : ' (too long)'}</td>
              <td>
                {point.m === parsed.data.length ? (
                  '✓'
                ) : (
                  <button type="button" aria-label={`use m=${point.m}`} disabled={disabled || !point.fits} onClick={() => onChange({ ...options, length: point.m })}>
                    use
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
