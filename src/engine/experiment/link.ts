import type { z } from 'zod';
import { DEFAULT_SPEC, SPEC_VERSION, SpecError, experimentSpecSchema, parseExperimentSpec, type ExperimentSpec, type MethodSpec } from './spec';
import { METHOD_INFOS, METHOD_NAMES, resolveMethodConfig } from '../methods/catalog';
import type { MethodInfo, MethodName } from '../methods/types';
import { TASKS, isTaskId, taskById, taskFamilyProblem } from '../data/tasks';
import { builtInModel } from './built-in-models';
import { modelRefText, parseModelRef } from '../io/model-ref';
import { STRATEGY_NAMES, continualSettingsSchema, type ContinualSettings, type StrategyName } from '../continual/settings';

/**
 * An experiment as a shareable link: the URL hash holds every field of the spec as readable
 * `key=value` pairs (in the spirit of TensorFlow Playground's state.ts), e.g.
 *
 *   #v=1&model=tiny-gpt2&task=spam&methods=full,prompt,lora&steps=60&…&lora.r=8&lora.targets=q,v
 *
 * A task stream (split-mnist, sotu-eras) also carries its continual settings before the method
 * options (`…&cl.strategies=sequential,dynamic&cl.batches=40&…&cl.eval=0&lora.r=4…`) and one method.
 *
 * Writing is complete and in a fixed key order, so a link replays the exact run and the same
 * spec always gives the same link. Reading treats the hash as untrusted input: it never
 * evaluates anything, never throws for bad content (each bad key falls back to its default
 * with a plain-text notice), and only throws `LinkError` for a hash over MAX_LINK_CHARS.
 */

/** Longest hash (without '#') that is read at all. */
export const MAX_LINK_CHARS = 4096;

/** The built-in checkpoints (folders under public/models/). */
export { BUILT_IN_MODEL_IDS } from './built-in-models';

export interface LinkParseResult {
  spec: ExperimentSpec;
  /** Plain text (render as text, never as HTML), one line per thing that was ignored or replaced. */
  notices: string[];
}

export class LinkError extends Error {
  override name = 'LinkError';
}

/** At most this many notices are returned (the last one then says how many were left out). */
const MAX_NOTICES = 20;
/** Longest user-supplied value shown in a notice, in characters. */
const MAX_SHOWN_CHARS = 40;

// ---------------------------------------------------------------------------------------------
// The fixed fields, in link order (after v, model, task, methods; before the method options).

/** clip: a number or "none" (null); batches: a number or "auto". */
type FieldKind = 'number' | 'enum' | 'clip' | 'batches';

interface Field {
  key: string;
  kind: FieldKind;
  /** The spec schema's own validator for this field (range, integer, enum). */
  schema: z.ZodType;
  get(spec: ExperimentSpec): number | string | null;
  /** Called only with a value `schema` accepted. */
  set(spec: ExperimentSpec, value: unknown): void;
}

const S = experimentSpecSchema.shape;
const OPT = S.optimizer.shape;
const LR = OPT.lr.shape;

