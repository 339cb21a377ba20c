import { useId } from 'react';

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  choices: ReadonlyArray<{ value: T; label: string }>;
  disabled?: boolean;
  hint?: string;
  onChange(value: T): void;
}

export function SelectField<T extends string>({ label, value, choices, disabled, hint, onChange }: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} aria-describedby={hint ? `${id}-hint` : undefined} onChange={(event) => onChange(event.target.value as T)}>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
