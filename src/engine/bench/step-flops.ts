import type { LinearShape, ModelShape, Stack } from '../models/hooks';
import type { MethodName, TaskShape } from '../methods/types';
import { promptBlocks } from '../methods/model-parts';
import { deptPlan, type DeptConfig } from '../methods/dept';

/**
 * Analytic matmul FLOPs of one training step (forward + backward), for the engine scorecard's
 * achieved-FLOP-rate column. Only matrix products count (2·m·n·k each); norms, softmax,
 * element-wise ops, gathers and the optimizer are left out, so this is a lower bound of the
 * work, and the ratio achieved/peak says how much of the step is matmul-bound.
 *
 * Backward, per product A·B: the gradient of each operand the loss needs costs one more
 * forward's worth (dA = dY·Bᵀ, dB = Aᵀ·dY). An operand needs it when it is a trained tensor or an
 * activation computed from one. So a trained weight on a path the gradient flows through costs
 * 2× forward (dW and dX), a frozen one 1× (dX only), and a frozen product below everything that
 * trains (head-only training, the first LoRA layer's base projections) 0× — tfjs's variableGrads
 * prunes those, as PyTorch's autograd does.
 */

/** One matrix product [m, k] × [k, n], done `times` times per step. */
export interface MatmulTerm {
  /** What it computes, e.g. "h.0.attn.c_attn", "decoder.2 cross scores". */
  label: string;
  m: number;
  k: number;
  n: number;
  times: number;
  /** Whether the loss's gradient with respect to the left (right) operand is computed. */
  gradA: boolean;
  gradB: boolean;
}

export interface StepFlops {
  forward: number;
  backward: number;
  total: number;
}

export function termFlops(term: MatmulTerm): StepFlops {
  const forward = 2 * term.m * term.n * term.k * term.times;
  const backward = forward * (Number(term.gradA) + Number(term.gradB));
  return { forward, backward, total: forward + backward };
}

export function sumFlops(terms: readonly MatmulTerm[]): StepFlops {
  const sum = { forward: 0, backward: 0, total: 0 };
  for (const term of terms) {
    const f = termFlops(term);
    sum.forward += f.forward;
    sum.backward += f.backward;
    sum.total += f.total;
  }
  return sum;
}

/** The model as the FLOP count needs it. */
export interface FlopsModel {
  shape: ModelShape;
  /** ViT: inputs of the patch projection (channels · patch²). Ignored by text models. */
  patchFeatures?: number;
}

/** One step's sizes. */
export interface FlopsWorkload {
  batch: number;
  /** The task as the method sized itself for it (input tokens per example: `seqLen`). */
  task: TaskShape;
  /** Text-to-text: decoder (target) tokens per example. */
  targetLength?: number;
}

/** A method as the spec gives it, options completed by the method's schema. */
export interface FlopsMethod {
  name: MethodName;
  options: Record<string, unknown>;
}

/** What one method changes in the matmul graph. */
interface MethodEffects {
  /** Full fine-tuning: every weight trains (embeddings and the tied LM head included). */
  trainsAll: boolean;
  /** The input embeddings of the prompt stack depend on trained tensors (prompt, DePT). */
  inputTrained: boolean;
  /** Rows prepended to the prompt stack's input. */
  prefix: number;
  /** DePT's A·B: [s, r] × [r, d], once per batch. */
  deptRank: number;
  /** LoRA / NOLA targets (roles) and rank. */
  adapter: { kind: 'lora' | 'nola'; roles: readonly string[]; r: number; k: number; l: number; shared: boolean } | null;
  /** Deep prompts / APT: rows per hooked block, and which blocks. */
  perBlock: { kind: 'deep-prompt' | 'apt'; p: number; blocks: Set<string>; aptRank: number; aptVariant: string } | null;
  /** Head-only training on LM / text-to-text: an untied trainable LM head. */
  trainsLmHead: boolean;
}

const num = (options: Record<string, unknown>, key: string, fallback = 0): number => (typeof options[key] === 'number' ? (options[key] as number) : fallback);

function effectsOf(method: FlopsMethod, shape: ModelShape, task: TaskShape): MethodEffects {
  const o = method.options;
  const none: MethodEffects = { trainsAll: false, inputTrained: false, prefix: 0, deptRank: 0, adapter: null, perBlock: null, trainsLmHead: false };
  const blockKey = (stack: Stack, layer: number) => `${stack}.${layer}`;
  switch (method.name) {
    case 'full':
      return { ...none, trainsAll: true, inputTrained: true };
    case 'head':
      return { ...none, trainsLmHead: task.kind === 'lm' || task.kind === 'seq2seq' };
    case 'prompt':
      return { ...none, inputTrained: true, prefix: num(o, 'length') };
    case 'dept': {
      const plan = deptPlan(shape, task.seqLen, o as unknown as DeptConfig);
      return { ...none, inputTrained: true, prefix: plan.m, deptRank: plan.r };
    }
    case 'lora':
    case 'nola':
      return {
        ...none,
        adapter: { kind: method.name, roles: (o.targets as string[] | undefined) ?? ['q', 'v'], r: num(o, 'r', 8), k: num(o, 'k'), l: num(o, 'l'), shared: o.shared === true },
      };
    case 'deep-prompt':
    case 'apt': {
      const blocks = new Set(promptBlocks(shape, o.decoder === true).map((b) => blockKey(b.stack, b.layer)));
      return { ...none, perBlock: { kind: method.name, p: num(o, 'length'), blocks, aptRank: num(o, 'r'), aptVariant: String(o.variant ?? 'low-rank') } };
    }
  }
}

