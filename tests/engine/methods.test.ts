import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from './node-backend';
import { tf } from '../../src/engine/tf';
import { parseGpt2Config, gpt2ParamCount } from '../../src/engine/models/gpt2-config';
import { Gpt2Model, gpt2ModelShape } from '../../src/engine/models/gpt2';
import { affine } from '../../src/engine/models/layers';
import { createRng } from '../../src/engine/data/rng';
import { loraMethod, type LoraConfig } from '../../src/engine/methods/lora';
import { promptMethod, type PromptConfig } from '../../src/engine/methods/prompt';
import { fullMethod } from '../../src/engine/methods/full';
import { headMethod } from '../../src/engine/methods/head';
import { METHODS, resolveMethodConfig } from '../../src/engine/methods/registry';
import { AdapterError, type AdapterFiles, type AttachedMethod, type TaskShape } from '../../src/engine/methods/types';
import { createTaskHead, type BatchTensors, type TaskHead } from '../../src/engine/train/task-head';
import { readSafetensors, writeSafetensors, type HostTensor } from '../../src/engine/io/safetensors';
import { expectAllClose, logitsOf, maxAbsDiff, setValues, tinyModel, valuesOf } from './tiny';
import { prng } from './prng';
import { autodiffGradient, expectFiniteDifferences } from './finite-differences';

beforeAll(async () => {
  await useWasmBackend();
});

const LM: TaskShape = { kind: 'lm', numLabels: 0, seqLen: 8 };
const CLS3: TaskShape = { kind: 'classify', numLabels: 3, seqLen: 8 };
const NO_DROPOUT = { nextDropoutSeed: () => null };


function randomArray(size: number, scale: number, seed: number): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
}

/** The LoRA variables of an attached method, by "site.role/A|B" (the serial suffix dropped). */
function loraVariables(attached: AttachedMethod): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const v of attached.paramGroups.flatMap((g) => g.variables)) {
    const match = /^lora\/(.+)\/(A|B)(#\d+)?$/.exec(v.name);
    if (!match) throw new Error(`unexpected LoRA variable name ${v.name}`);
    out.set(`${match[1]}/${match[2]}`, v);
  }
  return out;
}

function randomizeLoraB(attached: AttachedMethod, seed: number, scale = 0.5): void {
  let i = 0;
  for (const [key, v] of loraVariables(attached)) if (key.endsWith('/B')) setValues(v, randomArray(v.size, scale, seed + i++));
}

function baseSnapshot(model: Gpt2Model): Map<string, Float32Array> {
  return new Map(model.namedVariables().map(([name, v]) => [name, valuesOf(v)]));
}

const IDS = [
  [3, 17, 5, 0, 28, 9, 11, 2],
  [7, 7, 21, 4, 13, 1, 19, 6],
];

function loraConfig(options: Partial<LoraConfig>): LoraConfig {
  return resolveMethodConfig('lora', options) as LoraConfig;
}

// ------------------------------------------------------------------------------------------

