import { useLayoutEffect, useRef } from 'react';

/**
 * For a data table that narrow screens show as cards (styles.css): after each render, every
 * body cell gets `data-label` = its column's header text (shown before the value in a card),
 * and the table's parts get their table roles explicitly, since a table laid out with
 * `display: block` may otherwise lose its table semantics in some browsers.
 */
export function useCardLabels<T extends HTMLTableElement>() {
  const ref = useRef<T>(null);
  useLayoutEffect(() => {
    const table = ref.current;
    if (!table) return;
    const headers = [...table.querySelectorAll('thead tr:last-child th')].map((th) => th.textContent?.trim() ?? '');
    table.setAttribute('role', 'table');
    for (const group of table.querySelectorAll('thead, tbody')) group.setAttribute('role', 'rowgroup');
    for (const th of table.querySelectorAll('thead th')) th.setAttribute('role', 'columnheader');
    for (const row of table.querySelectorAll('tr')) {
      row.setAttribute('role', 'row');
      if (row.parentElement?.tagName !== 'TBODY') continue;
      [...row.children].forEach((cell, i) => {
        cell.setAttribute('role', cell.tagName === 'TH' ? 'rowheader' : 'cell');
        if (headers[i]) cell.setAttribute('data-label', headers[i]);
      });
    }
  });
  return ref;
}
