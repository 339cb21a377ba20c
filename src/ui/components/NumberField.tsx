import { useEffect, useId, useState } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  integer?: boolean;
  min?: number | null;
  max?: number | null;
  hint?: string;
  disabled?: boolean;
  /** The reason `value` would be rejected (from the engine's own schema), or null if accepted. */
  validate(value: number): string | null;
  onCommit(value: number): void;
}

/**
 * A labelled number input that keeps what the user types but only hands valid values on, so
 * the spec (and the link) never holds a half-typed or out-of-range number. The reason for a
 * rejection is shown under the input and tied to it with aria-describedby.
 */
export function NumberField({ label, value, integer = false, min, max, hint, disabled, validate, onCommit }: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(String(value));
  // A rejected entry that was left (blurred): the value in force is shown again, with why.
  const [left, setLeft] = useState<{ text: string; problem: string } | null>(null);

  // A new value from outside (a link, a reset) replaces whatever was being typed.
  useEffect(() => {
    setText((current) => (Number(current) === value && current.trim() !== '' ? current : String(value)));
    setLeft(null);
  }, [value]);

  const problemOf = (raw: string): string | null => {
    const trimmed = raw.trim();
    const parsed = trimmed === '' ? NaN : Number(trimmed);
    if (!Number.isFinite(parsed)) return 'Enter a number.';
    if (integer && !Number.isInteger(parsed)) return 'Enter a whole number.';
    return validate(parsed);
  };
  // Worked out on every render, never remembered: when the entry becomes valid (edited, or
  // another field changed what this one may hold), its error goes.
  const error = problemOf(text);

  const change = (next: string) => {
    setText(next);
    setLeft(null);
    const parsed = Number(next.trim());
    if (problemOf(next) === null && parsed !== value) onCommit(parsed);
  };

  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : '', left ? `${id}-kept` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        step={integer ? 1 : 'any'}
        min={min ?? undefined}
        max={max ?? undefined}
        value={text}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => change(event.target.value)}
        onBlur={() => {
          // Leaving a rejected entry shows the value in force again (a note says why).
          if (error) {
            setLeft({ text, problem: error });
            setText(String(value));
          }
        }}
      />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
      {left && !error && (
        <p className="hint" id={`${id}-kept`} data-testid="number-kept">
          Kept {value}: “{left.text.trim() || 'empty'}” was not accepted ({left.problem.replace(/\.$/, '')}).
        </p>
      )}
    </div>
  );
}