describe('LoRA', () => {
  let model: Gpt2Model;
  beforeAll(() => {
    model = tinyModel(1);
  });
  afterAll(() => model.dispose());

  it('a fresh attach (B = 0) leaves the logits unchanged, though A is random', () => {
    const attached = loraMethod.attach(model, LM, loraConfig({ r: 3, alpha: 6, targets: ['q', 'k', 'v', 'attn_out', 'mlp_in', 'mlp_out'] }), createRng(3));
    try {
      const vars = loraVariables(attached);
      for (const [key, v] of vars) {
        const values = valuesOf(v);
        if (key.endsWith('/B')) expect(values.every((x) => x === 0)).toBe(true);
        else expect(values.some((x) => x !== 0)).toBe(true);
      }
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, attached.hooks), logitsOf(model, IDS))).toBeLessThan(1e-6);
    } finally {
      attached.dispose();
    }
  });

  it('merge() folds the update into the weights and unmerge() restores them', () => {
    const before = baseSnapshot(model);
    const plain = logitsOf(model, IDS);
    const attached = loraMethod.attach(model, LM, loraConfig({ r: 3, alpha: 6, targets: ['q', 'v', 'attn_out', 'mlp_out'] }), createRng(4));
    try {
      randomizeLoraB(attached, 100);
      const unmerged = logitsOf(model, IDS, undefined, attached.hooks);
      expect(maxAbsDiff(unmerged, plain)).toBeGreaterThan(1e-2); // the adapter does something
      attached.merge!();
      // The merged base alone computes what base + adapter computed, and the hook no longer adds.
      expectAllClose(logitsOf(model, IDS), unmerged, 1e-4, 1e-4);
      expectAllClose(logitsOf(model, IDS, undefined, attached.hooks), unmerged, 1e-4, 1e-4);
      attached.unmerge!();
      for (const [name, v] of model.namedVariables()) expectAllClose(valuesOf(v), before.get(name)!, 1e-6, 1e-6);
      expectAllClose(logitsOf(model, IDS), plain, 1e-5, 1e-5);
      expectAllClose(logitsOf(model, IDS, undefined, attached.hooks), unmerged, 1e-5, 1e-5);
    } finally {
      attached.dispose();
    }
  });

  for (const role of ['q', 'k', 'v'] as const) {
    it(`target "${role}" adapts exactly its third of c_attn, by (alpha/r)·(B·A)ᵀ`, () => {
      const r = 2;
      const alpha = 5;
      const d = model.config.nEmbd;
      const offset = { q: 0, k: d, v: 2 * d }[role];
      const before = baseSnapshot(model);
      const attached = loraMethod.attach(model, LM, loraConfig({ r, alpha, targets: [role] }), createRng(5));
      try {
        randomizeLoraB(attached, 200);
        const vars = loraVariables(attached);
        expect([...vars.keys()].sort()).toEqual([`h.0.attn.c_attn.${role}/A`, `h.0.attn.c_attn.${role}/B`, `h.1.attn.c_attn.${role}/A`, `h.1.attn.c_attn.${role}/B`]);

        // Unmerged: the hook's output of c_attn differs from the base only in the role's columns.
        const site = model.linearSites().find((s) => s.name === 'h.1.attn.c_attn')!;
        const x = tf.tensor2d(randomArray(5 * d, 1, 7), [5, d]);
        const base = (input: tf.Tensor2D) => affine(input, site.weight as tf.Tensor2D, site.bias as tf.Tensor1D);
        const hooked = tf.tidy(() => attached.hooks.linear!(site, x, base, NO_DROPOUT)).dataSync();
        const plain = tf.tidy(() => base(x)).dataSync();
        const A = valuesOf(vars.get(`h.1.attn.c_attn.${role}/A`)!); // [r, d]
        const B = valuesOf(vars.get(`h.1.attn.c_attn.${role}/B`)!); // [d, r]
        const xs = x.dataSync();
        x.dispose();
        for (let row = 0; row < 5; row++) {
          for (let col = 0; col < 3 * d; col++) {
            const got = hooked[row * 3 * d + col];
            const plainValue = plain[row * 3 * d + col];
            if (col < offset || col >= offset + d) {
              expect(got).toBe(plainValue);
              continue;
            }
            let delta = 0;
            for (let c = 0; c < r; c++) {
              let xa = 0;
              for (let i = 0; i < d; i++) xa += xs[row * d + i] * A[c * d + i];
              delta += xa * B[(col - offset) * r + c];
            }
            expect(Math.abs(got - (plainValue + (alpha / r) * delta))).toBeLessThan(1e-4);
          }
        }

        // Merged: only the role's columns of c_attn move, by (alpha/r)·(B·A)ᵀ in [in, out] layout.
        attached.merge!();
        for (const [name, v] of model.namedVariables()) {
          const now = valuesOf(v);
          const was = before.get(name)!;
          if (!name.endsWith('attn.c_attn.weight')) {
            expect(maxAbsDiff(now, was)).toBe(0);
            continue;
          }
          const layer = name.startsWith('h.0.') ? 0 : 1;
          const a = valuesOf(vars.get(`h.${layer}.attn.c_attn.${role}/A`)!);
          const b = valuesOf(vars.get(`h.${layer}.attn.c_attn.${role}/B`)!);
          let changed = 0;
          for (let i = 0; i < d; i++) {
            for (let col = 0; col < 3 * d; col++) {
              const diff = now[i * 3 * d + col] - was[i * 3 * d + col];
              if (col < offset || col >= offset + d) {
                expect(diff).toBe(0);
                continue;
              }
              let expected = 0;
              for (let c = 0; c < r; c++) expected += b[(col - offset) * r + c] * a[c * d + i];
              expect(Math.abs(diff - (alpha / r) * expected)).toBeLessThan(1e-5);
              if (diff !== 0) changed++;
            }
          }
          expect(changed).toBeGreaterThan(d * d * 0.9);
        }
        attached.unmerge!();
      } finally {
        attached.dispose();
      }
    });
  }
});