const FIELDS: readonly Field[] = [
  { key: 'steps', kind: 'number', schema: S.steps, get: (s) => s.steps, set: (s, v) => void (s.steps = v as number) },
  { key: 'batch', kind: 'number', schema: S.batchSize, get: (s) => s.batchSize, set: (s, v) => void (s.batchSize = v as number) },
  { key: 'seq', kind: 'number', schema: S.seqLen, get: (s) => s.seqLen, set: (s, v) => void (s.seqLen = v as number) },
  { key: 'seed', kind: 'number', schema: S.seed, get: (s) => s.seed, set: (s, v) => void (s.seed = v as number) },
  { key: 'opt', kind: 'enum', schema: OPT.kind, get: (s) => s.optimizer.kind, set: (s, v) => void (s.optimizer.kind = v as ExperimentSpec['optimizer']['kind']) },
  { key: 'lr.model', kind: 'number', schema: LR.model, get: (s) => s.optimizer.lr.model, set: (s, v) => void (s.optimizer.lr.model = v as number) },
  { key: 'lr.head', kind: 'number', schema: LR.head, get: (s) => s.optimizer.lr.head, set: (s, v) => void (s.optimizer.lr.head = v as number) },
  { key: 'lr.prompt', kind: 'number', schema: LR.prompt, get: (s) => s.optimizer.lr.prompt, set: (s, v) => void (s.optimizer.lr.prompt = v as number) },
  { key: 'lr.lora', kind: 'number', schema: LR.lora, get: (s) => s.optimizer.lr.lora, set: (s, v) => void (s.optimizer.lr.lora = v as number) },
  { key: 'lr.lowrank', kind: 'number', schema: LR.lowrank, get: (s) => s.optimizer.lr.lowrank, set: (s, v) => void (s.optimizer.lr.lowrank = v as number) },
  { key: 'lr.nola', kind: 'number', schema: LR.nola, get: (s) => s.optimizer.lr.nola, set: (s, v) => void (s.optimizer.lr.nola = v as number) },
  { key: 'lr.apt', kind: 'number', schema: LR.apt, get: (s) => s.optimizer.lr.apt, set: (s, v) => void (s.optimizer.lr.apt = v as number) },
  { key: 'beta1', kind: 'number', schema: OPT.beta1, get: (s) => s.optimizer.beta1, set: (s, v) => void (s.optimizer.beta1 = v as number) },
  { key: 'beta2', kind: 'number', schema: OPT.beta2, get: (s) => s.optimizer.beta2, set: (s, v) => void (s.optimizer.beta2 = v as number) },
  { key: 'eps', kind: 'number', schema: OPT.epsilon, get: (s) => s.optimizer.epsilon, set: (s, v) => void (s.optimizer.epsilon = v as number) },
  { key: 'wd', kind: 'number', schema: OPT.weightDecay, get: (s) => s.optimizer.weightDecay, set: (s, v) => void (s.optimizer.weightDecay = v as number) },
  { key: 'clip', kind: 'clip', schema: OPT.clipNorm, get: (s) => s.optimizer.clipNorm, set: (s, v) => void (s.optimizer.clipNorm = v as number | null) },
  { key: 'sched', kind: 'enum', schema: S.schedule.shape.kind, get: (s) => s.schedule.kind, set: (s, v) => void (s.schedule.kind = v as ExperimentSpec['schedule']['kind']) },
  { key: 'warmup', kind: 'number', schema: S.schedule.shape.warmupSteps, get: (s) => s.schedule.warmupSteps, set: (s, v) => void (s.schedule.warmupSteps = v as number) },
  { key: 'eval.every', kind: 'number', schema: S.eval.shape.every, get: (s) => s.eval.every, set: (s, v) => void (s.eval.every = v as number) },
  { key: 'eval.batches', kind: 'batches', schema: S.eval.shape.maxBatches, get: (s) => s.eval.maxBatches, set: (s, v) => void (s.eval.maxBatches = v as number | 'auto') },
  { key: 'log', kind: 'number', schema: S.logEvery, get: (s) => s.logEvery, set: (s, v) => void (s.logEvery = v as number) },
  // Written only when on (see specToHash), so links made before checkpointing existed stay as they were.
  { key: 'ckpt', kind: 'enum', schema: S.memory.shape.checkpoint, get: (s) => s.memory.checkpoint, set: (s, v) => void (s.memory.checkpoint = v as ExperimentSpec['memory']['checkpoint']) },
];

/**
 * Fields left out of a link while they hold their default. eval.batches: links made before "auto"
 * carry their number (it still means that many batches); links at "auto" leave it out.
 */
const OMITTED_AT_DEFAULT: Readonly<Record<string, string>> = { ckpt: 'none', 'eval.batches': 'auto' };

// ---------------------------------------------------------------------------------------------
// Continual settings (`cl.*`): written only for a task stream, so every other link stays as it was.

const CL = continualSettingsSchema.shape;

interface ContinualField {
  key: string;
  kind: 'number' | 'boolean';
  schema: z.ZodType;
  get(settings: ContinualSettings): number | boolean;
  /** Called only with a value `schema` accepted. */
  set(settings: ContinualSettings, value: unknown): void;
}

