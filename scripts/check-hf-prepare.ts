/**
 * `npm run check:hf:prepare [-- --out <folder>]`: writes everything `scripts/check-with-hf.py`
 * needs into one folder (default `check-hf/`), so the comparison with Hugging Face's own libraries
 * runs on any machine that has torch, transformers, peft and safetensors:
 *
 *   checkpoints/  the built-in checkpoints (copied) and one random checkpoint per family
 *   inputs/       the ViT pixel values (a flat JSON array, as `forward --pixels` reads it)
 *   forward/      what our CLI's `forward` printed for each checkpoint, and for each adapter
 *   adapters/     adapters exported by our engine (LoRA and prompt tuning, each family), with
 *                 random nonzero values so that every tensor shows in the logits
 *   manifest.json the list of checks: which checkpoint, input, file and CLI arguments each uses,
 *                 and the adapters PEFT is to write (peft-made/) that our CLI then loads
 *
 * Paths in the manifest are relative to the folder.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tf } from '../src/engine/tf';
import { initNodeBackend, modelSource, REPO_ROOT } from '../src/cli/node-env';
import { forwardCommand } from '../src/cli/forward';
import { loadBaseCheckpoint } from '../src/engine/experiment/base-model';
import { buildModel } from '../src/engine/models/families';
import { createRng } from '../src/engine/data/rng';
import { methodByName, resolveMethodConfig } from '../src/engine/methods/registry';
import { adapterToFiles, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../src/engine/methods/adapter-files';
import type { MethodName, TaskShape } from '../src/engine/methods/types';
import type { ModelFamily } from '../src/engine/models/hooks';
import { createTaskHead } from '../src/engine/train/task-head';
import { copyBuiltInCheckpoint, writeRandomCheckpoint } from './check-hf-random-checkpoints';

export const MANIFEST_FILE = 'manifest.json';
export const FAMILIES: readonly ModelFamily[] = ['gpt2', 'vit', 't5'];

/** The inputs every check runs on: token ids (GPT-2, T5) or a pixels file (ViT). */
const GPT2_IDS = [5, 77, 301, 12, 999, 40, 7];
const T5_IDS = [37, 5, 99, 14, 1];
const T5_NEW_TOKENS = 6;

export interface CheckpointEntry {
  name: string;
  family: ModelFamily;
  path: string;
  random: boolean;
}

export interface CheckInput {
  ids?: number[];
  pixels?: string;
  maxNewTokens?: number;
}

/** One `forward` our CLI ran: its arguments (paths relative to the folder) and the JSON it printed. */
export interface ForwardEntry {
  name: string;
  checkpoint: string;
  family: ModelFamily;
  input: CheckInput;
  args: string[];
  ours: string;
}

export interface OurAdapterEntry extends ForwardEntry {
  method: MethodName;
  /** Our task kind: lm, classify, image-classify or seq2seq. */
  task: TaskShape['kind'];
  numLabels: number;
  adapter: string;
}

/** An adapter the Python script makes with get_peft_model + save_pretrained, for our CLI to load. */
export interface PeftMadeEntry {
  name: string;
  checkpoint: string;
  family: ModelFamily;
  peft_type: 'LORA' | 'PROMPT_TUNING';
  task_type: 'CAUSAL_LM' | 'SEQ_CLS' | 'SEQ_2_SEQ_LM' | null;
  /** LoraConfig / PromptTuningConfig keyword arguments. */
  config: Record<string, unknown>;
  /** SEQ_CLS / ViT: the base model's number of labels. */
  numLabels?: number;
  adapter: string;
  input: CheckInput;
  /** Our CLI's arguments once the adapter exists (after `npm run cli --`). */
  args: string[];
}

export interface HfCheckManifest {
  version: 1;
  /** Where our CLI runs (`npm run cli -- …` in this folder). */
  repo: string;
  /** Largest |difference| of logits a check may show. */
  tolerance: number;
  checkpoints: CheckpointEntry[];
  forward: ForwardEntry[];
  ourAdapters: OurAdapterEntry[];
  peftMade: PeftMadeEntry[];
}

/** Our adapters: method, options and task per family (values randomised after attaching). */
const OUR_ADAPTERS: Array<{ family: ModelFamily; method: MethodName; options: Record<string, unknown>; task: { id: string; kind: TaskShape['kind']; labels: string[] } }> = [
  { family: 'gpt2', method: 'lora', options: { r: 4, alpha: 8, targets: ['q', 'v'] }, task: { id: 'lm-spam', kind: 'lm', labels: [] } },
  { family: 'gpt2', method: 'lora', options: { r: 4, alpha: 8, targets: ['c_attn', 'mlp_out'] }, task: { id: 'lm-spam', kind: 'lm', labels: [] } },
  { family: 'gpt2', method: 'lora', options: { r: 2, alpha: 4, targets: ['q', 'v'] }, task: { id: 'spam', kind: 'classify', labels: ['ham', 'spam'] } },
  { family: 'gpt2', method: 'prompt', options: { length: 4 }, task: { id: 'lm-spam', kind: 'lm', labels: [] } },
  { family: 'gpt2', method: 'prompt', options: { length: 4 }, task: { id: 'spam', kind: 'classify', labels: ['ham', 'spam'] } },
  { family: 'vit', method: 'lora', options: { r: 4, alpha: 8, targets: ['q', 'v'] }, task: { id: 'mnist-5shot', kind: 'image-classify', labels: Array.from({ length: 10 }, (_, i) => String(i)) } },
  { family: 't5', method: 'lora', options: { r: 4, alpha: 8, targets: ['q', 'v'] }, task: { id: 'spam', kind: 'seq2seq', labels: ['ham', 'spam'] } },
  { family: 't5', method: 'prompt', options: { length: 4 }, task: { id: 'spam', kind: 'seq2seq', labels: ['ham', 'spam'] } },
];