// ------------------------------------------------------------------------------------------

describe('prompt tuning is exactly "prepend embeddings"', () => {
  let model: Gpt2Model;
  beforeAll(() => {
    model = tinyModel(2);
  });
  afterAll(() => model.dispose());
  const wte = () => valuesOf(model.variable('wte.weight'));

  function promptRows(attached: AttachedMethod): Float32Array {
    return valuesOf(attached.paramGroups[0].variables[0]);
  }

  /** The vocabulary row equal to each prompt row, or -1. */
  function matchingIds(rows: Float32Array, d: number): number[] {
    const table = wte();
    const V = model.config.vocabSize;
    const out: number[] = [];
    for (let p = 0; p < rows.length / d; p++) {
      let found = -1;
      for (let v = 0; v < V && found < 0; v++) {
        let same = true;
        for (let i = 0; i < d && same; i++) same = table[v * d + i] === rows[p * d + i];
        if (same) found = v;
      }
      out.push(found);
    }
    return out;
  }

  function expectPrependEquivalence(attached: AttachedMethod, promptIds: number[]): void {
    const l = promptIds.length;
    // Row 1 right-padded: the prompt's positions must count as real keys.
    const mask = [IDS[0].map(() => 1), IDS[1].map((_, t) => (t < 5 ? 1 : 0))];
    const prompted = logitsOf(model, IDS, mask, attached.hooks);
    const prefixed = logitsOf(
      model,
      IDS.map((row) => [...promptIds, ...row]),
      mask.map((row) => [...promptIds.map(() => 1), ...row]),
    );
    expect(prompted.length).toBe(IDS.length * (l + IDS[0].length) * model.config.vocabSize);
    // Compare every position of row 0 and the real ones of row 1 (padding rows may differ in garbage).
    const V = model.config.vocabSize;
    const T = l + IDS[0].length;
    for (let b = 0; b < 2; b++) {
      const realLength = b === 0 ? T : l + 5;
      const slice = (arr: Float32Array) => arr.slice(b * T * V, (b * T + realLength) * V);
      expectAllClose(slice(prompted), slice(prefixed), 1e-5, 1e-5);
    }
  }

  it("init 'vocab' copies vocabulary rows, and the forward equals prefixing those token ids", () => {
    const config: PromptConfig = { length: 4, init: 'vocab' };
    const attached = promptMethod.attach(model, LM, config, createRng(8));
    try {
      const d = model.config.nEmbd;
      const ids = matchingIds(promptRows(attached), d);
      expect(ids.every((id) => id >= 0)).toBe(true);
      expectPrependEquivalence(attached, ids);
    } finally {
      attached.dispose();
    }
  });

  it("init 'random' is not vocabulary rows; set to chosen rows, the forward equals prefixing those ids", () => {
    const config: PromptConfig = { length: 3, init: 'random' };
    const attached = promptMethod.attach(model, CLS3, config, createRng(9));
    try {
      const d = model.config.nEmbd;
      expect(matchingIds(promptRows(attached), d).every((id) => id === -1)).toBe(true);
      const chosen = [5, 0, 27];
      const table = wte();
      const rows = new Float32Array(chosen.length * d);
      chosen.forEach((id, p) => rows.set(table.subarray(id * d, (id + 1) * d), p * d));
      setValues(attached.paramGroups[0].variables[0], rows);
      expectPrependEquivalence(attached, chosen);
    } finally {
      attached.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

describe('trainable-parameter formulas', () => {
  const gpt2Small = parseGpt2Config({ model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12 });
  const gpt2Medium = parseGpt2Config({ model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 1024, n_layer: 24, n_head: 16 });

  it('match the published numbers, from config alone', () => {
    const small = gpt2ModelShape(gpt2Small);
    const medium = gpt2ModelShape(gpt2Medium);
    expect(gpt2ParamCount(gpt2Small)).toBe(124_439_808);
    expect(small.totalParams).toBe(124_439_808);
    expect(medium.totalParams).toBe(354_823_168);
    expect(fullMethod.trainableParams(small, LM, {})).toEqual({ method: 124_439_808, head: 0 });
    // Hu et al. / PEFT: rank 4 on W_q, W_v of GPT-2 medium.
    expect(loraMethod.trainableParams(medium, LM, loraConfig({ r: 4, targets: ['q', 'v'] })).method).toBe(393_216);
    expect(loraMethod.trainableParams(small, LM, loraConfig({ r: 8, targets: ['q', 'v'] })).method).toBe(294_912);
    expect(promptMethod.trainableParams(small, LM, { length: 20, init: 'vocab' }).method).toBe(15_360);
    // GPT2ForSequenceClassification's `score` has no bias.
    expect(promptMethod.trainableParams(small, CLS3, { length: 20, init: 'vocab' })).toEqual({ method: 15_360, head: 3 * 768 });
    // Head only on LM trains an untied LM head.
    expect(headMethod.trainableParams(small, LM, {})).toEqual({ method: 0, head: 50257 * 768 });
  });

  const configs: Array<{ name: string; options: Record<string, unknown> }> = [
    { name: 'full', options: {} },
    { name: 'head', options: {} },
    { name: 'prompt', options: { length: 5 } },
    { name: 'prompt', options: { length: 2, init: 'random' } },
    { name: 'lora', options: {} },
    { name: 'lora', options: { r: 3, targets: ['q', 'k', 'v', 'attn_out', 'mlp_in', 'mlp_out'] } },
    { name: 'lora', options: { r: 1, targets: ['k', 'mlp_in'] } },
  ];
  for (const { name, options } of configs) {
    for (const task of [LM, CLS3]) {
      it(`${name} ${JSON.stringify(options)} on ${task.kind}: formula = what attach creates`, () => {
        const model = tinyModel(3);
        const method = METHODS.find((m) => m.name === name)!;
        const config = resolveMethodConfig(name, options);
        const attached = method.attach(model, task, config, createRng(1));
        const head = createTaskHead(model, task, { trainsLmHead: attached.trainsLmHead ?? false, rng: createRng(2) });
        try {
          const methodVars = attached.paramGroups.flatMap((g) => g.variables);
          const all = [...methodVars, ...head.variables];
          expect(new Set(all).size).toBe(all.length);
          // tf.variableGrads silently skips variables that are not trainable.
          for (const v of all) expect(v.trainable).toBe(true);
          const counted = {
            method: methodVars.reduce((n, v) => n + v.size, 0),
            head: head.variables.reduce((n, v) => n + v.size, 0),
          };
          expect(method.trainableParams(model.shape, task, config)).toEqual(counted);
          expect(model.shape).toEqual(gpt2ModelShape(model.config));
        } finally {
          head.dispose();
          attached.dispose();
          model.dispose();
        }
      });
    }
  }
});

// ------------------------------------------------------------------------------------------

describe('gradients vs central finite differences', () => {
  const EPS = 1e-2;
  const REL = 2e-2;

  function batch(kind: TaskShape['kind']): BatchTensors {
    return {
      // Token 3 occurs three times: its embedding's gradient is a sum (scatter-add) of three rows.
      inputIds: tf.tensor2d([[3, 17, 3, 0, 28, 3], [7, 21, 4, 13, 2, 2]], undefined, 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]], undefined, 'int32'),
      labels: kind === 'classify' ? tf.tensor1d([2, 0], 'int32') : null,
      realTokens: 10,
      lmTargets: 8,
    };
  }

  /**
   * Checks d(loss)/d(variable) at a few random coordinates with non-trivial gradient: analytic
   * (tfjs autodiff, as the trainer takes it) against (L(x+ε) − L(x−ε)) / 2ε. `variable` is a
   * method's, the model's or `head`'s; when no head is given, one is made for the task.
   */
  function checkGradient(
    model: Gpt2Model,
    attached: AttachedMethod,
    task: TaskShape,
    variable: tf.Variable | ((head: TaskHead) => tf.Variable),
    seed: number,
    coordinates = 3,
    onlyRows?: { rowSize: number; rows: number[] },
  ): void {
    const head = createTaskHead(model, task, { trainsLmHead: attached.trainsLmHead ?? false, rng: createRng(11) });
    const target = typeof variable === 'function' ? variable(head) : variable;
    const b = batch(task.kind);
    const prefix = attached.hooks.prefixLength ?? 0;
    const lossTensor = () => head.loss(b, attached.hooks);
    const lossValue = () => tf.tidy(lossTensor).dataSync()[0];
    try {
      expect(target.trainable).toBe(true);
      const grad = autodiffGradient(lossTensor, target);
      const maxAbs = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
      expect(maxAbs).toBeGreaterThan(1e-3);
      // Random coordinates among those with a non-trivial gradient.
      const next = prng(seed);
      const inRows = (i: number) => !onlyRows || onlyRows.rows.includes(Math.floor(i / onlyRows.rowSize));
      const rowMax = grad.reduce((m, g, i) => (inRows(i) ? Math.max(m, Math.abs(g)) : m), 0);
      const candidates = [...grad.keys()].filter((i) => inRows(i) && Math.abs(grad[i]) >= 0.2 * rowMax);
      expect(candidates.length).toBeGreaterThan(0);
      for (let i = candidates.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
      }
      expectFiniteDifferences(target, grad, candidates.slice(0, coordinates), lossValue, EPS, REL);
    } finally {
      head.dispose();
      tf.dispose([b.inputIds, b.attentionMask, b.labels ?? []]);
    }
  }

  it('LoRA A and B (B set nonzero first)', () => {
    const model = tinyModel(4);
    const attached = loraMethod.attach(model, LM, loraConfig({ r: 2, alpha: 4, targets: ['q', 'v', 'mlp_in'] }), createRng(1));
    try {
      randomizeLoraB(attached, 300);
      const vars = loraVariables(attached);
      checkGradient(model, attached, LM, vars.get('h.0.attn.c_attn.q/A')!, 1);
      checkGradient(model, attached, LM, vars.get('h.1.attn.c_attn.v/B')!, 2);
      checkGradient(model, attached, CLS3, vars.get('h.0.mlp.c_fc.mlp_in/A')!, 3);
    } finally {
      attached.dispose();
      model.dispose();
    }
  });

  it('prompt embeddings, on both tasks', () => {
    const model = tinyModel(5);
    const attached = promptMethod.attach(model, LM, { length: 3, init: 'vocab' }, createRng(2));
    try {
      checkGradient(model, attached, LM, attached.paramGroups[0].variables[0], 4);
      checkGradient(model, attached, CLS3, attached.paramGroups[0].variables[0], 5);
    } finally {
      attached.dispose();
      model.dispose();
    }
  });

  it('full fine-tuning: wte through gather (wasm UnsortedSegmentSum), tied head, other weights', () => {
    const model = tinyModel(6);
    const attached = fullMethod.attach(model, LM, {}, createRng(3));
    try {
      // Classification: wte enters only through tf.gather, whose gradient is the wasm scatter-add kernel.
      checkGradient(model, attached, CLS3, model.variable('wte.weight'), 6, 4);
      checkGradient(model, attached, CLS3, model.variable('wte.weight'), 15, 4, { rowSize: model.config.nEmbd, rows: [3] });
      // LM: wte is also the tied output matrix.
      checkGradient(model, attached, LM, model.variable('wte.weight'), 7, 4);
      checkGradient(model, attached, LM, model.variable('wpe.weight'), 8);
      checkGradient(model, attached, LM, model.variable('h.0.attn.c_attn.weight'), 9);
      checkGradient(model, attached, LM, model.variable('h.1.mlp.c_fc.bias'), 10);
      checkGradient(model, attached, CLS3, model.variable('h.1.ln_2.weight'), 11);
      checkGradient(model, attached, LM, model.variable('ln_f.bias'), 12);
    } finally {
      attached.dispose();
      model.dispose();
    }
  });

  it('task heads: classification score, and the untied LM head of head-only training', () => {
    const model = tinyModel(7);
    const attached = headMethod.attach(model, CLS3, {}, createRng(4));
    try {
      checkGradient(model, attached, CLS3, (head) => head.variables[0], 13);
      checkGradient(model, attached, LM, (head) => head.variables[0], 14);
    } finally {
      attached.dispose();
      model.dispose();
    }
  });
});

// ------------------------------------------------------------------------------------------

/** Through real safetensors bytes and JSON, as a saved adapter would travel. */
function throughFiles(files: AdapterFiles): AdapterFiles {
  const bytes = writeSafetensors([...files.tensors].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array })));
  return { config: JSON.parse(JSON.stringify(files.config)), tensors: readSafetensors(bytes).tensors };
}

