import { methodInfo } from '../../engine/methods/catalog';
import { methodParamPlacement, placementTotal, type ParamPlacement } from '../../engine/methods/param-placement';
import type { MethodName } from '../../engine/methods/types';
import { methodColour } from '../catalog';
import { formatCount, formatPercent } from '../format';
import { useModelShape, useTaskShape } from '../model-info';
import { usePendingDetailsHost } from '../model-loading/host-consent';
import { optionProblemText } from '../spec-edit';
import { useAppStore } from '../store';

/** One box of the block diagram / one row of the table. */
interface PlacementPart {
  id: string;
  label: string;
  count: number;
}

/** The diagram's parts from the top of the model down: head, (other), layers last to first, input. */
export function placementParts(placement: ParamPlacement): PlacementPart[] {
  const parts: PlacementPart[] = [{ id: 'head', label: 'Task head', count: placement.head }];
  if (placement.other > 0) parts.push({ id: 'other', label: 'Other (e.g. the final LayerNorm)', count: placement.other });
  for (let i = placement.layers.length - 1; i >= 0; i--) {
    parts.push({ id: `layer-${i}-attention`, label: `Layer ${i + 1} attention`, count: placement.layers[i].attention });
    parts.push({ id: `layer-${i}-mlp`, label: `Layer ${i + 1} MLP`, count: placement.layers[i].mlp });
  }
  parts.push({ id: 'embeddings', label: 'Embeddings / input', count: placement.embeddings });
  return parts;
}

function Block({ part, max, colour }: { part: PlacementPart; max: number; colour: string }) {
  const share = max > 0 ? part.count / max : 0;
  return (
    <div
      data-part={part.id}
      data-count={part.count}
      style={{
        flex: 1,
        border: `1px solid ${part.count > 0 ? colour : '#d4d4d8'}`,
        borderRadius: 4,
        padding: '2px 6px',
        fontSize: 11,
        position: 'relative',
        background: '#fafafa',
        minHeight: 20,
        overflow: 'hidden',
      }}
    >
      {/* Shaded and sized by the count: the fill's width is the block's share of the largest block. */}
      <span
        style={{ position: 'absolute', inset: 0, width: `${share * 100}%`, minWidth: part.count > 0 ? 3 : 0, background: colour, opacity: 0.25 + 0.5 * share }}
      />
      <span style={{ position: 'relative' }}>
        {part.label.replace(/^Layer \d+ /, '')}: {formatCount(part.count)}
      </span>
    </div>
  );
}

/** The block diagram (visual) and its table (the text alternative), for one method's placement. */
export function ParamPlacementView({ method, placement }: { method: MethodName; placement: ParamPlacement }) {
  const parts = placementParts(placement);
  const total = placementTotal(placement);
  const max = Math.max(...parts.map((p) => p.count));
  const colour = methodColour(method);
  const byId = new Map(parts.map((p) => [p.id, p]));
  const title = methodInfo(method).title;
  return (
    <div data-testid={`param-placement-${method}`} data-total={total}>
      <div aria-hidden="true" style={{ display: 'flex', flexDirection: 'column', gap: 3, maxWidth: 360, margin: '4px 0' }}>
        {['head', ...(placement.other > 0 ? ['other'] : [])].map((id) => (
          <div key={id} style={{ display: 'flex' }}>
            <Block part={byId.get(id)!} max={max} colour={colour} />
          </div>
        ))}
        {placement.layers
          .map((_, i) => i)
          .reverse()
          .map((i) => (
            <div key={i} style={{ display: 'flex', gap: 3, alignItems: 'stretch' }}>
              <span style={{ width: 48, fontSize: 11, alignSelf: 'center' }}>layer {i + 1}</span>
              <Block part={byId.get(`layer-${i}-attention`)!} max={max} colour={colour} />
              <Block part={byId.get(`layer-${i}-mlp`)!} max={max} colour={colour} />
            </div>
          ))}
        <div style={{ display: 'flex' }}>
          <Block part={byId.get('embeddings')!} max={max} colour={colour} />
        </div>
      </div>
      <table className="data-table" data-testid={`param-placement-table-${method}`}>
        <caption className="hint">
          {title}: {formatCount(total)} trainable parameters by model part
        </caption>
        <thead>
          <tr>
            <th scope="col">Part</th>
            <th scope="col">Trainable params</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {parts.map((part) => (
            <tr key={part.id} data-part={part.id}>
              <th scope="row">{part.label}</th>
              <td data-value={part.count}>{formatCount(part.count)}</td>
              <td>{total > 0 ? formatPercent(part.count / total) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Where do the parameters live" for one ticked method, folded by default. */
export function ParamPlacementDetails({ method, options }: { method: MethodName; options: Record<string, unknown> }) {
  const spec = useAppStore((s) => s.spec);
  const model = useModelShape(spec.model);
  const task = useTaskShape(spec.model, spec.task, spec.seqLen);
  const pendingHost = usePendingDetailsHost(spec.model);
  let body;
  if (model.state === 'error' || task.state === 'error') body = <p className="hint">Unknown: the model or task could not be read.</p>;
  else if (pendingHost) body = <p className="hint">Unknown until the model’s details are fetched from {pendingHost.host}.</p>;
  else if (model.state === 'loading' || task.state === 'loading') body = <p className="hint">Counting…</p>;
  else {
    try {
      body = <ParamPlacementView method={method} placement={methodParamPlacement(model.value.shape, task.value, method, options)} />;
    } catch (error) {
      body = <p className="hint">Unknown ({optionProblemText(error instanceof Error ? error.message : String(error))})</p>;
    }
  }
  return (
    <details className="param-placement">
      <summary>Where do the parameters live?</summary>
      {body}
    </details>
  );
}
