import { useId } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartData } from '../charts/series';

interface TaskChartProps {
  title: string;
  /** What the chart shows, for screen readers (the data table below is the full alternative). */
  description: string;
  data: ChartData;
  /** Tasks in the stream: the axis runs 1…tasks whatever has been measured. */
  tasks: number;
  format(value: number): string;
  /** A fixed value axis (accuracy: 0…1); otherwise from zero to the data. */
  domain?: [number, number];
  /** Counts (batches): integer ticks only, never 0, 1, 2, 2, 3 from rounded fractions. */
  integer?: boolean;
  testId: string;
}

/**
 * One measure per task of the stream, one colour per strategy (the stream's counterpart of
 * MetricChart, whose axis is the step). Its numbers are also in a table, collapsed by default.
 */
export function TaskChart({ title, description, data, tasks, format, domain, integer = false, testId }: TaskChartProps) {
  const id = useId();
  return (
    <figure className="chart" data-testid={testId} aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <p id={`${id}-desc`} className="visually-hidden">
        {description}
      </p>
      <div className="chart-canvas" aria-hidden="true">
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data.rows} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
            <CartesianGrid stroke="#d4d4d8" strokeDasharray="3 3" />
            <XAxis dataKey="task" type="number" domain={[1, Math.max(2, tasks)]} allowDecimals={false} stroke="#3f3f46" tick={{ fill: '#27272a', fontSize: 12 }} />
            <YAxis domain={domain ?? [0, 'auto']} allowDecimals={!integer} tickFormatter={format} width={72} stroke="#3f3f46" tick={{ fill: '#27272a', fontSize: 12 }} />
            <Tooltip formatter={(value) => (typeof value === 'number' ? format(value) : String(value))} labelFormatter={(task) => `after task ${task}`} />
            <Legend wrapperStyle={{ fontSize: 12, color: '#18181b' }} />
            {data.lines.map((line) => (
              <Line
                key={line.key}
                dataKey={line.key}
                name={line.label}
                stroke={line.colour}
                strokeWidth={2}
                strokeDasharray={line.dashed ? '6 4' : undefined}
                dot={{ r: 3 }}
                connectNulls
                isAnimationActive={false}
                type="linear"
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Data table: {title}</summary>
        <table className="data-table" data-testid={`${testId}-table`}>
          <thead>
            <tr>
              <th scope="col">After task</th>
              {data.lines.map((line) => (
                <th scope="col" key={line.key} data-key={line.key}>
                  {line.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row) => (
              <tr key={row.task}>
                <th scope="row">{row.task}</th>
                {data.lines.map((line) => (
                  <td key={line.key} data-key={line.key} data-value={row[line.key] ?? ''}>
                    {row[line.key] !== undefined ? format(row[line.key]) : ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