/** After `cl.strategies`, in link order. */
const CONTINUAL_FIELDS: readonly ContinualField[] = [
  { key: 'cl.batches', kind: 'number', schema: CL.batchesPerTask, get: (c) => c.batchesPerTask, set: (c, v) => void (c.batchesPerTask = v as number) },
  { key: 'cl.selector', kind: 'number', schema: CL.selectorBatches, get: (c) => c.selectorBatches, set: (c, v) => void (c.selectorBatches = v as number) },
  { key: 'cl.topt', kind: 'number', schema: CL.topT, get: (c) => c.topT, set: (c, v) => void (c.topT = v as number) },
  { key: 'cl.ratio', kind: 'number', schema: CL.oldPerNew, get: (c) => c.oldPerNew, set: (c, v) => void (c.oldPerNew = v as number) },
  { key: 'cl.memory', kind: 'number', schema: CL.memoryPerClass, get: (c) => c.memoryPerClass, set: (c, v) => void (c.memoryPerClass = v as number) },
  { key: 'cl.epochs', kind: 'number', schema: CL.limitlessEpochs, get: (c) => c.limitlessEpochs, set: (c, v) => void (c.limitlessEpochs = v as number) },
  { key: 'cl.low', kind: 'number', schema: CL.lowLogit, get: (c) => c.lowLogit, set: (c, v) => void (c.lowLogit = v as number) },
  { key: 'cl.cache', kind: 'boolean', schema: CL.cache, get: (c) => c.cache, set: (c, v) => void (c.cache = v as boolean) },
  { key: 'cl.eval', kind: 'number', schema: CL.evalExamplesPerTask, get: (c) => c.evalExamplesPerTask, set: (c, v) => void (c.evalExamplesPerTask = v as number) },
];
const CONTINUAL_KEYS: ReadonlySet<string> = new Set<string>(['cl.strategies', ...CONTINUAL_FIELDS.map((f) => f.key)]);

/**
 * The method a task stream trains when the link (or the editor) names no single one: LoRA of
 * rank 4, as in the ConPET paper's experiments.
 */
export const STREAM_DEFAULT_METHOD: MethodSpec = { name: 'lora', options: { r: 4 } };

function isStreamTask(taskId: string): boolean {
  return isTaskId(taskId) && taskById(taskId).stream !== undefined;
}

const HEADER_KEYS = ['v', 'model', 'task', 'methods'] as const;
const FIXED_KEYS: ReadonlySet<string> = new Set<string>([...HEADER_KEYS, ...FIELDS.map((f) => f.key), ...CONTINUAL_KEYS]);

// ---------------------------------------------------------------------------------------------
// Values.

/** Decimal numbers only: no hex, no "Infinity", no empty string (which Number() reads as 0). */
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Shortest text that reads back as exactly `n` ("0.0003", "1e-8", "0.30000000000000004"). */
function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new LinkError(`${n} cannot be written in a link`);
  if (Object.is(n, -0)) return '-0';
  return String(n).replace('e+', 'e');
}

type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

function readNumber(text: string): Read<number> {
  if (!NUMBER_RE.test(text)) return { ok: false, reason: 'is not a number' };
  const n = Number(text);
  if (!Number.isFinite(n)) return { ok: false, reason: 'is not a finite number' };
  return { ok: true, value: n };
}

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Writes one scalar; commas inside are escaped so that lists can use them as separators. */
function writeScalar(value: unknown, where: string): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return encodeURIComponent(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null) return 'none';
  throw new LinkError(`${where}: a ${typeof value} cannot be written in a link`);
}

function writeValue(value: unknown, where: string): string {
  if (Array.isArray(value)) return value.map((v) => writeScalar(v, where)).join(',');
  return writeScalar(value, where);
}

// Control characters (C0, DEL, C1), soft hyphen, bidi controls and other invisible format
// characters, line/paragraph separators, BOM; then lone surrogates.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A user-supplied string as it may appear in a notice: visible characters only, at most ~40. */
function show(text: string, max = MAX_SHOWN_CHARS): string {
  const clean = text.replace(LONE_SURROGATE, '').replace(INVISIBLE, '');
  const chars = Array.from(clean);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : clean;
}

/** A validator's message in a notice: sanitised too, but allowed to be longer than a value. */
function showReason(text: string): string {
  return show(text, 160);
}

