import type { MethodInfo, MethodName } from './types';
import { fullInfo } from './full-info';
import { headInfo } from './head-info';
import { promptInfo } from './prompt-info';
import { loraInfo } from './lora-info';
import { deptInfo } from './dept-info';
import { deepPromptInfo } from './deep-prompt-info';
import { aptInfo } from './apt-info';
import { nolaInfo } from './nola-info';

/**
 * The one list of methods, as data: names, configs, defaults and exact formulas, no tensors.
 * The page, the link codec and the spec read methods from here, so none of them imports tfjs;
 * registry.ts adds each method's `attach` for the worker, the lab and Node.
 * Adding a method = `<method>-info.ts` + one line here, `<method>.ts` + one line in registry.ts.
 * Configs are `unknown` here: callers validate them with the method's own schema first
 * (`resolveMethodConfig`).
 */
export const METHOD_INFOS: ReadonlyArray<MethodInfo<unknown>> = [fullInfo, headInfo, promptInfo, loraInfo, deptInfo, deepPromptInfo, aptInfo, nolaInfo];

export const METHOD_NAMES = METHOD_INFOS.map((m) => m.name) as MethodName[];

export function methodInfo(name: string): MethodInfo<unknown> {
  const method = METHOD_INFOS.find((m) => m.name === name);
  if (!method) throw new Error(`unknown method "${name}"; known: ${METHOD_NAMES.join(', ')}`);
  return method;
}

/** Defaults merged with user options, validated by the method's schema; errors name the field. */
export function resolveMethodConfig(name: string, options: Record<string, unknown> = {}): unknown {
  const method = methodInfo(name);
  const merged = { ...(method.defaults as Record<string, unknown>), ...options };
  const parsed = method.schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? `${name}.${issue.path.join('.')}` : name;
    throw new Error(`method option "${field}": ${issue.message}`);
  }
  return parsed.data;
}
