import { useId } from 'react';

interface CheckboxGroupProps {
  legend: string;
  choices: ReadonlyArray<{ value: string; label: string }>;
  selected: readonly string[];
  disabled?: boolean;
  /** Why the new selection would be rejected, or null; a rejected click leaves the selection. */
  validate(selected: string[]): string | null;
  onChange(selected: string[]): void;
}

/** A fieldset of checkboxes for a set-valued option (e.g. LoRA's target matrices). */
export function CheckboxGroup({ legend, choices, selected, disabled, validate, onChange }: CheckboxGroupProps) {
  const id = useId();
  const problem = validate([...selected]);
  const toggle = (value: string, on: boolean) => {
    // Keep the choices' order, so the same set always reads (and links) the same way.
    const next = choices.map((c) => c.value).filter((v) => (v === value ? on : selected.includes(v)));
    if (validate(next) === null) onChange(next);
  };
  return (
    <fieldset className="checkbox-group" aria-describedby={problem ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {choices.map((choice) => {
        const checked = selected.includes(choice.value);
        // The last ticked box cannot be unticked (an empty set is rejected by the schema).
        const locked = checked && selected.length === 1;
        return (
          <label key={choice.value} className="check">
            <input type="checkbox" checked={checked} disabled={disabled} aria-disabled={locked || undefined} onChange={(event) => toggle(choice.value, event.target.checked)} />
            {choice.label}
          </label>
        );
      })}
      {problem && (
        <p className="field-error" id={`${id}-error`}>
          {problem}
        </p>
      )}
    </fieldset>
  );
}