function showDefault(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => showDefault(v)).join(',');
  if (value === null) return 'none';
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** The first issue's message; `depth` path segments are already named by the key. */
function firstIssue(error: z.ZodError, depth = 0): string {
  const issue = error.issues[0];
  const rest = issue.path.slice(depth);
  const where = rest.length === 1 && typeof rest[0] === 'number' ? ` (item ${rest[0] + 1})` : rest.length > 0 ? ` (at ${rest.map(String).join('.')})` : '';
  return `${issue.message}${where}`;
}

class Notices {
  private readonly list: string[] = [];
  add(text: string): void {
    this.list.push(text);
  }
  result(): string[] {
    if (this.list.length <= MAX_NOTICES) return [...this.list];
    return [...this.list.slice(0, MAX_NOTICES - 1), `… and ${this.list.length - (MAX_NOTICES - 1)} more notices`];
  }
}

function normalizedDefault(): ExperimentSpec {
  return parseExperimentSpec(DEFAULT_SPEC);
}

// ---------------------------------------------------------------------------------------------
// Writing.

/**
 * The link hash (without '#') of a spec: every field, in a fixed order, method options as
 * `<method>.<option>`. The spec is validated and completed first (SpecError if invalid).
 * Throws LinkError if a method is listed twice: a link carries one run per method.
 */
export function specToHash(input: ExperimentSpec): string {
  const spec = parseExperimentSpec(input);
  const seen = new Set<string>();
  for (const m of spec.methods) {
    if (seen.has(m.name)) throw new LinkError(`links carry one run per method; method "${m.name}" is listed twice`);
    seen.add(m.name);
  }
  const parts = [
    `v=${formatNumber(spec.version)}`,
    `model=${writeScalar(spec.model, 'model')}`,
    `task=${writeScalar(spec.task, 'task')}`,
    `methods=${spec.methods.map((m) => writeScalar(m.name, 'methods')).join(',')}`,
  ];
  for (const field of FIELDS) {
    const value = field.get(spec);
    if (OMITTED_AT_DEFAULT[field.key] === value) continue;
    parts.push(`${field.key}=${writeScalar(value, field.key)}`);
  }
  if (isStreamTask(spec.task)) {
    parts.push(`cl.strategies=${spec.continual.strategies.map((name) => writeScalar(name, 'cl.strategies')).join(',')}`);
    for (const field of CONTINUAL_FIELDS) parts.push(`${field.key}=${writeScalar(field.get(spec.continual), field.key)}`);
  }
  for (const m of spec.methods) {
    for (const [option, value] of Object.entries(m.options)) {
      const key = `${m.name}.${encodeURIComponent(option)}`;
      parts.push(`${key}=${writeValue(value, key)}`);
    }
  }
  const hash = parts.join('&');
  if (hash.length > MAX_LINK_CHARS) throw new LinkError(`link is ${hash.length} characters; the limit is ${MAX_LINK_CHARS}`);
  return hash;
}

// ---------------------------------------------------------------------------------------------
// Reading.

/** Option names a link may set: identifiers that are not Object.prototype members. */
function isPlainOptionName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !(name in Object.prototype);
}

/**
 * Typed candidates for an option's text, from the type of the method's default for it (or,
 * for an option without a default, every reading the text allows, tried in order).
 */
