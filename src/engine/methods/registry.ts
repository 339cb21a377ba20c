import type { MethodDefinition, MethodName } from './types';
import { METHOD_INFOS, METHOD_NAMES } from './catalog';
import { fullMethod } from './full';
import { headMethod } from './head';
import { promptMethod } from './prompt';
import { loraMethod } from './lora';
import { deptMethod } from './dept';
import { nolaMethod } from './nola';
import { deepPromptMethod } from './deep-prompt';
import { aptMethod } from './apt';

export { METHOD_NAMES, resolveMethodConfig } from './catalog';

/**
 * Every method with its tensor part (`attach`), for the worker, the lab and Node; the page uses
 * catalog.ts instead, which holds the same methods without tensors. Keyed by name so that a
 * method in the catalog without an attach here is a type error; listed in the catalog's order.
 */
const ATTACHABLE: { [N in MethodName]: MethodDefinition<unknown> } = {
  full: fullMethod,
  head: headMethod,
  prompt: promptMethod,
  lora: loraMethod,
  dept: deptMethod,
  'deep-prompt': deepPromptMethod,
  apt: aptMethod,
  nola: nolaMethod,
};

export const METHODS: ReadonlyArray<MethodDefinition<unknown>> = METHOD_INFOS.map((info) => ATTACHABLE[info.name]);

export function methodByName(name: string): MethodDefinition<unknown> {
  const method = METHODS.find((m) => m.name === name);
  if (!method) throw new Error(`unknown method "${name}"; known: ${METHOD_NAMES.join(', ')}`);
  return method;
}
