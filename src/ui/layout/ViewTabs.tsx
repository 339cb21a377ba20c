import { useRef, type KeyboardEvent, type ReactNode } from 'react';

export type View = 'settings' | 'results';

const VIEWS: ReadonlyArray<{ id: View; label: string }> = [
  { id: 'settings', label: 'Settings' },
  { id: 'results', label: 'Results' },
];

/**
 * Narrow screens: settings and results as two tabs (WAI-ARIA tabs pattern, automatic
 * activation): one Tab stop for the list, ←/→ (and Home/End) move between the tabs, each panel
 * is labelled by its tab, and the hidden panel stays mounted (its inputs keep what was typed).
 */
export function ViewTabs({ view, onChange, panels }: { view: View; onChange(view: View): void; panels: Record<View, ReactNode> }) {
  const tabs = useRef<Partial<Record<View, HTMLButtonElement | null>>>({});
  const move = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const last = VIEWS.length - 1;
    const next = event.key === 'ArrowRight' ? (index + 1) % VIEWS.length : event.key === 'ArrowLeft' ? (index + last) % VIEWS.length : event.key === 'Home' ? 0 : event.key === 'End' ? last : null;
    if (next === null) return;
    event.preventDefault();
    onChange(VIEWS[next].id);
    tabs.current[VIEWS[next].id]?.focus();
  };
  return (
    <>
      <div className="view-tabs" role="tablist" aria-label="Settings or results">
        {VIEWS.map((v, i) => (
          <button
            key={v.id}
            ref={(el) => {
              tabs.current[v.id] = el;
            }}
            type="button"
            role="tab"
            id={`view-tab-${v.id}`}
            aria-selected={view === v.id}
            aria-controls={`view-panel-${v.id}`}
            tabIndex={view === v.id ? 0 : -1}
            onClick={() => onChange(v.id)}
            onKeyDown={(event) => move(event, i)}
          >
            {v.label}
          </button>
        ))}
      </div>
      {VIEWS.map((v) => (
        <div key={v.id} className="view-panel" role="tabpanel" id={`view-panel-${v.id}`} aria-labelledby={`view-tab-${v.id}`} hidden={view !== v.id}>
          {panels[v.id]}
        </div>
      ))}
    </>
  );
}