function optionCandidates(raw: string, sample: unknown, hasSample: boolean): Read<unknown[]> {
  const scalar = (text: string, like: unknown, known: boolean): Read<unknown[]> => {
    const decoded = decode(text);
    if (decoded === undefined) return { ok: false, reason: 'has malformed percent-encoding' };
    if (known && typeof like === 'number') {
      // "none" is how a null is written; the method's schema decides whether null is allowed.
      if (decoded === 'none') return { ok: true, value: [null] };
      const n = readNumber(decoded);
      return n.ok ? { ok: true, value: [n.value] } : n;
    }
    if (known && typeof like === 'boolean') {
      return decoded === 'true' || decoded === 'false' ? { ok: true, value: [decoded === 'true'] } : { ok: false, reason: 'is not true or false' };
    }
    if (known && typeof like === 'string') return { ok: true, value: [decoded] };
    const out: unknown[] = [];
    const n = readNumber(decoded);
    if (n.ok) out.push(n.value);
    if (decoded === 'true' || decoded === 'false') out.push(decoded === 'true');
    if (decoded === 'none') out.push(null);
    out.push(decoded);
    return { ok: true, value: out };
  };
  if (hasSample && Array.isArray(sample)) {
    if (raw === '') return { ok: true, value: [[]] };
    const pieces = raw.split(',');
    const elementKnown = sample.length > 0;
    const elements: unknown[] = [];
    for (const piece of pieces) {
      const read = scalar(piece, sample[0], elementKnown);
      if (!read.ok) return read;
      elements.push(read.value[0]);
    }
    return { ok: true, value: [elements] };
  }
  if (hasSample && sample !== null && typeof sample !== 'object') return scalar(raw, sample, true);
  const out = scalar(raw, undefined, false);
  if (!out.ok) return out;
  // An option without a (scalar) default may also be a list.
  if (raw.includes(',') || !hasSample) {
    const list = optionCandidates(raw, [], true);
    if (list.ok) out.value.push(...list.value);
  }
  return out;
}

/** Reads `<method>.<option>` keys for one method; returns its complete, validated options. */
function readMethodOptions(
  method: MethodInfo<unknown>,
  keys: Array<[option: string, raw: string]>,
  notices: Notices,
  /** Options that replace the method's own defaults (a stream's LoRA has rank 4). */
  base: Record<string, unknown> = {},
): Record<string, unknown> {
  const defaults = resolveMethodConfig(method.name, base) as Record<string, unknown>;
  const chosen = new Map<string, unknown>();
  // Each option's readings, decoded first, so that one option is judged beside the link's own
  // values of the others (a DePT budget of 20 is valid with the link's m = 10, not with the
  // default m = 60), and beside the defaults only when those others are themselves bad.
  const readings: Array<{ option: string; key: string; raw: string; known: boolean; values: unknown[] }> = [];
  for (const [option, raw] of keys) {
    const key = `${method.name}.${option}`;
    const known = Object.prototype.hasOwnProperty.call(defaults, option);
    if (!known && !isPlainOptionName(option)) {
      notices.add(`unknown key "${show(key)}" ignored`);
      continue;
    }
    const candidates = optionCandidates(raw, known ? defaults[option] : undefined, known);
    if (!candidates.ok) {
      const shown = show(decode(raw) ?? raw);
      const fallback = known ? `default ${showDefault(defaults[option])} used` : 'ignored';
      notices.add(`${show(key)} "${shown}" ${candidates.reason}; ${fallback}`);
      continue;
    }
    readings.push({ option, key, raw, known, values: candidates.value });
  }
  const asWritten: Record<string, unknown> = Object.fromEntries(readings.filter((r) => r.known).map((r) => [r.option, r.values[0]]));
  for (const { option, key, raw, known, values } of readings) {
    let firstError: z.ZodError | undefined;
    let accepted = false;
    for (const context of [{ ...defaults, ...asWritten }, defaults]) {
      for (const value of values) {
        // A computed key defines an own property, even for "__proto__".
        const parsed = method.schema.safeParse({ ...context, [option]: value });
        if (parsed.success) {
          chosen.set(option, value);
          accepted = true;
          break;
        }
        firstError ??= parsed.error;
      }
      if (accepted) break;
    }
    if (accepted) continue;
    if (!known && firstError?.issues.some((i) => i.code === 'unrecognized_keys')) {
      notices.add(`unknown key "${show(key)}" ignored`);
      continue;
    }
    const fallback = known ? `default ${showDefault(defaults[option])} used` : 'ignored';
    const reason = firstError ? firstIssue(firstError, 1) : 'is not valid';
    notices.add(`${show(key)} "${show(decode(raw) ?? raw)}": ${showReason(reason)}; ${fallback}`);
  }
  // Object.fromEntries and spread define own properties (no prototype setter involved).
  const options = { ...defaults, ...Object.fromEntries(chosen) };
  try {
    return resolveMethodConfig(method.name, options) as Record<string, unknown>;
  } catch (error) {
    notices.add(`${method.name} options do not fit together (${showReason((error as Error).message)}); ${method.name} defaults used`);
    return defaults;
  }
}

