import { z } from 'zod';
import type { MethodInfo } from '../engine/methods/types';

/**
 * The inputs a method's options need, read from its zod schema, so that a new method's options
 * appear in the UI without UI code: numbers → number inputs, enums → selects, arrays of an enum
 * → checkbox groups, booleans → a checkbox, nullable numbers → a checkbox plus a number input.
 * Anything else is only shown (a link can still set it).
 */
export type OptionField =
  | { kind: 'number'; key: string; integer: boolean; min: number | null; max: number | null; nullable: boolean }
  | { kind: 'enum'; key: string; choices: string[] }
  | { kind: 'multi'; key: string; choices: string[] }
  | { kind: 'boolean'; key: string }
  | { kind: 'json'; key: string };

function finite(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function fieldFor(key: string, schema: unknown): OptionField {
  if (schema instanceof z.ZodNumber) {
    return { kind: 'number', key, integer: schema.isInt, min: finite(schema.minValue), max: finite(schema.maxValue), nullable: false };
  }
  if (schema instanceof z.ZodEnum) return { kind: 'enum', key, choices: schema.options.map(String) };
  if (schema instanceof z.ZodArray && schema.element instanceof z.ZodEnum) {
    return { kind: 'multi', key, choices: schema.element.options.map(String) };
  }
  if (schema instanceof z.ZodBoolean) return { kind: 'boolean', key };
  if (schema instanceof z.ZodNullable) {
    // A number that may be switched off (null), e.g. DePT's PT budget.
    const inner = fieldFor(key, schema.unwrap());
    return inner.kind === 'number' ? { ...inner, nullable: true } : { kind: 'json', key };
  }
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) return fieldFor(key, schema.unwrap());
  return { kind: 'json', key };
}

export function optionFields(method: MethodInfo<unknown>): OptionField[] {
  const schema = method.schema as unknown;
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, unknown>).map(([key, field]) => fieldFor(key, field));
}
