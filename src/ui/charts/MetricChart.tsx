import { useId } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartData } from './series';

interface MetricChartProps {
  title: string;
  /** What the chart shows, for screen readers (the data table below is the full alternative). */
  description: string;
  data: ChartData;
  /** Shared by every chart so that steps line up across them. */
  maxStep: number;
  format(value: number): string;
  /** Start the value axis at zero (throughput, memory) rather than fit it to the data (loss). */
  fromZero?: boolean;
  testId: string;
}

/**
 * One metric against step, one colour per method. The chart is drawn for the eye; its numbers
 * are also in a table (collapsed by default) as the text alternative.
 */
export function MetricChart({ title, description, data, maxStep, format, fromZero = false, testId }: MetricChartProps) {
  const id = useId();
  return (
    <figure className="chart" data-testid={testId} aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <p id={`${id}-desc`} className="visually-hidden">
        {description}
      </p>
      <div className="chart-canvas" aria-hidden="true">
        <ResponsiveContainer width="100%" height={230}>
          <LineChart data={data.rows} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
            <CartesianGrid stroke="#d4d4d8" strokeDasharray="3 3" />
            <XAxis dataKey="step" type="number" domain={[0, Math.max(1, maxStep)]} allowDecimals={false} stroke="#3f3f46" tick={{ fill: '#27272a', fontSize: 12 }} />
            <YAxis domain={fromZero ? [0, 'auto'] : ['auto', 'auto']} tickFormatter={format} width={72} stroke="#3f3f46" tick={{ fill: '#27272a', fontSize: 12 }} />
            <Tooltip formatter={(value) => (typeof value === 'number' ? format(value) : String(value))} labelFormatter={(step) => `step ${step}`} />
            <Legend wrapperStyle={{ fontSize: 12, color: '#18181b' }} />
            {data.lines.map((line) => (
              <Line
                key={line.key}
                dataKey={line.key}
                name={line.label}
                stroke={line.colour}
                strokeWidth={2}
                strokeDasharray={line.dashed ? '6 4' : undefined}
                dot={line.dashed ? { r: 3 } : false}
                connectNulls
                isAnimationActive={false}
                // Straight segments: a smoothed curve would invent values between logged steps.
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
              <th scope="col">Step</th>
              {data.lines.map((line) => (
                <th scope="col" key={line.key} data-key={line.key}>
                  {line.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row) => (
              <tr key={row.step}>
                <th scope="row">{row.step}</th>
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