/** What PEFT writes for us: its default GPT-2 target (c_attn), q,v on T5 and ViT, prompt tuning. */
function peftMadeEntries(inputs: Record<ModelFamily, CheckInput>, families: readonly ModelFamily[]): PeftMadeEntry[] {
  const entry = (e: Omit<PeftMadeEntry, 'adapter' | 'input' | 'args'>): PeftMadeEntry => {
    const adapter = `peft-made/${e.name}`;
    const input = inputs[e.family] ?? {};
    return { ...e, adapter, input, args: families.includes(e.family) ? ['forward', `checkpoints/${e.checkpoint}`, '--adapter', adapter, ...inputArgs(input, e.family)] : [] };
  };
  return [
    entry({ name: 'gpt2-lora-c_attn', checkpoint: 'tiny-gpt2', family: 'gpt2', peft_type: 'LORA', task_type: 'CAUSAL_LM', config: { r: 4, lora_alpha: 8, target_modules: ['c_attn'], fan_in_fan_out: true, lora_dropout: 0 } }),
    entry({
      name: 'gpt2-lora-c_attn-c_proj-seq-cls',
      checkpoint: 'tiny-gpt2',
      family: 'gpt2',
      peft_type: 'LORA',
      task_type: 'SEQ_CLS',
      numLabels: 2,
      config: { r: 4, lora_alpha: 8, target_modules: ['c_attn', 'c_proj'], fan_in_fan_out: true, use_rslora: true, lora_dropout: 0 },
    }),
    entry({ name: 'vit-lora-query-value', checkpoint: 'tiny-vit', family: 'vit', peft_type: 'LORA', task_type: null, config: { r: 4, lora_alpha: 8, target_modules: ['query', 'value'], modules_to_save: ['classifier'], lora_dropout: 0 } }),
    entry({ name: 't5-lora-q-v', checkpoint: 'tiny-t5', family: 't5', peft_type: 'LORA', task_type: 'SEQ_2_SEQ_LM', config: { r: 4, lora_alpha: 8, target_modules: ['q', 'v'], lora_dropout: 0 } }),
    entry({ name: 'gpt2-prompt', checkpoint: 'tiny-gpt2', family: 'gpt2', peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', config: { num_virtual_tokens: 4 } }),
    entry({ name: 't5-prompt', checkpoint: 'tiny-t5', family: 't5', peft_type: 'PROMPT_TUNING', task_type: 'SEQ_2_SEQ_LM', config: { num_virtual_tokens: 4, num_transformer_submodules: 1 } }),
  ].filter((e) => families.includes(e.family));
}

function inputArgs(input: CheckInput, family: ModelFamily): string[] {
  if (family === 'vit') return ['--pixels', input.pixels!];
  if (family === 't5') return ['--ids', input.ids!.join(','), '--max-new-tokens', String(input.maxNewTokens), '--scores'];
  return ['--ids', input.ids!.join(',')];
}

/** Runs our CLI's `forward` in this process (same code as `npm run cli -- forward …`), cwd = `dir`. */
async function runForward(dir: string, args: string[]): Promise<unknown> {
  const printed: unknown[] = [];
  const absolute = args.map((a, i) => (i > 0 && (args[i - 1] === '--adapter' || args[i - 1] === '--pixels' || i === 1) ? path.join(dir, a) : a));
  await forwardCommand(absolute.slice(1), (value) => void printed.push(value));
  if (printed.length !== 1) throw new Error(`forward ${args.join(' ')} printed ${printed.length} results`);
  return printed[0];
}

/** Attaches the method, gives every trainable tensor random values, and exports it as a run would. */
async function writeOurAdapter(checkpointDir: string, spec: (typeof OUR_ADAPTERS)[number], out: string, seed: number): Promise<void> {
  const base = await loadBaseCheckpoint(modelSource(checkpointDir));
  const model = buildModel(base.model, base.weights);
  const numLabels = spec.task.labels.length;
  const seqLen = spec.family === 'gpt2' ? GPT2_IDS.length : spec.family === 't5' ? T5_IDS.length : 16;
  const task: TaskShape = { kind: spec.task.kind, numLabels, seqLen };
  const options = resolveMethodConfig(spec.method, spec.options) as Record<string, unknown>;
  const method = methodByName(spec.method).attach(model, task, options, createRng(seed));
  const head = createTaskHead(model, task, { trainsLmHead: false, rng: createRng(seed + 1) });
  try {
    const rng = createRng(seed + 2);
    // Random, not trained: LoRA's B starts at zero, and a zero update would check nothing.
    for (const group of method.paramGroups) {
      for (const v of group.variables) tf.tidy(() => v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => 0.1 * rng.normal()), v.shape)));
    }
    const files = await adapterToFiles(method, head, { method: spec.method, options, task: { ...spec.task, numLabels, seqLen }, baseModel: path.basename(checkpointDir) });
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, ADAPTER_CONFIG_FILE), files.config);
    await writeFile(path.join(out, ADAPTER_WEIGHTS_FILE), files.weights);
  } finally {
    head.dispose();
    method.dispose();
    model.dispose();
  }
}

