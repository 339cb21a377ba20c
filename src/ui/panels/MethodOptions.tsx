import { resolveMethodConfig } from '../../engine/methods/catalog';
import type { MethodInfo } from '../../engine/methods/types';
import { CHOICE_LABELS, OPTION_LABELS } from '../catalog';
import { CheckboxGroup } from '../components/CheckboxGroup';
import { NumberField } from '../components/NumberField';
import { SelectField } from '../components/SelectField';
import { optionFields, type OptionField } from '../method-fields';
import { optionProblemText } from '../spec-edit';

interface MethodOptionsProps {
  method: MethodInfo<unknown>;
  options: Record<string, unknown>;
  disabled: boolean;
  onChange(options: Record<string, unknown>): void;
}

/** The inputs for one method's options, generated from its schema (see method-fields.ts). */
export function MethodOptions({ method, options, disabled, onChange }: MethodOptionsProps) {
  const fields = optionFields(method);
  if (fields.length === 0) return null;
  // Validated by the method's own schema, so the UI accepts exactly what the engine accepts.
  const problemWith = (key: string, value: unknown): string | null => {
    try {
      resolveMethodConfig(method.name, { ...options, [key]: value });
      return null;
    } catch (error) {
      return optionProblemText(error instanceof Error ? error.message : String(error));
    }
  };
  const label = (key: string) => OPTION_LABELS[`${method.name}.${key}`] ?? key;
  const choice = (value: string) => ({ value, label: CHOICE_LABELS[value] ?? value });
  const render = (field: OptionField) => {
    const value = options[field.key];
    switch (field.kind) {
      case 'number':
        return field.nullable ? renderNullable(field, value) : renderNumber(field, value, label(field.key));
      case 'enum':
        return (
          <SelectField
            key={field.key}
            label={label(field.key)}
            value={String(value)}
            choices={field.choices.map(choice)}
            disabled={disabled}
            onChange={(v) => onChange({ ...options, [field.key]: v })}
          />
        );
      case 'multi':
        return (
          <CheckboxGroup
            key={field.key}
            legend={label(field.key)}
            choices={field.choices.map(choice)}
            selected={Array.isArray(value) ? value.map(String) : []}
            disabled={disabled}
            validate={(v) => problemWith(field.key, v)}
            onChange={(v) => onChange({ ...options, [field.key]: v })}
          />
        );
      case 'boolean':
        return (
          <label key={field.key} className="check">
            <input type="checkbox" checked={value === true} disabled={disabled} onChange={(event) => onChange({ ...options, [field.key]: event.target.checked })} />
            {label(field.key)}
          </label>
        );
      case 'json':
        // Only set through a link (NOLA's trained coefficients): nothing to say when there are none.
        if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) return null;
        return (
          <p key={field.key} className="hint" data-testid={`option-${method.name}-${field.key}`}>
            {label(field.key)}: {typeof value === 'string' ? value : JSON.stringify(value)} (set through the link)
          </p>
        );
    }
  };
  function renderNumber(field: Extract<OptionField, { kind: 'number' }>, value: unknown, text: string) {
    return (
      <NumberField
        key={field.key}
        label={text}
        value={typeof value === 'number' ? value : Number.NaN}
        integer={field.integer}
        min={field.min}
        max={field.max}
        disabled={disabled}
        validate={(v) => problemWith(field.key, v)}
        onCommit={(v) => onChange({ ...options, [field.key]: v })}
      />
    );
  }

  /**
   * A number that can be switched off (null): a checkbox, and the input while it is on. A render
   * function, not a component, so the input keeps its identity (and focus) across edits.
   */
  function renderNullable(field: Extract<OptionField, { kind: 'number' }>, value: unknown) {
    const on = typeof value === 'number';
    const switchOn = () => {
      // The method's default if it has one, else the smallest value the schema accepts.
      const fallback = (method.defaults as Record<string, unknown>)[field.key];
      const candidates = [fallback, field.min ?? 0, options.length].filter((v): v is number => typeof v === 'number');
      const accepted = candidates.find((v) => problemWith(field.key, v) === null);
      if (accepted !== undefined) onChange({ ...options, [field.key]: accepted });
    };
    return (
      <div className="nullable-field" key={field.key}>
        <label className="check">
          <input
            type="checkbox"
            checked={on}
            disabled={disabled}
            onChange={(event) => (event.target.checked ? switchOn() : problemWith(field.key, null) === null && onChange({ ...options, [field.key]: null }))}
          />
          {label(field.key)}
        </label>
        {on && renderNumber(field, value, `${label(field.key)}: value`)}
      </div>
    );
  }

  return <div className="method-options">{fields.map(render)}</div>;
}
