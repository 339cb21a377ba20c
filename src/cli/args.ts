/** Tiny argv parser: positionals and `--key value` / `--flag` pairs, nothing clever. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], booleanFlags: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!key) throw new UsageError(`bad option "${arg}"`);
    if (options.has(key)) throw new UsageError(`option --${key} given twice`);
    if (eq > 0) options.set(key, arg.slice(eq + 1));
    else if (booleanFlags.includes(key)) options.set(key, true);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`option --${key} needs a value`);
      options.set(key, value);
      i++;
    }
  }
  return { positionals, options };
}

/** Turns `--name value` strings into typed method options, using the defaults' types. */
export function typedOptions(raw: Map<string, string | true>, defaults: Record<string, unknown>, method: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of raw) {
    if (!Object.hasOwn(defaults, key)) {
      throw new UsageError(`method "${method}" has no option --${key}; its options: ${Object.keys(defaults).map((k) => `--${k}`).join(', ') || '(none)'}`);
    }
    const example = defaults[key];
    const text = value === true ? 'true' : value;
    if (typeof example === 'number' && (text === 'none' || text === 'null')) {
      // A nullable number (DePT's --budget none); the method's schema rejects null elsewhere.
      out[key] = null;
    } else if (typeof example === 'number') {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`option --${key} must be a number, got "${text}"`);
      out[key] = n;
    } else if (Array.isArray(example)) {
      out[key] = text.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (typeof example === 'boolean') {
      if (text !== 'true' && text !== 'false') throw new UsageError(`option --${key} must be true or false, got "${text}"`);
      out[key] = text === 'true';
    } else {
      out[key] = text;
    }
  }
  return out;
}