/** Writes the whole folder; returns its manifest. `families` limits it (tests use one). */
export async function prepareHfCheck(dir: string, options: { families?: readonly ModelFamily[]; log?: (line: string) => void } = {}): Promise<HfCheckManifest> {
  const families = options.families ?? FAMILIES;
  const log = options.log ?? (() => {});
  await initNodeBackend();
  await mkdir(path.join(dir, 'forward'), { recursive: true });
  await mkdir(path.join(dir, 'inputs'), { recursive: true });
  // peft-made/ is the Python script's output: a stale one would be compared as if new.
  await rm(path.join(dir, 'peft-made'), { recursive: true, force: true });

  const checkpoints: CheckpointEntry[] = [];
  for (const [i, family] of families.entries()) {
    for (const random of [false, true]) {
      const folder = random ? await writeRandomCheckpoint(path.join(dir, 'checkpoints'), family, 100 + i) : await copyBuiltInCheckpoint(path.join(dir, 'checkpoints'), family);
      checkpoints.push({ name: path.basename(folder), family, path: path.relative(dir, folder), random });
    }
  }
  const inputs = {} as Record<ModelFamily, CheckInput>;
  inputs.gpt2 = { ids: GPT2_IDS };
  inputs.t5 = { ids: T5_IDS, maxNewTokens: T5_NEW_TOKENS };
  if (families.includes('vit')) {
    // 28×28, one channel, as the built-in and random ViTs take (already preprocessed values).
    const rng = createRng(7);
    await writeFile(path.join(dir, 'inputs', 'pixels.json'), JSON.stringify(Array.from({ length: 28 * 28 }, () => Number((rng.nextFloat() * 2 - 1).toFixed(4)))));
    inputs.vit = { pixels: 'inputs/pixels.json' };
  }

  const forward: ForwardEntry[] = [];
  for (const checkpoint of checkpoints) {
    const input = inputs[checkpoint.family];
    const args = ['forward', checkpoint.path, ...inputArgs(input, checkpoint.family)];
    const ours = `forward/${checkpoint.name}.json`;
    await writeFile(path.join(dir, ours), JSON.stringify(await runForward(dir, args)) + '\n');
    forward.push({ name: `forward ${checkpoint.name}`, checkpoint: checkpoint.name, family: checkpoint.family, input, args, ours });
    log(`forward ${checkpoint.name}`);
  }

  const ourAdapters: OurAdapterEntry[] = [];
  for (const [i, spec] of OUR_ADAPTERS.filter((a) => families.includes(a.family)).entries()) {
    const checkpoint = checkpoints.find((c) => c.family === spec.family && !c.random)!;
    const label = `${spec.family}-${spec.method}-${spec.task.kind}${spec.method === 'lora' ? `-${(spec.options.targets as string[]).join('-')}` : ''}`;
    const adapter = `adapters/${label}`;
    await writeOurAdapter(path.join(dir, checkpoint.path), spec, path.join(dir, adapter), 200 + i);
    const input = inputs[spec.family];
    const args = ['forward', checkpoint.path, '--adapter', adapter, ...inputArgs(input, spec.family)];
    const ours = `forward/adapter-${label}.json`;
    await writeFile(path.join(dir, ours), JSON.stringify(await runForward(dir, args)) + '\n');
    ourAdapters.push({ name: `our ${label}`, checkpoint: checkpoint.name, family: spec.family, input, args, ours, method: spec.method, task: spec.task.kind, numLabels: spec.task.labels.length, adapter });
    log(`adapter ${label}`);
  }

  const manifest: HfCheckManifest = {
    version: 1,
    repo: REPO_ROOT,
    tolerance: 1e-3,
    checkpoints,
    forward,
    ourAdapters,
    peftMade: peftMadeEntries(inputs, families),
  };
  await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--out');
  const dir = path.resolve(at >= 0 && argv[at + 1] ? argv[at + 1] : 'check-hf');
  const manifest = await prepareHfCheck(dir, { log: (line) => console.error(line) });
  console.log(
    `wrote ${dir}: ${manifest.forward.length} forward checks, ${manifest.ourAdapters.length} of our adapters, ${manifest.peftMade.length} adapters for PEFT to write; next: python3 scripts/check-with-hf.py ${path.relative(process.cwd(), dir) || '.'}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
