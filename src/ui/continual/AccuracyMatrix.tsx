import { formatPercent } from '../format';
import { accuracyCellColours } from './strategy-style';

interface AccuracyMatrixProps {
  /** The strategy's title, e.g. "Dynamic ConPET · LoRA". */
  title: string;
  strategy: string;
  colour: string;
  /** rows[k][j]: accuracy on task j after training task k; null where not measured (yet). */
  rows: ReadonlyArray<ReadonlyArray<number | null>>;
  /** Task names in stream order (the column and row headers' titles). */
  taskNames: readonly string[];
}

/**
 * One strategy's accuracy matrix as a heat map: row = the task just trained, column = the task
 * evaluated, lower triangle only (a task is evaluated once it has been seen). Darker = more
 * accurate; every cell also prints its percentage, so the table reads without the colours.
 * Forgetting shows as a column fading downwards.
 */
export function AccuracyMatrix({ title, strategy, colour, rows, taskNames }: AccuracyMatrixProps) {
  const tasks = rows.length;
  return (
    <figure className="accuracy-matrix" data-testid="accuracy-matrix" data-strategy={strategy}>
      <figcaption>
        <span className="swatch" style={{ background: colour }} aria-hidden="true" />
        {title}
      </figcaption>
      <table className="matrix">
        <caption className="visually-hidden">{`${title}: accuracy on each task (columns) after training each task (rows)`}</caption>
        <thead>
          <tr>
            <th scope="col">Trained ↓ · evaluated →</th>
            {taskNames.map((name, j) => (
              <th scope="col" key={j} title={name}>
                T{j + 1}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, k) => (
            <tr key={k}>
              <th scope="row" title={taskNames[k]}>
                after T{k + 1}
              </th>
              {row.map((accuracy, j) => {
                if (j > k) return <td key={j} className="matrix-unseen" data-cell="unseen" />;
                if (accuracy === null) return <td key={j} className="matrix-pending" data-cell="pending" data-row={k} data-col={j} />;
                return (
                  <td
                    key={j}
                    data-cell="measured"
                    data-row={k}
                    data-col={j}
                    data-value={accuracy}
                    style={accuracyCellColours(accuracy)}
                    title={`after task ${k + 1}, on task ${j + 1} (${taskNames[j] ?? ''}): ${formatPercent(accuracy)}`}
                  >
                    {formatPercent(accuracy)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {tasks === 0 && <p className="hint">No tasks yet.</p>}
    </figure>
  );
}
