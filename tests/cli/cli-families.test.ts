import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { runCli } from './run-cli';
import { parseImageProcessorConfig, preprocessImage } from '../../src/engine/tokenize/image-processor';
import { loadTokenizer } from '../../src/engine/tokenize/tokenizer';

/**
 * The CLI on the other model families: tiny-vit (MNIST digits 0–4, ViTForImageClassification)
 * and tiny-t5 (T5ForConditionalGeneration). Counts are computed here from config.json alone;
 * images are PNGs written here with fast-png from public/data/mnist.json.
 */

const MODELS = path.join('public', 'models');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const vit = readJson(path.join(MODELS, 'tiny-vit', 'config.json')) as {
  hidden_size: number;
  num_hidden_layers: number;
  intermediate_size: number;
  image_size: number;
  patch_size: number;
  num_channels: number;
  id2label: Record<string, string>;
};
const t5 = readJson(path.join(MODELS, 'tiny-t5', 'config.json')) as {
  vocab_size: number;
  d_model: number;
  d_kv: number;
  d_ff: number;
  num_layers: number;
  num_decoder_layers: number;
  num_heads: number;
  relative_attention_num_buckets: number;
  tie_word_embeddings: boolean;
  feed_forward_proj: string;
  eos_token_id: number;
};
const vitLabels = Object.keys(vit.id2label).map((i) => vit.id2label[i]);
const side = vit.image_size;

interface MnistFile {
  width: number;
  height: number;
  labels: string[];
  splits: { train: Array<{ label: number; pixels: string }>; test: Array<{ label: number; pixels: string }> };
}
const mnist = readJson(path.join('public', 'data', 'mnist.json')) as MnistFile;
const digitPixels = (i: number) => Uint8Array.from(Buffer.from(mnist.splits.test[i].pixels, 'base64'));

let work = '';
/** A file in this test's temporary folder. */
const tmp = (name: string) => path.join(work, name);

function writePng(name: string, image: { width: number; height: number; data: Uint8Array | Uint16Array; channels: number; depth?: 8 | 16 }): string {
  writeFileSync(tmp(name), encodePng({ width: image.width, height: image.height, data: image.data, channels: image.channels, depth: image.depth ?? 8 }));
  return tmp(name);
}

interface VitForward {
  task: string;
  labels: string[];
  probabilities: number[];
  logits: number[];
  top: Array<{ label: string; index: number; probability: number }>;
  input: Record<string, unknown>;
}

interface T5Forward {
  task: string;
  prefix: string | null;
  inputIds: number[];
  generatedIds: number[];
  text: string;
  finished: boolean;
}

function expectFailure(args: string[], status: number, named: RegExp): void {
  const r = runCli(args);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(status);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toMatch(named);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stdout).toBe('');
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'cli-families-'));
});

