import { useEffect, useRef } from 'react';
import type { PresetApplication } from '../preset-apply';
import { formatChanges } from '../results-scope';

/**
 * The confirm step of a sweep preset: which settings it changes ("steps 4→60, batch 2→8"),
 * applied only on "Apply" (Escape cancels). Focus moves to it, so a keyboard user lands on the choice.
 */
export function PresetConfirm({ title, application, onApply, onCancel }: { title: string; application: PresetApplication; onApply(): void; onCancel(): void }) {
  const apply = useRef<HTMLButtonElement>(null);
  useEffect(() => apply.current?.focus(), [application.presetId]);
  return (
    <div
      className="callout preset-confirm"
      role="group"
      aria-labelledby="preset-confirm-heading"
      data-testid="preset-confirm"
      onKeyDown={(event) => {
        if (event.key === 'Escape') onCancel();
      }}
    >
      <p id="preset-confirm-heading">
        <strong>{title}</strong> changes these settings:
      </p>
      <ul data-testid="preset-changes">
        {application.changes.map((c) => (
          <li key={c.setting} data-setting={c.setting}>
            {formatChanges([c])}
          </li>
        ))}
      </ul>
      <div className="buttons">
        <button ref={apply} type="button" className="primary" onClick={onApply}>
          Apply these settings
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