function allValues(attached: AttachedMethod): Float32Array[] {
  return attached.paramGroups.flatMap((g) => g.variables.map(valuesOf));
}

describe('adapter save / load', () => {
  it('LoRA: saved in PEFT layout, loaded into a fresh attach gives identical logits', async () => {
    const model = tinyModel(8);
    const config = loraConfig({ r: 2, alpha: 8, targets: ['q', 'v', 'mlp_out'] });
    const source = loraMethod.attach(model, CLS3, config, createRng(1));
    const target = loraMethod.attach(model, CLS3, config, createRng(2));
    try {
      randomizeLoraB(source, 400);
      const expected = logitsOf(model, IDS, undefined, source.hooks);
      const files = throughFiles(await source.saveAdapter());
      const p = 'base_model.model.transformer.h';
      expect([...files.tensors.keys()].sort()).toEqual(
        [0, 1].flatMap((i) => [`${p}.${i}.attn.c_attn.lora_A.weight`, `${p}.${i}.attn.c_attn.lora_B.weight`, `${p}.${i}.mlp.c_proj.lora_A.weight`, `${p}.${i}.mlp.c_proj.lora_B.weight`]).sort(),
      );
      const d = model.config.nEmbd;
      expect(files.tensors.get(`${p}.0.attn.c_attn.lora_A.weight`)!.shape).toEqual([4, d]);
      expect(files.tensors.get(`${p}.0.attn.c_attn.lora_B.weight`)!.shape).toEqual([3 * d, 4]);
      expect(files.config).toMatchObject({ peft_type: 'LORA', r: 2, lora_alpha: 8, fan_in_fan_out: true, rank_pattern: { 'attn.c_attn': 4 }, alpha_pattern: { 'attn.c_attn': 16 } });
      expect(new Set(files.config.target_modules as string[])).toEqual(new Set(['attn.c_attn', 'mlp.c_proj']));

      expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), expected)).toBeGreaterThan(1e-3);
      target.loadAdapter(files);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), expected)).toBe(0);
      const a = allValues(source);
      const b = allValues(target);
      a.forEach((values, i) => expect(maxAbsDiff(values, b[i])).toBe(0));

      // What PEFT would compute from the files — ΔW = (alpha/rank)·B·A per module — is the merged delta.
      const before = baseSnapshot(model);
      source.merge!();
      for (const [module, inF, outF] of [['attn.c_attn', d, 3 * d], ['mlp.c_proj', 4 * d, d]] as const) {
        const rank = (files.config.rank_pattern as Record<string, number>)[module] ?? (files.config.r as number);
        const alpha = (files.config.alpha_pattern as Record<string, number>)[module] ?? (files.config.lora_alpha as number);
        const A = files.tensors.get(`${p}.1.${module}.lora_A.weight`)!.data;
        const B = files.tensors.get(`${p}.1.${module}.lora_B.weight`)!.data;
        const now = valuesOf(model.variable(`h.1.${module}.weight`));
        const was = before.get(`h.1.${module}.weight`)!;
        for (let i = 0; i < inF; i++) {
          for (let o = 0; o < outF; o++) {
            let delta = 0;
            for (let c = 0; c < rank; c++) delta += B[o * rank + c] * A[c * inF + i];
            expect(Math.abs(now[i * outF + o] - was[i * outF + o] - (alpha / rank) * delta)).toBeLessThan(1e-5);
          }
        }
      }
    } finally {
      source.dispose();
      target.dispose();
      model.dispose();
    }
  });

  it('prompt: loaded into a fresh attach gives identical logits', async () => {
    const model = tinyModel(9);
    const source = promptMethod.attach(model, LM, { length: 4, init: 'vocab' }, createRng(1));
    const target = promptMethod.attach(model, LM, { length: 4, init: 'vocab' }, createRng(2));
    try {
      const expected = logitsOf(model, IDS, undefined, source.hooks);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), expected)).toBeGreaterThan(1e-3);
      const files = throughFiles(await source.saveAdapter());
      expect(files.config).toMatchObject({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 4, token_dim: model.config.nEmbd });
      target.loadAdapter(files);
      expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), expected)).toBe(0);
    } finally {
      source.dispose();
      target.dispose();
    }
    model.dispose();
  });

  it('full: the saved weights loaded into another model reproduce its logits', async () => {
    const modelA = tinyModel(10);
    const modelB = tinyModel(11);
    const source = fullMethod.attach(modelA, LM, {}, createRng(1));
    const target = fullMethod.attach(modelB, LM, {}, createRng(2));
    try {
      const expected = logitsOf(modelA, IDS);
      expect(maxAbsDiff(logitsOf(modelB, IDS), expected)).toBeGreaterThan(1e-3);
      const files = throughFiles(await source.saveAdapter());
      target.loadAdapter(files);
      expect(maxAbsDiff(logitsOf(modelB, IDS), expected)).toBe(0);
    } finally {
      source.dispose();
      target.dispose();
      modelA.dispose();
      modelB.dispose();
    }
  });

  it('head only: the task head round-trips (classification score and untied LM head)', async () => {
    const model = tinyModel(12);
    const attached = headMethod.attach(model, CLS3, {}, createRng(1));
    const b: BatchTensors = {
      inputIds: tf.tensor2d(IDS, undefined, 'int32'),
      attentionMask: tf.tensor2d([IDS[0].map(() => 1), IDS[1].map((_, t) => (t < 6 ? 1 : 0))], undefined, 'int32'),
      labels: null,
      realTokens: 14,
      lmTargets: 12,
    };
    try {
      expect((await attached.saveAdapter()).tensors.size).toBe(0);
      for (const task of [CLS3, LM]) {
        const source = createTaskHead(model, task, { trainsLmHead: true, rng: createRng(1) });
        const target = createTaskHead(model, task, { trainsLmHead: true, rng: createRng(2) });
        const last = (head: typeof source) => tf.tidy(() => head.logits!(b, {})).dataSync();
        try {
          setValues(source.variables[0], randomArray(source.variables[0].size, 0.5, 500));
          expect(maxAbsDiff(last(target), last(source))).toBeGreaterThan(1e-3);
          const saved = await source.save();
          expect([...saved.keys()]).toEqual(source.tensorNames);
          target.load(saved);
          expect(maxAbsDiff(last(target), last(source))).toBe(0);
        } finally {
          source.dispose();
          target.dispose();
        }
      }
    } finally {
      attached.dispose();
      tf.dispose([b.inputIds, b.attentionMask]);
      model.dispose();
    }
  });

  describe('bad LoRA adapters are refused whole', () => {
    const config = loraConfig({ r: 2, alpha: 4, targets: ['q', 'k', 'mlp_in'] });
    const p = 'base_model.model.transformer';

    async function scenario(corrupt: (tensors: Map<string, HostTensor>) => void, pattern: RegExp): Promise<void> {
      const model = tinyModel(13);
      const source = loraMethod.attach(model, LM, config, createRng(1));
      const target = loraMethod.attach(model, LM, config, createRng(2));
      try {
        randomizeLoraB(source, 600);
        randomizeLoraB(target, 700);
        const files = throughFiles(await source.saveAdapter());
        corrupt(files.tensors);
        const valuesBefore = allValues(target);
        const logitsBefore = logitsOf(model, IDS, undefined, target.hooks);
        let error: unknown;
        try {
          target.loadAdapter(files);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(AdapterError);
        expect((error as Error).message).toMatch(pattern);
        // Nothing was half-applied: every tensor, and so the logits, as before.
        allValues(target).forEach((values, i) => expect(maxAbsDiff(values, valuesBefore[i])).toBe(0));
        expect(maxAbsDiff(logitsOf(model, IDS, undefined, target.hooks), logitsBefore)).toBe(0);
      } finally {
        source.dispose();
        target.dispose();
        model.dispose();
      }
    }

    it('a tensor with the wrong shape (in the last layer, after valid ones)', async () => {
      const name = `${p}.h.1.mlp.c_fc.lora_A.weight`;
      await scenario((tensors) => {
        const t = tensors.get(name)!;
        tensors.set(name, { dtype: 'F32', shape: [t.shape[0] + 1, t.shape[1]], data: new Float32Array((t.shape[0] + 1) * t.shape[1]) });
      }, /h\.1\.mlp\.c_fc\.lora_A\.weight/);
    });

    it('an unknown tensor', async () => {
      await scenario((tensors) => {
        tensors.set(`${p}.h.0.attn.c_proj.lora_A.weight`, { dtype: 'F32', shape: [2, 12], data: new Float32Array(24) });
      }, /h\.0\.attn\.c_proj\.lora_A\.weight/);
    });

    it('a missing tensor', async () => {
      await scenario((tensors) => {
        tensors.delete(`${p}.h.1.attn.c_attn.lora_B.weight`);
      }, /h\.1\.attn\.c_attn\.lora_B\.weight/);
    });

    it('a fused B with a nonzero entry outside the targeted thirds (here: in v)', async () => {
      await scenario((tensors) => {
        const t = tensors.get(`${p}.h.1.attn.c_attn.lora_B.weight`)!;
        const rank = t.shape[1];
        (t.data as Float32Array)[(2 * 12 + 3) * rank + 1] = 0.5; // row 27 is in the v third
      }, /h\.1\.attn\.c_attn\.lora_B\.weight/);
    });
  });

  it('a prompt adapter of the wrong length is refused', async () => {
    const model = tinyModel(14);
    const short = promptMethod.attach(model, LM, { length: 3, init: 'vocab' }, createRng(1));
    const long = promptMethod.attach(model, LM, { length: 4, init: 'vocab' }, createRng(2));
    try {
      const before = allValues(long);
      const files = await short.saveAdapter();
      expect(() => long.loadAdapter(files)).toThrow(AdapterError);
      expect(() => long.loadAdapter(files)).toThrow(/prompt_embeddings/);
      expect(maxAbsDiff(allValues(long)[0], before[0])).toBe(0);
    } finally {
      short.dispose();
      long.dispose();
      model.dispose();
    }
  });
});

describe('methods clean up', () => {
  it('attach + dispose of every method leaves no tensors behind', () => {
    const model = tinyModel(15);
    try {
      const before = tf.memory().numTensors;
      for (const method of METHODS) {
        for (const task of [LM, CLS3]) {
          const attached = method.attach(model, task, resolveMethodConfig(method.name, {}), createRng(1));
          const head = createTaskHead(model, task, { trainsLmHead: attached.trainsLmHead ?? false, rng: createRng(2) });
          head.dispose();
          attached.dispose();
          expect(tf.memory().numTensors).toBe(before);
        }
      }
      // Full fine-tuning hands the weights back frozen.
      expect(model.namedVariables().every(([, v]) => !v.trainable)).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
