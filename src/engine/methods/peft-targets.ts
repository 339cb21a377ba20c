import type { ModelFamily } from '../models/hooks';

/**
 * How Hugging Face PEFT picks the modules a LoRA adapts and the rank/alpha of each, restated
 * from its sources so that an adapter_config.json written by PEFT adapts here exactly the
 * modules it adapts there (module names are those of the transformers task model, e.g.
 * "transformer.h.0.attn.c_attn"):
 *
 * - tuners_utils.check_target_module_exists: a string `target_modules` is a regex that must
 *   match the whole name (re.fullmatch); a list matches a name equal to an entry or ending in
 *   "." + entry. "all-linear" means every linear layer but the output head.
 * - exclude_modules: the same matching, applied to remove modules.
 * - utils.other.get_pattern_key: a `rank_pattern` / `alpha_pattern` key applies to a name that
 *   re.match(rf"(.*\.)?({key})$") matches; the first such key wins, else `r` / `lora_alpha`.
 * - utils.constants.TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING: the targets PEFT uses
 *   when target_modules is null.
 */

export type PeftTargetModules = string | readonly string[];

export const PEFT_DEFAULT_LORA_TARGETS: Record<ModelFamily, readonly string[]> = {
  gpt2: ['c_attn'],
  t5: ['q', 'v'],
  vit: ['query', 'value'],
};

/** Python's re syntax for these patterns is JavaScript's, bar named groups "(?P<x>…)". */
function pythonRegex(pattern: string, field: string): RegExp {
  try {
    return new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'u');
  } catch (error) {
    throw new Error(`field "${field}": ${JSON.stringify(pattern)} is not a regular expression (${(error as Error).message})`);
  }
}

/** Does PEFT's target_modules (or exclude_modules) select module `name`? */
export function peftModuleMatches(targets: PeftTargetModules, name: string, field = 'target_modules'): boolean {
  if (typeof targets === 'string') {
    if (targets === 'all-linear') return true;
    return pythonRegex(`^(?:${targets})$`, field).test(name);
  }
  return targets.some((t) => name === t || name.endsWith(`.${t}`));
}

/** The rank_pattern / alpha_pattern key that applies to module `name`, or null. */
export function peftPatternKey(keys: readonly string[], name: string, field: string): string | null {
  for (const key of keys) if (pythonRegex(`^(.*\\.)?(${key})$`, field).test(name)) return key;
  return null;
}
