import { METHOD_NAMES } from '../engine/methods/catalog';
import type { MethodName } from '../engine/methods/types';

/**
 * One colour per method, the same in every chart and in the table. Each is dark enough for
 * 4.5:1 against white, and they differ in lightness as well as hue. A method added to the
 * registry without a colour here gets one from the spare list.
 */
const METHOD_COLOURS: Partial<Record<MethodName, string>> = {
  full: '#1d4ed8',
  head: '#7e22ce',
  prompt: '#b45309',
  lora: '#047857',
  dept: '#be123c',
  'deep-prompt': '#0e7490',
  apt: '#4d7c0f',
  nola: '#9d174d',
};
const SPARE_COLOURS = ['#0e7490', '#4d7c0f', '#9d174d', '#57534e'];

export function methodColour(name: MethodName): string {
  return METHOD_COLOURS[name] ?? SPARE_COLOURS[Math.max(0, METHOD_NAMES.indexOf(name)) % SPARE_COLOURS.length];
}

/** Labels for method options, by `method.option`; unknown options fall back to their key. */
export const OPTION_LABELS: Record<string, string> = {
  'prompt.length': 'Prompt length (virtual tokens)',
  'prompt.init': 'Initialisation',
  'lora.r': 'Rank r',
  'lora.alpha': 'Alpha (update scaled by alpha / r)',
  'lora.dropout': 'Dropout',
  'lora.targets': 'Adapted matrices',
  'dept.length': 'Short prompt length m',
  'dept.budget': 'Match the PT budget of l tokens',
  'dept.r': 'Rank r (when no budget)',
  'dept.init': 'Prompt initialisation',
  'nola.k': 'Bases for A (k)',
  'nola.l': 'Bases for B (l)',
  'nola.r': 'Rank r',
  'nola.c': 'Scale c (update scaled by c / r)',
  'nola.seed': 'Basis seed',
  'nola.shared': 'Share bases across layers',
  'nola.quantBits': 'Quantization-aware training (bits)',
  'nola.targets': 'Adapted matrices',
  'nola.adapter': 'Trained coefficients (from a link)',
  'deep-prompt.length': 'Prompt rows per layer p',
  'deep-prompt.init': 'Prompt initialisation',
  'deep-prompt.decoder': 'T5: prompts in the decoder too (encoder only by default)',
  'apt.length': "Prompt rows per layer p (P')",
  'apt.r': 'Rank r of W1·W2 (low-rank variant)',
  'apt.variant': 'Key projection K from P\'',
  'apt.decoder': 'T5: APT in the decoder too (encoder only by default)',
};

/** Labels for enum choices, by value; unknown ones show as they are. */
export const CHOICE_LABELS: Record<string, string> = {
  vocab: 'copies of vocabulary embeddings',
  random: 'random (model init scale)',
  q: 'query (q)',
  k: 'key (k)',
  v: 'value (v)',
  attn_out: 'attention output',
  mlp_in: 'MLP in',
  mlp_out: 'MLP out',
  c_attn: 'GPT-2 c_attn whole (q, k, v in one pair; PEFT’s default)',
  'low-rank': "low-rank: K = P'·W1·W2 + P' (paper)",
  identity: "identity: K = P'",
  dense: "dense: K = P'·W + P', W d×d",
};

/**
 * Learning-rate groups (keys of the spec's optimizer.lr): their labels and the methods that
 * train them, so only the rates that matter for the ticked methods are shown. A group not
 * listed here is always shown, under its own name.
 */
export const LR_GROUPS: Record<string, { label: string; usedBy: MethodName[] | 'all' }> = {
  model: { label: 'Learning rate: model weights (full fine-tuning)', usedBy: ['full'] },
  head: { label: 'Learning rate: task head', usedBy: 'all' },
  prompt: { label: 'Learning rate: prompt (PT, DePT, deep prompt)', usedBy: ['prompt', 'dept', 'deep-prompt'] },
  lora: { label: 'Learning rate: LoRA A, B', usedBy: ['lora'] },
  lowrank: { label: 'Learning rate: DePT low-rank A, B', usedBy: ['dept'] },
  nola: { label: 'Learning rate: NOLA coefficients α, β', usedBy: ['nola'] },
  apt: { label: "Learning rate: APT P', W1, W2, s", usedBy: ['apt'] },
};
