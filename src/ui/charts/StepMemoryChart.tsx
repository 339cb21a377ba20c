import { useId } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { StepMemory } from '../../engine/experiment/events';
import { formatBytes } from '../format';
import { STEP_MEMORY_PARTS } from '../step-memory-parts';

export interface StepMemoryRow {
  runId: string;
  label: string;
  memory: StepMemory;
}

/**
 * One stacked bar per run: its training step's peak memory split into parts, so that a
 * method's savings (no gradients or optimizer state for frozen weights, fewer activations) show
 * next to full fine-tuning. The numbers are also in a table, the chart's text alternative.
 */
export function StepMemoryChart({ rows }: { rows: StepMemoryRow[] }) {
  const id = useId();
  const data = rows.map((row) => ({ label: row.label, ...row.memory }));
  const total = (m: StepMemory) => STEP_MEMORY_PARTS.reduce((sum, part) => sum + m[part.key], 0);
  return (
    <figure className="chart" data-testid="chart-step-memory" aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`}>
      <figcaption id={`${id}-title`}>Training-step memory by part</figcaption>
      <p id={`${id}-desc`} className="visually-hidden">
        Each run&apos;s peak memory during one training step, split into frozen weights, trainable parameters, optimizer state, gradients and activations.
      </p>
      <div className="chart-canvas" aria-hidden="true">
        <ResponsiveContainer width="100%" height={230}>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
            <CartesianGrid stroke="#d4d4d8" strokeDasharray="3 3" />
            <XAxis dataKey="label" stroke="#3f3f46" tick={{ fill: '#27272a', fontSize: 12 }} />
            <YAxis tickFormatter={formatBytes} width={72} stroke="#3f3f46" tick={{ fill: '#27272a', fontSize: 12 }} />
            <Tooltip formatter={(value) => (typeof value === 'number' ? formatBytes(value) : String(value))} />
            <Legend wrapperStyle={{ fontSize: 12, color: '#18181b' }} />
            {STEP_MEMORY_PARTS.map((part) => (
              <Bar key={part.key} dataKey={part.key} name={part.label} stackId="step" fill={part.colour} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Data table: training-step memory by part</summary>
        <table className="data-table" data-testid="chart-step-memory-table">
          <thead>
            <tr>
              <th scope="col">Run</th>
              {STEP_MEMORY_PARTS.map((part) => (
                <th scope="col" key={part.key} title={part.explains}>
                  {part.label}
                </th>
              ))}
              <th scope="col" title="Of the activations: the bytes alive at the end of the forward pass">Kept for backward</th>
              <th scope="col">Step peak</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.runId} data-run={row.runId}>
                <th scope="row">{row.label}</th>
                {STEP_MEMORY_PARTS.map((part) => (
                  <td key={part.key} data-key={part.key} data-value={row.memory[part.key]}>
                    {formatBytes(row.memory[part.key])}
                  </td>
                ))}
                <td data-key="keptActivations" data-value={row.memory.keptActivations}>
                  {formatBytes(row.memory.keptActivations)}
                </td>
                <td data-key="total" data-value={total(row.memory)}>
                  {formatBytes(total(row.memory))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
