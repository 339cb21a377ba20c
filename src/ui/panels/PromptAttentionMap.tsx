import { useId, useState } from 'react';
import type { PromptAttentionMap as PromptMap } from '../../engine/methods/prompt-attention-map';
import { methodColour } from '../catalog';
import { useAppStore } from '../store';

/**
 * The paper's Fig. 3 view (APT, Wu et al. 2023): for one example, per layer (rows) and input
 * token (columns), how much the token draws from the prompts — deep prompt (softmax mass on the
 * prompt keys, mean over heads) beside APT (share of the attention output made by ΔX). One heat
 * map per method, darker = more; every map has a table alternative for screen readers and for
 * reading exact values.
 */

export interface PromptMapEntry {
  /** e.g. "Deep prompt p=16". */
  label: string;
  /** The method's colour (catalog.ts); cells are this colour at the share's opacity. */
  colour: string;
  map: PromptMap;
}

const KIND_TEXT: Record<PromptMap['kind'], string> = {
  'softmax-mass': 'softmax mass on the prompt keys, mean over heads',
  'output-share': "share of the attention output from the prompts, ‖ΔX‖ / (‖SA(X)‖ + ‖ΔX‖)",
};

const CELL = 22;

/** A column's label: the decoded token, with line breaks, tabs and bare spaces made visible. */
export function tokenLabel(token: string): string {
  const shown = token.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥');
  return shown.trim() === '' ? shown.replace(/ /g, '␣') : shown;
}

function HeatMap({ entry, tokens, captionId }: { entry: PromptMapEntry; tokens: string[]; captionId: string }) {
  const { map } = entry;
  const labelWidth = 64;
  const width = labelWidth + map.tokens * CELL;
  const height = map.layers * CELL + 70;
  return (
    <svg width={width} height={height} role="img" aria-labelledby={captionId} style={{ display: 'block', maxWidth: '100%' }} viewBox={`0 0 ${width} ${height}`}>
      {map.shares.map((row, layer) =>
        row.map((share, t) => (
          <rect key={`${layer}-${t}`} x={labelWidth + t * CELL} y={layer * CELL} width={CELL - 1} height={CELL - 1} fill={entry.colour} fillOpacity={Math.min(1, Math.max(0.03, share))} stroke="#d4d4d8" strokeWidth={0.5}>
            <title>{`layer ${layer}, token ${t} “${tokenLabel(tokens[t] ?? '')}”: ${(share * 100).toFixed(1)}%`}</title>
          </rect>
        )),
      )}
      {map.shares.map((_, layer) => (
        <text key={`l${layer}`} x={labelWidth - 6} y={layer * CELL + CELL * 0.68} textAnchor="end" fontSize={11} fill="#27272a">
          layer {layer}
        </text>
      ))}
      {Array.from({ length: map.tokens }, (_, t) => (
        <text key={`t${t}`} transform={`translate(${labelWidth + t * CELL + CELL * 0.6}, ${map.layers * CELL + 6}) rotate(60)`} fontSize={10} fill="#27272a">
          {tokenLabel(tokens[t] ?? String(t)).slice(0, 8)}
        </text>
      ))}
    </svg>
  );
}

function ShareTable({ entry, tokens }: { entry: PromptMapEntry; tokens: string[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid="prompt-map-table">
        <caption>{entry.label}: percent drawn from the prompts ({KIND_TEXT[entry.map.kind]})</caption>
        <thead>
          <tr>
            <th scope="col">Layer</th>
            {Array.from({ length: entry.map.tokens }, (_, t) => (
              <th scope="col" key={t}>
                {tokens[t] === undefined ? t : tokenLabel(tokens[t])}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {entry.map.shares.map((row, layer) => (
            <tr key={layer}>
              <th scope="row">{layer}</th>
              {row.map((share, t) => (
                <td key={t}>{(share * 100).toFixed(1)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PromptAttentionMap({ entries, tokens, initialView = 'heatmap' }: { entries: PromptMapEntry[]; tokens: string[]; initialView?: 'heatmap' | 'table' }) {
  const baseId = useId();
  const [asTable, setAsTable] = useState(initialView === 'table');
  if (entries.length === 0) return null;
  return (
    <section className="panel" aria-label="Where tokens draw from the prompts" data-testid="prompt-attention-map">
      <h3>Where tokens draw from the prompts</h3>
      <p>Rows are layers, columns the example’s tokens; darker cells take more from the prompts.</p>
      <label>
        <input type="checkbox" checked={asTable} onChange={(e) => setAsTable(e.target.checked)} /> Show as tables
      </label>
      {entries.map((entry, i) => {
        const captionId = `${baseId}-${i}`;
        return (
          <figure key={entry.label} style={{ margin: '0.75rem 0' }}>
            <figcaption id={captionId}>
              <strong>{entry.label}</strong> — {KIND_TEXT[entry.map.kind]}; mean {((entry.map.shares.flat().reduce((a, b) => a + b, 0) / Math.max(1, entry.map.layers * entry.map.tokens)) * 100).toFixed(1)}%
            </figcaption>
            {asTable ? <ShareTable entry={entry} tokens={tokens} /> : <HeatMap entry={entry} tokens={tokens} captionId={captionId} />}
          </figure>
        );
      })}
    </section>
  );
}

const METHOD_TITLES: Partial<Record<string, string>> = { 'deep-prompt': 'Deep prompt', apt: 'APT' };

/** The app's panel: the maps the worker sent after training (deep prompt and APT runs only). */
export function PromptAttentionMapPanel() {
  const maps = useAppStore((s) => s.promptMaps);
  const runSpec = useAppStore((s) => s.runSpec);
  if (maps.length === 0) return null;
  // Run order (events may arrive out of order: some come with the run's outcome).
  const ordered = [...maps].sort((a, b) => Number(a.runId.split(':')[0]) - Number(b.runId.split(':')[0]));
  const entries = ordered.map((m) => {
    const index = Number(m.runId.split(':')[0]);
    const options = runSpec?.methods[index]?.options as { length?: number } | undefined;
    return { label: `${METHOD_TITLES[m.method] ?? m.method}${options?.length ? ` p=${options.length}` : ''} (run ${m.runId})`, colour: methodColour(m.method), map: m.map };
  });
  return <PromptAttentionMap entries={entries} tokens={ordered[0].tokens} />;
}