describe('info and params on ViT and T5, counted from config.json', () => {
  it('info tiny-vit: architecture, patch grid, labels, preprocessing and the exact parameter count', () => {
    const r = runCli(['info', 'tiny-vit']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.lines[0] as { architecture: string; totalParams: number; inputs: string; tasks: string[]; defaultTask: string; summary: Record<string, unknown> };
    expect(out.architecture).toBe('ViTForImageClassification');
    expect(out.inputs).toBe('image');
    const d = vit.hidden_size;
    const mlp = vit.intermediate_size;
    const patches = (side / vit.patch_size) ** 2;
    const labels = vitLabels.length;
    // The backbone: patch projection (conv weight + bias), CLS, positions, L·(q, k, v, o with
    // biases, two LayerNorms, MLP in and out with biases), the final LayerNorm. The checkpoint
    // adds its own classifier (labels·d + labels), which no method trains.
    const backbone =
      vit.num_channels * vit.patch_size ** 2 * d + d + d + (patches + 1) * d + vit.num_hidden_layers * (4 * (d * d + d) + 2 * 2 * d + (d * mlp + mlp) + (mlp * d + d)) + 2 * d;
    expect(out.totalParams).toBe(backbone);
    expect(out.summary).toMatchObject({
      layers: vit.num_hidden_layers,
      hidden: d,
      imageSize: side,
      patchSize: vit.patch_size,
      tokensPerImage: patches + 1,
      numLabels: labels,
      labels: vitLabels,
      classifierParams: labels * d + labels,
      checkpointParams: backbone + labels * d + labels,
    });
    expect((out.summary.preprocessor as { size: unknown }).size).toEqual({ height: side, width: side });
    expect(out.tasks).toEqual(['mnist-5shot', 'mnist-10shot', 'split-mnist']);
    expect(out.defaultTask).toBe('mnist-5shot');
  });

  it('info tiny-t5: encoder and decoder, vocabulary and the exact parameter count', () => {
    const r = runCli(['info', 'tiny-t5']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.lines[0] as { architecture: string; totalParams: number; inputs: string; tasks: string[]; summary: Record<string, unknown> };
    expect(out.architecture).toBe('T5ForConditionalGeneration');
    expect(out.inputs).toBe('text');
    const d = t5.d_model;
    const inner = t5.num_heads * t5.d_kv;
    const ffIn = t5.feed_forward_proj.startsWith('gated') ? 2 : 1;
    const attention = 3 * d * inner + inner * d;
    const ff = ffIn * d * t5.d_ff + t5.d_ff * d;
    const relativeBias = t5.relative_attention_num_buckets * t5.num_heads;
    // Shared embedding; encoder blocks (self-attention, FF, 2 RMS norms) and decoder blocks
    // (self, cross, FF, 3 norms); a relative-position table and a final norm per stack.
    const expected =
      t5.vocab_size * d +
      t5.num_layers * (attention + ff + 2 * d) +
      t5.num_decoder_layers * (2 * attention + ff + 3 * d) +
      2 * (relativeBias + d) +
      (t5.tie_word_embeddings ? 0 : t5.vocab_size * d);
    expect(out.totalParams).toBe(expected);
    expect(out.summary).toMatchObject({ encoderLayers: t5.num_layers, decoderLayers: t5.num_decoder_layers, dModel: d, vocabSize: t5.vocab_size, tiedEmbeddings: t5.tie_word_embeddings });
    expect(out.tasks).toEqual(['spam', 'sotu-party', 'sotu-eras']);
  });

  it('params: LoRA r=4 on q, v is layers·2·4·(d + d) on ViT (+ a fresh 10-digit head) and covers every attention of T5', () => {
    const v = runCli(['params', 'tiny-vit', '--method', 'lora', '--r', '4', '--targets', 'q,v']);
    expect(v.status, v.stderr).toBe(0);
    const d = vit.hidden_size;
    expect(v.lines[0]).toMatchObject({ task: 'mnist-5shot', taskKind: 'image-classify', seqLen: (side / vit.patch_size) ** 2 });
    expect(v.lines[0].trainable).toBe(vit.num_hidden_layers * 2 * 4 * (d + d));
    expect(v.lines[0].head).toBe(10 * d + 10);

    const t = runCli(['params', 'tiny-t5', '--method', 'lora', '--r', '4', '--targets', 'q,v']);
    expect(t.status, t.stderr).toBe(0);
    expect(t.lines[0]).toMatchObject({ task: 'spam', taskKind: 'seq2seq', head: 0 });
    const inner = t5.num_heads * t5.d_kv;
    // Encoder self-attention, decoder self- and cross-attention.
    expect(t.lines[0].trainable).toBe((t5.num_layers + 2 * t5.num_decoder_layers) * 2 * 4 * (t5.d_model + inner));

    const p = runCli(['params', 'tiny-t5', '--method', 'prompt', '--length', '10', '--task', 'sotu-party']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.lines[0]).toMatchObject({ task: 'sotu-party', trainable: 10 * t5.d_model, head: 0, unsupported: null });
  });

  it('params says why a vocabulary-sampled prompt cannot start on ViT, and refuses a text task', () => {
    const r = runCli(['params', 'tiny-vit', '--method', 'prompt', '--length', '5']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines[0].trainable).toBe(5 * vit.hidden_size);
    expect(String(r.lines[0].unsupported)).toMatch(/init = random/);
    expectFailure(['params', 'tiny-vit', '--method', 'lora', '--task', 'spam'], 2, /--task: task "spam" does not run on vit models.*mnist-5shot/);
    expectFailure(['params', 'tiny-t5', '--method', 'lora', '--task', 'nope'], 2, /--task: unknown task "nope"/);
  });
});

describe('forward on ViT: an image through the checkpoint’s own classifier', () => {
  let gray8: VitForward;

  beforeAll(() => {
    const file = writePng('digit-gray8.png', { width: side, height: side, data: digitPixels(0), channels: 1 });
    const r = runCli(['forward', 'tiny-vit', '--image', file, '--top', '3']);
    expect(r.status, r.stderr).toBe(0);
    gray8 = r.lines[0] as unknown as VitForward;
  });

  it('gives a probability per id2label label, summing to 1, top-k sorted, and recognises the digit', () => {
    expect(gray8.task).toBe('image-classify');
    expect(gray8.labels).toEqual(vitLabels);
    expect(gray8.probabilities).toHaveLength(vitLabels.length);
    expect(gray8.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(gray8.top).toHaveLength(3);
    expect(gray8.top[0].probability).toBe(Math.max(...gray8.probabilities));
    expect(gray8.top[0].probability).toBeGreaterThanOrEqual(gray8.top[1].probability);
    // Test image 0 is a handwritten 0; tiny-vit is 98.8% accurate on digits 0–4.
    expect(mnist.labels[mnist.splits.test[0].label]).toBe('0');
    expect(gray8.top[0].label).toBe('0');
  });

  it('reads 16-bit gray, RGBA and palette PNGs of the same digit to the same probabilities', () => {
    const pixels = digitPixels(0);
    const gray16 = writePng('digit-gray16.png', { width: side, height: side, data: Uint16Array.from(pixels, (v) => v * 257), channels: 1, depth: 16 });
    const rgba = new Uint8Array(side * side * 4);
    pixels.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    const rgbaFile = writePng('digit-rgba.png', { width: side, height: side, data: rgba, channels: 4 });
    const palette = Array.from({ length: 256 }, (_, v) => [v, v, v]);
    writeFileSync(tmp('digit-palette.png'), encodePng({ width: side, height: side, data: pixels, channels: 1, depth: 8, palette }));
    for (const file of [gray16, rgbaFile, tmp('digit-palette.png')]) {
      const r = runCli(['forward', 'tiny-vit', '--image', file]);
      expect(r.status, r.stderr).toBe(0);
      const out = r.lines[0] as unknown as VitForward;
      out.probabilities.forEach((p, i) => expect(p, file).toBeCloseTo(gray8.probabilities[i], 6));
    }
  });

  it('resizes an image of another size with the checkpoint’s processor', () => {
    const big = 2 * side;
    const data = new Uint8Array(big * big * 3);
    const pixels = digitPixels(0);
    for (let y = 0; y < big; y++) for (let x = 0; x < big; x++) data.fill(pixels[(y >> 1) * side + (x >> 1)], (y * big + x) * 3, (y * big + x) * 3 + 3);
    const r = runCli(['forward', 'tiny-vit', '--image', writePng('digit-big-rgb.png', { width: big, height: big, data, channels: 3 })]);
    expect(r.status, r.stderr).toBe(0);
    const out = r.lines[0] as unknown as VitForward;
    expect(out.input).toMatchObject({ width: big, height: big, colorType: 'rgb', resizedTo: [side, side] });
    expect(out.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('takes preprocessed --pixels (nested [C][H][W] or flat) and gives what the PNG gave', () => {
    const processor = parseImageProcessorConfig(readJson(path.join(MODELS, 'tiny-vit', 'preprocessor_config.json')));
    const values = Array.from(preprocessImage({ width: side, height: side, channels: 1, data: digitPixels(0) }, processor, vit.num_channels));
    const nested = [Array.from({ length: side }, (_, y) => values.slice(y * side, (y + 1) * side))];
    writeFileSync(tmp('pixels-nested.json'), JSON.stringify(nested));
    writeFileSync(tmp('pixels-flat.json'), JSON.stringify(values));
    for (const file of ['pixels-nested.json', 'pixels-flat.json']) {
      const r = runCli(['forward', 'tiny-vit', '--pixels', tmp(file)]);
      expect(r.status, r.stderr).toBe(0);
      (r.lines[0] as unknown as VitForward).logits.forEach((l, i) => expect(l, file).toBeCloseTo(gray8.logits[i], 5));
    }
  });

  it('bad inputs: one line naming the option and the file', () => {
    writeFileSync(tmp('not-a-png.png'), 'GIF89a, not a PNG at all');
    writeFileSync(tmp('short.json'), JSON.stringify([0.5, 0.25]));
    writeFileSync(tmp('ragged.json'), JSON.stringify([Array.from({ length: side }, (_, y) => new Array(y === 3 ? side - 1 : side).fill(0))]));
    writeFileSync(tmp('nan.json'), JSON.stringify([...new Array(side * side - 1).fill(0), 'x']));
    writeFileSync(tmp('broken.json'), '[0.1, 0.2');
    const onePixel = writePng('one.png', { width: 1, height: 1, data: new Uint8Array([0]), channels: 1 });
    expectFailure(['forward', 'tiny-vit', '--image', tmp('not-a-png.png')], 2, /--image: ".*not-a-png\.png" is not a PNG file/);
    expectFailure(['forward', 'tiny-vit', '--image', tmp('missing.png')], 2, /--image: cannot read ".*missing\.png" \(no such file\)/);
    expectFailure(['forward', 'tiny-vit', '--pixels', tmp('short.json')], 2, new RegExp(`--pixels: ".*short\\.json" holds 2 values; the model takes 1×${side}×${side} = ${side * side}`));
    expectFailure(['forward', 'tiny-vit', '--pixels', tmp('ragged.json')], 2, new RegExp(`ragged\\.json": \\[0\\]\\[3\\] has ${side - 1} values, the model takes \\[1\\]\\[${side}\\]\\[${side}\\]`));
    expectFailure(['forward', 'tiny-vit', '--pixels', tmp('nan.json')], 2, new RegExp(`element ${side * side - 1} is "x", not a finite number`));
    expectFailure(['forward', 'tiny-vit', '--pixels', tmp('broken.json')], 2, /--pixels: ".*broken\.json" is not valid JSON/);
    expectFailure(['forward', 'tiny-vit', '--image', onePixel, '--pixels', tmp('short.json')], 2, /exactly one of --image or --pixels/);
    expectFailure(['forward', 'tiny-vit', '--text', 'a digit'], 2, /forward on a vit model has no option --text; its options: .*--image, --pixels/);
    expectFailure(['forward', 'tiny-gpt2', '--image', onePixel], 2, /forward on a gpt2 model has no option --image/);
    expectFailure(['forward', 'tiny-vit', '--image', onePixel, '--top', '0'], 2, /--top must be a positive integer/);
  });
});

describe('forward on T5: greedy decoding', () => {
  it('prints the input ids (ending in </s>), the generated ids and the decoded text', () => {
    const r = runCli(['forward', 'tiny-t5', '--text', 'The president said that the nation']);
    expect(r.status, r.stderr).toBe(0);
    const out = r.lines[0] as unknown as T5Forward;
    expect(out.task).toBe('generate');
    expect(out.prefix).toBeNull();
    expect(out.inputIds.at(-1)).toBe(t5.eos_token_id);
    expect(out.generatedIds.length).toBeGreaterThan(0);
    expect(out.generatedIds.length).toBeLessThanOrEqual(16);
    expect(out.finished).toBe(out.generatedIds.at(-1) === t5.eos_token_id);
    expect(typeof out.text).toBe('string');

    const short = runCli(['forward', 'tiny-t5', '--ids', out.inputIds.join(','), '--max-new-tokens', '2']);
    expect(short.status, short.stderr).toBe(0);
    // Greedy: the same input gives the same first tokens, here at most two.
    expect((short.lines[0] as unknown as T5Forward).generatedIds).toEqual(out.generatedIds.slice(0, 2));
  });

  it('bad inputs name the option', () => {
    expectFailure(['forward', 'tiny-t5', '--text', 'hi', '--max-new-tokens', '0'], 2, /--max-new-tokens must be a positive integer/);
    expectFailure(['forward', 'tiny-t5', '--ids', `5,${t5.vocab_size}`], 2, /--ids: element 1/);
    expectFailure(['forward', 'tiny-t5', '--pixels', 'x.json'], 2, /forward on a t5 model has no option --pixels/);
    expectFailure(['forward', 'tiny-t5'], 2, /exactly one of --text or --ids/);
  });
});

describe('train, save the adapter, forward --adapter', () => {
  it('ViT: LoRA on MNIST 5-shot, predictions printed, the adapter head’s labels on a PNG agree with them', () => {
    const spec = tmp('vit-spec.json');
    writeFileSync(spec, JSON.stringify({ model: 'tiny-vit', task: 'mnist-5shot', methods: [{ name: 'lora', options: { r: 2 } }], steps: 2, batchSize: 4, seqLen: 16, eval: { every: 0, maxBatches: 1 }, logEvery: 1 }));
    const dir = tmp('vit-lora');
    const r = runCli(['train', spec, '--save-adapter', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines.filter((l) => l.type === 'step')).toHaveLength(2);
    const predictions = r.lines.find((l) => l.type === 'predictions') as { predictions: Array<{ index: number; label: string; predicted: string }> };
    expect(predictions.predictions.length).toBeGreaterThan(0);
    expect(predictions.predictions[0].index).toBe(0);
    expect(predictions.predictions[0].label).toBe(mnist.labels[mnist.splits.test[0].label]);
    expect(JSON.parse(readFileSync(path.join(dir, 'adapter_config.json'), 'utf8')).peft_playground.task.kind).toBe('image-classify');

    // Validation example 0 is test image 0: the same image through the saved adapter.
    const f = runCli(['forward', 'tiny-vit', '--adapter', dir, '--image', writePng('adapter-digit.png', { width: side, height: side, data: digitPixels(0), channels: 1 })]);
    expect(f.status, f.stderr).toBe(0);
    const out = f.lines[0] as unknown as VitForward;
    expect(out.labels).toEqual(mnist.labels);
    expect(out.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(out.top[0].label).toBe(predictions.predictions[0].predicted);
  });

  it('T5: prompt tuning and head-only on text-to-text spam; forward --adapter decodes what training predicted', () => {
    const spec = tmp('t5-spec.json');
    writeFileSync(
      spec,
      JSON.stringify({ model: 'tiny-t5', task: 'spam', methods: [{ name: 'prompt', options: { length: 4 } }, { name: 'head' }], steps: 2, batchSize: 2, seqLen: 16, eval: { every: 0, maxBatches: 1 }, logEvery: 1 }),
    );
    const dir = tmp('t5-adapters');
    const r = runCli(['train', spec, '--save-adapter', dir]);
    expect(r.status, r.stderr).toBe(0);
    const predictions = r.lines.filter((l) => l.type === 'predictions') as Array<{ runId: string; predictions: Array<{ label: string; predicted: string }> }>;
    expect(predictions.map((p) => p.runId)).toEqual(['0:prompt', '1:head']);
    expect(['ham', 'spam']).toContain(predictions[0].predictions[0].label);

    // Validation example 0 as training saw it: the task's prefix, 15 tokens, </s>; decoded as long
    // as the predictions decode (target length + 2).
    const spam = readJson(path.join('public', 'data', 'spam.json')) as { splits: { validation: Array<{ text: string }> } };
    const tokenizer = loadTokenizer(readJson(path.join(MODELS, 'tiny-t5', 'tokenizer.json')), readJson(path.join(MODELS, 'tiny-t5', 'tokenizer_config.json')));
    const targetLen = Math.max(...['ham', 'spam'].map((w) => tokenizer.encode(w).length)) + 1;
    const text = spam.splits.validation[0].text;
    const f = runCli(['forward', 'tiny-t5', '--adapter', path.join(dir, 'prompt'), '--text', text, '--max-new-tokens', String(targetLen + 2)]);
    expect(f.status, f.stderr).toBe(0);
    const out = f.lines[0] as unknown as T5Forward;
    expect(out.task).toBe('seq2seq');
    expect(out.prefix).toBe('spam or ham: ');
    expect(out.inputIds).toHaveLength(16);
    expect(out.inputIds.at(-1)).toBe(t5.eos_token_id);
    expect(out.text).toBe(predictions[0].predictions[0].predicted);

    // Head-only trains an untied LM head: generation goes through it.
    const h = runCli(['forward', 'tiny-t5', '--adapter', path.join(dir, 'head'), '--text', text, '--max-new-tokens', '3']);
    expect(h.status, h.stderr).toBe(0);
    expect((h.lines[0] as unknown as T5Forward).generatedIds.length).toBeGreaterThan(0);

    // An adapter of another family's task is refused, naming it.
    expectFailure(['forward', 'tiny-vit', '--adapter', path.join(dir, 'prompt'), '--pixels', 'x.json'], 2, /--adapter .*prompt: trained for a seq2seq task \("spam".*a ViT model runs image-classify tasks/);
  });

  it('an adapter folder without the files, and a spec whose task the model does not run, fail clearly', () => {
    expectFailure(['forward', 'tiny-t5', '--adapter', tmp('no-adapter-here'), '--text', 'hi'], 2, /--adapter: cannot read .*no-adapter-here\/adapter_config\.json \(no such file/);
    const spec = tmp('vit-spam.json');
    writeFileSync(spec, JSON.stringify({ model: 'tiny-vit', task: 'spam', methods: [{ name: 'lora' }], steps: 1 }));
    expectFailure(['train', spec], 2, /spec field "task": task "spam" does not run on vit models/);
  });
});