/**
 * Reads the `cl.*` keys of a task stream's link onto a copy of `defaults`: each bad value is a
 * notice and keeps its default, as for every other field.
 */
function readContinualSettings(defaults: ContinualSettings, entries: ReadonlyMap<string, string>, notices: Notices): ContinualSettings {
  const settings: ContinualSettings = { ...defaults, strategies: [...defaults.strategies] };
  const strategiesRaw = entries.get('cl.strategies');
  if (strategiesRaw !== undefined) {
    const names: StrategyName[] = [];
    for (const piece of strategiesRaw.split(',')) {
      if (piece === '') continue;
      const name = decode(piece);
      if (name === undefined) notices.add(`cl.strategies: "${show(piece)}" has malformed percent-encoding; ignored`);
      else if (!(STRATEGY_NAMES as readonly string[]).includes(name)) {
        notices.add(`cl.strategies: unknown strategy "${show(name)}" ignored (known: ${STRATEGY_NAMES.join(', ')})`);
      } else if (names.includes(name as StrategyName)) notices.add(`cl.strategies: "${name}" is listed more than once; it runs once`);
      else names.push(name as StrategyName);
    }
    if (names.length > 0) settings.strategies = names;
    else notices.add(`cl.strategies "${show(decode(strategiesRaw) ?? strategiesRaw)}" names no known strategy; default ${defaults.strategies.join(',')} used`);
  }
  for (const field of CONTINUAL_FIELDS) {
    const raw = entries.get(field.key);
    if (raw === undefined) continue;
    const fallback = `default ${showDefault(field.get(defaults))} used`;
    const value = decode(raw);
    if (value === undefined) {
      notices.add(`${field.key} "${show(raw)}" has malformed percent-encoding; ${fallback}`);
      continue;
    }
    let candidate: number | boolean;
    if (field.kind === 'boolean') {
      if (value !== 'true' && value !== 'false') {
        notices.add(`${field.key} "${show(value)}" is not true or false; ${fallback}`);
        continue;
      }
      candidate = value === 'true';
    } else {
      const n = readNumber(value);
      if (!n.ok) {
        notices.add(`${field.key} "${show(value)}" ${n.reason}; ${fallback}`);
        continue;
      }
      candidate = n.value;
    }
    const parsed = field.schema.safeParse(candidate);
    if (parsed.success) field.set(settings, parsed.data);
    else notices.add(`${field.key} "${show(value)}": ${showReason(firstIssue(parsed.error))}; ${fallback}`);
  }
  return settings;
}

/**
 * Reads a link hash (with or without '#'). Throws LinkError only when it is longer than
 * MAX_LINK_CHARS; everything else that is wrong becomes a notice and that key's default.
 * The returned spec has passed parseExperimentSpec.
 */
