import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { PromptAttentionMap } from '../../src/ui/panels/PromptAttentionMap';
import type { PromptAttentionMap as PromptMap } from '../../src/engine/methods/prompt-attention-map';

/** The heat-map panel renders layers × tokens cells at the share's opacity, and is labelled. */
describe('PromptAttentionMap panel', () => {
  const deep: PromptMap = { kind: 'softmax-mass', layers: 2, tokens: 3, shares: [[0.5, 0.25, 0.1], [0.9, 0.2, 0]] };
  const apt: PromptMap = { kind: 'output-share', layers: 2, tokens: 3, shares: [[0.01, 0.02, 0.03], [0.4, 0.5, 0.6]] };
  const html = renderToStaticMarkup(
    createElement(PromptAttentionMap, {
      entries: [
        { label: 'Deep prompt p=4', colour: '#0e7490', map: deep },
        { label: 'APT p=4', colour: '#4d7c0f', map: apt },
      ],
      tokens: ['The', 'whale', '!'],
    }),
  );

  it('one labelled SVG per method with a cell per layer and token, opacity = share (floored at 0.03)', () => {
    expect(html.match(/<svg[^>]*role="img"/g)?.length).toBe(2);
    expect(html.match(/<rect /g)?.length).toBe(2 * 2 * 3);
    const opacities = [...html.matchAll(/fill-opacity="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(opacities).toEqual([0.5, 0.25, 0.1, 0.9, 0.2, 0.03, 0.03, 0.03, 0.03, 0.4, 0.5, 0.6]);
    expect(html).toContain('layer 1, token 1 “whale”: 20.0%');
    // Means in the captions: deep (0.5+0.25+0.1+0.9+0.2+0)/6 = 32.5%, APT 26.0%.
    expect(html).toContain('mean 32.5%');
    expect(html).toContain('mean 26.0%');
    expect(html).toContain('softmax mass on the prompt keys');
    expect(html).toContain('‖ΔX‖ / (‖SA(X)‖ + ‖ΔX‖)');
  });

  it('offers a table alternative (percent per layer and token) and renders nothing without entries', () => {
    expect(html).toContain('Show as tables');
    const tables = renderToStaticMarkup(createElement(PromptAttentionMap, { entries: [{ label: 'APT p=4', colour: '#4d7c0f', map: apt }], tokens: ['The', 'whale', '!'], initialView: 'table' }));
    expect(tables).not.toContain('<svg');
    const cells = [...tables.matchAll(/<td>([\d.]+)<\/td>/g)].map((m) => m[1]);
    expect(cells).toEqual(['1.0', '2.0', '3.0', '40.0', '50.0', '60.0']);
    expect(tables).toContain('<th scope="col">whale</th>');
    expect(renderToStaticMarkup(createElement(PromptAttentionMap, { entries: [], tokens: [] }))).toBe('');
  });
});