/** Groups a stack's linears by layer, in forward order. */
function layersOf(shape: ModelShape, stack: Stack): LinearShape[][] {
  const layers: LinearShape[][] = Array.from({ length: shape.stacks[stack] }, () => []);
  for (const linear of shape.linears) if (linear.stack === stack) layers[linear.layer].push(linear);
  return layers;
}

/**
 * Splits one block's linears into its attentions (each ends at its output projection; a T5
 * decoder block has self- then cross-attention) and its MLP.
 */
function blockParts(linears: LinearShape[]): { attentions: LinearShape[][]; mlp: LinearShape[] } {
  const attentions: LinearShape[][] = [];
  let current: LinearShape[] = [];
  const mlp: LinearShape[] = [];
  for (const linear of linears) {
    if (linear.role === 'mlp_in' || linear.role === 'mlp_out') {
      mlp.push(linear);
      continue;
    }
    current.push(linear);
    if (linear.role === 'attn_out') {
      attentions.push(current);
      current = [];
    }
  }
  return { attentions, mlp };
}

/** The products of one forward pass and what each operand's gradient costs, in forward order. */
export function stepMatmulTerms(model: FlopsModel, work: FlopsWorkload, method: FlopsMethod): MatmulTerm[] {
  const { shape } = model;
  const { batch: B, task } = work;
  const fx = effectsOf(method, shape, task);
  const d = shape.hidden;
  const H = shape.heads;
  const terms: MatmulTerm[] = [];
  const add = (label: string, m: number, k: number, n: number, gradA: boolean, gradB: boolean, times = 1) => {
    if (m > 0 && k > 0 && n > 0 && times > 0) terms.push({ label, m, k, n, times, gradA, gradB });
  };

  /** y = x·W (+ the adapter's (x·A)·B per adapted part); returns whether y needs its gradient. */
  const linear = (site: LinearShape, rows: number, inGrad: boolean, label = site.name): boolean => {
    add(label, rows, site.inFeatures, site.outFeatures, inGrad, fx.trainsAll);
    const a = fx.adapter;
    const parts = site.fusedRoles
      ? site.fusedRoles.map((role) => ({ role, size: site.outFeatures / site.fusedRoles!.length }))
      : [{ role: site.role, size: site.outFeatures }];
    const adapted = a ? parts.filter((p) => a.roles.includes(p.role)) : [];
    for (const part of adapted) {
      const partLabel = `${label}.${part.role}`;
      if (a!.kind === 'nola' && !a!.shared) {
        // A = A0 + Σ α_i A_i, B = Σ β_j B_j: coefficients [1, k] × bases [k, in·r] (the bases are frozen).
        add(`${partLabel} nola A`, 1, a!.k, site.inFeatures * a!.r, true, false);
        add(`${partLabel} nola B`, 1, a!.l, a!.r * part.size, true, false);
      }
      add(`${partLabel} x·A`, rows, site.inFeatures, a!.r, inGrad, true);
      add(`${partLabel} (x·A)·B`, rows, a!.r, part.size, true, true);
    }
    return inGrad || fx.trainsAll || adapted.length > 0;
  };

  // Shared NOLA bases: one combination per role for all its layers, per forward.
  if (fx.adapter?.kind === 'nola' && fx.adapter.shared) {
    for (const role of fx.adapter.roles) {
      const sites = shape.linears.filter((l) => (l.fusedRoles ?? [l.role]).includes(role as never));
      if (sites.length === 0) continue;
      const site = sites[0];
      const size = site.fusedRoles ? site.outFeatures / site.fusedRoles.length : site.outFeatures;
      add(`${role} nola A (shared)`, sites.length, fx.adapter.k, site.inFeatures * fx.adapter.r, true, false);
      add(`${role} nola B (shared)`, sites.length, fx.adapter.l, fx.adapter.r * size, true, false);
    }
  }

  /**
   * One attention: projections, scores over `keys` (+ prefix rows), weighted values, output.
   * `kvRows`/`kvGrad` are the key/value source's (the encoder output for cross-attention).
   */
  const attention = (label: string, sites: LinearShape[], queryLen: number, inGrad: boolean, keyLen: number, kvGrad: boolean, prefixRows: number): boolean => {
    const out = sites.find((s) => s.role === 'attn_out')!;
    const fused = sites.find((s) => s.role === 'qkv');
    let qGrad: boolean;
    let kGrad: boolean;
    let vGrad: boolean;
    let headDim: number;
    if (fused) {
      qGrad = kGrad = vGrad = linear(fused, B * queryLen, inGrad);
      headDim = fused.outFeatures / 3 / H;
      // Deep prompts: the p rows go through the same (frozen) c_attn, once per batch.
      if (prefixRows > 0) {
        linear(fused, prefixRows, true, `${fused.name} (prompt rows)`);
        kGrad = vGrad = true;
      }
    } else {
      const q = sites.find((s) => s.role === 'q')!;
      const k = sites.find((s) => s.role === 'k')!;
      const v = sites.find((s) => s.role === 'v')!;
      headDim = q.outFeatures / H;
      qGrad = linear(q, B * queryLen, inGrad);
      kGrad = linear(k, B * keyLen, kvGrad);
      vGrad = linear(v, B * keyLen, kvGrad);
      if (prefixRows > 0) {
        linear(k, prefixRows, true, `${k.name} (prompt rows)`);
        linear(v, prefixRows, true, `${v.name} (prompt rows)`);
        kGrad = vGrad = true;
      }
    }
    const keys = keyLen + prefixRows;
    add(`${label} scores`, queryLen, headDim, keys, qGrad, kGrad, B * H);
    add(`${label} context`, queryLen, keys, headDim, qGrad || kGrad, vGrad, B * H);
    return linear(out, B * queryLen, qGrad || kGrad || vGrad);
  };

  /** APT beside one self-attention: K from P', scores X·Kᵀ, ReLU-gated sum of P'. */
  const aptTerms = (label: string, rows: number, inGrad: boolean) => {
    const { p, aptRank: r, aptVariant } = fx.perBlock!;
    if (aptVariant === 'low-rank') {
      add(`${label} apt P'·W1`, p, d, r, true, true);
      add(`${label} apt (P'·W1)·W2`, p, r, d, true, true);
    } else if (aptVariant === 'dense') {
      add(`${label} apt P'·W`, p, d, d, true, true);
    }
    add(`${label} apt X·Kᵀ`, rows, d, p, inGrad, true);
    add(`${label} apt gated·P'`, rows, p, d, true, true);
  };

  /** One stack of blocks over `len` tokens per example; returns whether its output needs gradients. */
  const stack = (name: Stack, len: number, inGrad: boolean, cross: { len: number; grad: boolean } | null): boolean => {
    let grad = inGrad;
    layersOf(shape, name).forEach((linears, layer) => {
      const { attentions, mlp } = blockParts(linears);
      const label = `${name}.${layer}`;
      const hooked = fx.perBlock?.blocks.has(`${name}.${layer}`) ?? false;
      const prefixRows = hooked && fx.perBlock!.kind === 'deep-prompt' ? fx.perBlock!.p : 0;
      const blockIn = grad;
      let selfGrad = attention(`${label} self`, attentions[0], len, blockIn, len, blockIn, prefixRows);
      if (hooked && fx.perBlock!.kind === 'apt') {
        aptTerms(label, B * len, blockIn);
        selfGrad = true;
      }
      grad = blockIn || selfGrad;
      if (attentions[1] && cross) grad = attention(`${label} cross`, attentions[1], len, grad, cross.len, cross.grad, 0) || grad;
      for (const site of mlp) grad = linear(site, B * len, grad) || grad;
    });
    return grad;
  };

  const inputLen = task.seqLen;
  if (fx.deptRank > 0) add('dept A·B', inputLen, fx.deptRank, d, true, true);
  const lmHeadTrained = fx.trainsAll || fx.trainsLmHead;

  if (shape.family === 'gpt2') {
    const len = inputLen + fx.prefix;
    const out = stack('decoder', len, fx.inputTrained, null);
    if (task.kind === 'lm') {
      // Logits for every input position but the last; prompt rows are dropped first.
      add('lm head', B * (inputLen - 1), d, shape.vocabSize, out, lmHeadTrained);
    } else {
      // The last real token's row, picked by a one-hot selector matMul, then `score`.
      add('pool last token', 1, len, d, false, out, B);
      add('score', B, d, task.numLabels, out, true);
    }
  } else if (shape.family === 'vit') {
    const patches = inputLen;
    if (model.patchFeatures) add('patch projection', B * patches, model.patchFeatures, d, false, fx.trainsAll);
    // CLS + patches + prompt rows (VPT puts them after the patch projection).
    const len = patches + 1 + fx.prefix;
    const out = stack('encoder', len, fx.inputTrained, null);
    add('classifier', B, d, task.numLabels, out, true);
  } else {
    const targetLen = work.targetLength ?? 1;
    const encLen = inputLen + fx.prefix;
    const encoderOut = stack('encoder', encLen, fx.inputTrained, null);
    // The decoder reads the (shared, trained under full FT) embeddings of the shifted targets.
    const decoderOut = stack('decoder', targetLen, fx.trainsAll, { len: encLen, grad: encoderOut });
    add('lm head', B * targetLen, d, shape.vocabSize, decoderOut, lmHeadTrained);
  }
  return terms;
}

/** Forward, backward and total matmul FLOPs of one training step. */
export function stepFlops(model: FlopsModel, work: FlopsWorkload, method: FlopsMethod): StepFlops {
  return sumFlops(stepMatmulTerms(model, work, method));
}