export function hashToSpec(hash: string): LinkParseResult {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.length > MAX_LINK_CHARS) throw new LinkError(`link is ${text.length} characters; the limit is ${MAX_LINK_CHARS}`);
  const notices = new Notices();

  // Pairs, by decoded key; values stay raw until their field knows how to read them.
  const entries = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const key = decode(rawKey);
    if (key === undefined) {
      notices.add(`key "${show(rawKey)}" has malformed percent-encoding; ignored`);
      continue;
    }
    if (eq < 0) {
      notices.add(`key "${show(key)}" has no value; ignored`);
      continue;
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
    entries.delete(key); // keep the position of the last occurrence
    entries.set(key, part.slice(eq + 1));
  }
  for (const [key, n] of counts) {
    if (n > 1) notices.add(`key "${show(key)}" appears ${n} times; the last value is used`);
  }

  const spec = normalizedDefault();
  const decodedValue = (key: string, current: unknown): string | undefined => {
    const raw = entries.get(key);
    if (raw === undefined) return undefined;
    const value = decode(raw);
    if (value === undefined) notices.add(`${key} "${show(raw)}" has malformed percent-encoding; default ${showDefault(current)} used`);
    return value;
  };

  // v: the spec version.
  if (entries.has('v')) {
    const value = decodedValue('v', SPEC_VERSION);
    if (value !== undefined) {
      const n = readNumber(value);
      if (!n.ok || n.value !== SPEC_VERSION) {
        notices.add(`v "${show(value)}" is not a supported link version (this build reads version ${SPEC_VERSION}); read as version ${SPEC_VERSION}`);
      }
    }
  }

  // model: a built-in id, a Hugging Face repo id or an http(s) folder URL (never a path, never
  // another scheme). Naming another host downloads nothing by itself: the page shows the host
  // and the size and waits for the user's click (ModelPanel).
  if (entries.has('model')) {
    const value = decodedValue('model', spec.model);
    if (value !== undefined) {
      try {
        spec.model = modelRefText(parseModelRef(value));
      } catch (error) {
        // The reason quotes the value: sanitised like every other notice.
        notices.add(`${show((error as Error).message, 320)}; ${spec.model} is used`);
      }
    }
  }

  // task
  if (entries.has('task')) {
    const value = decodedValue('task', spec.task);
    if (value !== undefined) {
      if (TASKS.some((t) => t.id === value)) spec.task = value;
      else notices.add(`task "${show(value)}" is not a known task (known: ${TASKS.map((t) => t.id).join(', ')}); default ${spec.task} used`);
    }
  }
  // A built-in model poses only some tasks (tiny-vit: images; tiny-t5: text-to-text).
  const model = builtInModel(spec.model);
  const problem = model ? taskFamilyProblem(taskById(spec.task), model.family) : null;
  if (model && problem) {
    notices.add(`${problem}; ${model.defaultTask} used`);
    spec.task = model.defaultTask;
  }

  // methods: a comma list of unique method names. A task stream trains one PET method per
  // strategy: the first one listed, else the stream's default (LoRA, rank 4).
  const stream = isStreamTask(spec.task);
  let methodNames: MethodName[] = stream ? [STREAM_DEFAULT_METHOD.name] : spec.methods.map((m) => m.name);
  let methodsFromLink = false;
  const methodsRaw = entries.get('methods');
  if (methodsRaw !== undefined) {
    const names: MethodName[] = [];
    for (const piece of methodsRaw.split(',')) {
      if (piece === '') continue;
      const name = decode(piece);
      if (name === undefined) {
        notices.add(`methods: "${show(piece)}" has malformed percent-encoding; ignored`);
      } else if (!(METHOD_NAMES as string[]).includes(name)) {
        notices.add(`methods: unknown method "${show(name)}" ignored (known: ${METHOD_NAMES.join(', ')})`);
      } else if (names.includes(name as MethodName)) {
        notices.add(`methods: "${name}" is listed more than once; links carry one run per method`);
      } else {
        names.push(name as MethodName);
      }
    }
    if (names.length > 0) {
      methodNames = names;
      methodsFromLink = true;
    } else notices.add(`methods "${show(decode(methodsRaw) ?? methodsRaw)}" names no known method; default ${methodNames.join(',')} used`);
  }
  if (stream && methodNames.length > 1) {
    notices.add(`methods: task ${spec.task} trains one PET method per strategy; ${methodNames[0]} used, ${methodNames.slice(1).join(', ')} ignored`);
    methodNames = [methodNames[0]];
  }
  // The stream's default method starts from the stream's options (the link's own keys still apply).
  const methodBase = (name: MethodName): Record<string, unknown> =>
    stream && !methodsFromLink && name === STREAM_DEFAULT_METHOD.name ? STREAM_DEFAULT_METHOD.options : {};

  // The fixed fields.
  for (const field of FIELDS) {
    if (!entries.has(field.key)) continue;
    const value = decodedValue(field.key, field.get(spec));
    if (value === undefined) continue;
    const fallback = `default ${showDefault(field.get(spec))} used`;
    let candidate: unknown = value;
    if (field.kind === 'number' || (field.kind === 'clip' && value !== 'none') || (field.kind === 'batches' && value !== 'auto')) {
      const n = readNumber(value);
      if (!n.ok) {
        notices.add(`${field.key} "${show(value)}" ${n.reason}${field.kind === 'clip' ? ' (nor "none")' : field.kind === 'batches' ? ' (nor "auto")' : ''}; ${fallback}`);
        continue;
      }
      candidate = n.value;
    } else if (field.kind === 'clip') {
      candidate = null;
    }
    const parsed = field.schema.safeParse(candidate);
    if (parsed.success) field.set(spec, parsed.data);
    else notices.add(`${field.key} "${show(value)}": ${showReason(firstIssue(parsed.error))}; ${fallback}`);
  }

  // Continual settings: read for a task stream only; other tasks have none to set.
  const continualKeys = [...entries.keys()].filter((key) => CONTINUAL_KEYS.has(key));
  if (stream) spec.continual = readContinualSettings(spec.continual, entries, notices);
  else if (continualKeys.length > 0) {
    notices.add(`ignored: ${show(continualKeys.join(', '), 120)} (continual settings apply only to task streams such as split-mnist)`);
  }

  // Method options and anything else.
  const optionKeys = new Map<MethodName, Array<[string, string]>>();
  const ignoredMethods = new Map<string, string[]>();
  for (const [key, raw] of entries) {
    if (FIXED_KEYS.has(key)) continue;
    const dot = key.indexOf('.');
    const prefix = dot < 0 ? '' : key.slice(0, dot);
    if (dot > 0 && (METHOD_NAMES as string[]).includes(prefix)) {
      const name = prefix as MethodName;
      if (methodNames.includes(name)) {
        const list = optionKeys.get(name) ?? [];
        list.push([key.slice(dot + 1), raw]);
        optionKeys.set(name, list);
      } else {
        const list = ignoredMethods.get(name) ?? [];
        list.push(key);
        ignoredMethods.set(name, list);
      }
      continue;
    }
    notices.add(`unknown key "${show(key)}" ignored`);
  }
  for (const [name, keys] of ignoredMethods) {
    notices.add(`ignored: method ${name} not in methods (${show(keys.join(', '))})`);
  }
  spec.methods = methodNames.map((name): MethodSpec => {
    const method = METHOD_INFOS.find((m) => m.name === name) as MethodInfo<unknown>;
    const options = readMethodOptions(method, optionKeys.get(name) ?? [], notices, methodBase(name));
    // ViT has no vocabulary to sample prompt rows from: a prompt init the link leaves to the
    // default starts random there (no run on ViT can have used the vocabulary default).
    const namesInit = (optionKeys.get(name) ?? []).some(([option]) => option === 'init');
    if (model?.family === 'vit' && options.init === 'vocab' && !namesInit) options.init = 'random';
    return { name, options };
  });

  try {
    return { spec: parseExperimentSpec(spec), notices: notices.result() };
  } catch (error) {
    notices.add(`the link's settings do not fit together (${showReason((error as Error).message)}); the default experiment is used`);
    return { spec: normalizedDefault(), notices: notices.result() };
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI's entry: a link, a bare hash, or a JSON spec.

/**
 * For the CLI's `--spec`: a playground URL with a '#…' part, a hash ('#v=1&…'), query-like
 * text containing `model=` or `methods=`, or a JSON spec. Links go through hashToSpec (with
 * notices); JSON through parseExperimentSpec (notices empty; SpecError if invalid).
 * Throws LinkError for a URL without a '#' part or text that is neither a link nor JSON.
 */
export function specFromLinkOrJson(input: string): LinkParseResult {
  const text = input.trim();
  if (text.startsWith('#')) return hashToSpec(text);
  if (text.startsWith('{')) return { spec: parseJsonSpec(text), notices: [] };
  const hashAt = text.indexOf('#');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    if (hashAt < 0) throw new LinkError('this URL has no "#…" part, so it holds no experiment');
    return hashToSpec(text.slice(hashAt + 1));
  }
  if (hashAt >= 0) return hashToSpec(text.slice(hashAt + 1));
  if (/(?:^|[?&])(?:model|methods)=/.test(text)) return hashToSpec(text.startsWith('?') ? text.slice(1) : text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LinkError('expected a playground link (…#v=1&model=…), its "#…" part, or a JSON spec');
  }
  return { spec: parseExperimentSpec(json), notices: [] };
}

function parseJsonSpec(text: string): ExperimentSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SpecError(`spec is not valid JSON: ${(error as Error).message}`);
  }
  return parseExperimentSpec(json);
}
