import type { MethodDefinition, MethodName } from './types';
import { fullMethod } from './full';
import { headMethod } from './head';
import { promptMethod } from './prompt';
import { loraMethod } from './lora';
import { deptMethod } from './dept';
import { nolaMethod } from './nola';
import { deepPromptMethod } from './deep-prompt';
import { aptMethod } from './apt';

/**
 * The one list of methods. Adding a method = one file in methods/ + one line here.
 * Configs are `unknown` here: callers validate them with the method's own schema first
 * (`resolveMethodConfig`).
 */
export const METHODS: ReadonlyArray<MethodDefinition<unknown>> = [fullMethod, headMethod, promptMethod, loraMethod, deptMethod, deepPromptMethod, aptMethod, nolaMethod];

export const METHOD_NAMES = METHODS.map((m) => m.name) as MethodName[];

export function methodByName(name: string): MethodDefinition<unknown> {
  const method = METHODS.find((m) => m.name === name);
  if (!method) throw new Error(`unknown method "${name}"; known: ${METHOD_NAMES.join(', ')}`);
  return method;
}

/** Defaults merged with user options, validated by the method's schema; errors name the field. */
export function resolveMethodConfig(name: string, options: Record<string, unknown> = {}): unknown {
  const method = methodByName(name);
  const merged = { ...(method.defaults as Record<string, unknown>), ...options };
  const parsed = method.schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? `${name}.${issue.path.join('.')}` : name;
    throw new Error(`method option "${field}": ${issue.message}`);
  }
  return parsed.data;
}
