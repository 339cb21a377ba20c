import { z } from 'zod';
import { tf } from '../tf';
import { matMul2d } from '../kernels/matmul';
import { NolaBasisCache, nolaCombine, type NolaBasisSpec, type NolaImplementation } from '../kernels/nola-basis';
import { nolaStream, nolaTargetId, type NolaRole } from '../kernels/nola-prng';
import { fakeQuantizeRows, quantizeVector, quantLevels } from '../kernels/nola-quant';
import type { ForwardContext, LinearShape, LinearSite, ModelShape } from '../models/hooks';
import type { HostTensor } from '../io/safetensors';
import { ownedVariable } from '../models/layers';
import { AdapterError, taskHeadParams, type AttachedMethod, type MethodDefinition, type TaskKind } from './types';
import { assignAll, expectTensor, rejectUnknown, toHost } from './host';
import { blockOfRole, emptyPlacement, placementRow } from './param-placement-parts';
import { peftTaskType } from './model-parts';
import { LORA_TARGETS, type LoraTarget } from './lora';
import { checkEncodedMatches, decodeNolaAdapter, fromBase64Url, nolaEncodedBytes, nolaTensorsFromEncoded } from './nola-adapter-codec';

/**
 * NOLA (Koohpayegani et al. 2023, arXiv 2310.02556): LoRA's A and B re-expressed as linear
 * combinations of frozen pseudo-random bases; only the mixture coefficients train.
 *
 *   ΔW = (c/r)·A·B,  A = A0 + Σ_{i=1..k} α_i A_i  (in×r),  B = Σ_{j=1..l} β_j B_j  (r×out)
 *
 * ΔW is in the model's [in, out] layout (y = x·W), so the adapter adds (c/r)·(x·A)·B. A0 is a
 * frozen seeded Kaiming-uniform matrix (U(±1/√in), PEFT's LoRA A init), α = β = 0 at start, so
 * ΔW = 0 and B gets the first gradient, as in the authors' GPT-2 code. Basis entries are
 * U(−1, 1)/√k (resp. /√l), regenerated from (seed, target, basis, element) by the counter-based
 * PRNG of docs/nola-prng.md — never stored, never trained. Trainable per target: k + l.
 *
 * Shared bases: every layer's target of one role uses the same A0, A_i, B_j (the PRNG stream of
 * the role, not of the layer); each layer keeps its own α, β. In one forward the combination for
 * all layers of a role is computed at once, so each basis value is generated once per step.
 */

export interface NolaConfig {
  /** Number of A bases. */
  k: number;
  /** Number of B bases. */
  l: number;
  /** Rank of A and B. */
  r: number;
  /** Scale c: ΔW = (c/r)·A·B (paper: 1 for GPT-2, 4 for LLaMA-2). */
  c: number;
  /** Seed of the bases (and A0): an adapter is this seed plus α, β. */
  seed: number;
  /** One basis set per role for all layers (paper Table 2) instead of one per layer. */
  shared: boolean;
  /** Quantization-aware training of α, β at this many bits; "none": float coefficients. */
  quantBits: 'none' | '8' | '4' | '3';
  targets: LoraTarget[];
  /**
   * Trained coefficients to start from, as the compact encoding (encodeNolaAdapter) in base64url;
   * "" = α = β = 0. This is how a share link carries a trained adapter: the link codec writes it
   * as the option `nola.adapter`, and attaching loads it, so the trained model is there at step 0.
   */
  adapter: string;
}

/** Longest `adapter` option (base64url characters): well inside a link's 4,096 characters. */
export const MAX_NOLA_ADAPTER_CHARS = 3500;

export const nolaSchema = z
  .object({
    k: z.number().int().min(1).max(65_535),
    l: z.number().int().min(1).max(65_535),
    r: z.number().int().min(1).max(256),
    c: z.number().positive().max(1e4),
    seed: z.number().int().min(0).max(0xffff_ffff),
    shared: z.boolean(),
    quantBits: z.enum(['none', '8', '4', '3']),
    targets: z.array(z.enum(LORA_TARGETS)).min(1).refine((t) => new Set(t).size === t.length, 'targets must not repeat'),
    // Checked whole here (characters, length, header, checksum); against the other options and
    // the model when attaching.
    adapter: z
      .string()
      .max(MAX_NOLA_ADAPTER_CHARS)
      .superRefine((text, ctx) => {
        if (text === '') return;
        try {
          decodeNolaAdapter(fromBase64Url(text));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        }
      }),
  })
  .strict();

/**
 * Defaults sized for the built-in tiny-gpt2 (d = 128, 4 layers): rank 8 as in the paper's GPT-2
 * runs, and k = l = 100 instead of the paper's 1000. The paper's point is NOLA below LoRA r=1:
 * on GPT-2 L (QV) 144K vs 184K = 0.78×. A LoRA r=1 matrix of tiny-gpt2 has 2·128 = 256 entries,
 * so k + l = 200 keeps that ratio exactly (1,600 vs 2,048 on q, v); 1000 bases would exceed
 * the 1024 entries of A itself.
 */
export const NOLA_DEFAULTS: NolaConfig = { k: 100, l: 100, r: 8, c: 1, seed: 0, shared: false, quantBits: 'none', targets: ['q', 'v'], adapter: '' };

/** One adapted matrix (a whole linear, or one third of GPT-2's fused c_attn). */
interface NolaTarget {
  site: LinearSite;
  role: LoraTarget;
  layer: number;
  offset: number;
  size: number;
  alpha: tf.Variable; // [k]
  beta: tf.Variable; // [l]
  aSpec: NolaBasisSpec;
  bSpec: NolaBasisSpec;
}

/** Tensor names: PEFT's module path, the role (which third of c_attn), the coefficient. */
export function nolaTensorName(site: { modulePath: string }, role: string, which: 'alpha' | 'beta'): string {
  return `base_model.model.${site.modulePath}.${role}.nola_${which}`;
}

/** One adapted matrix as the model's shape implies it. */
export interface NolaTargetShape {
  linear: LinearShape;
  /** Placement row of its block (T5: encoder blocks first). */
  row: number;
  role: LoraTarget;
  inF: number;
  outF: number;
  /** PRNG target id of its bases (see nolaTargetIdOf). */
  targetId: number;
}

/**
 * The PRNG target id of an adapted matrix. The first linear of a role in a block gets
 * docs/nola-prng.md's `row·8 + role code` (GPT-2's ids, unchanged); a block's second linear of
 * the same role (T5's cross-attention q/k/v/o, the gated FFN's wi_1) sets bit 29, so every
 * matrix has its own bases. Shared bases are one set per role, as in the paper.
 */
function nolaTargetIdOf(role: LoraTarget, row: number, second: boolean, shared: boolean): number {
  const id = nolaTargetId(role as NolaRole, row, shared);
  return second && !shared ? (0x20000000 | id) >>> 0 : id;
}

/** The adapted matrices' shapes from the model shape alone, in the adapter's canonical order. */
export function nolaTargetShapes(model: ModelShape, targets: readonly LoraTarget[], shared = false): NolaTargetShape[] {
  const out: NolaTargetShape[] = [];
  const seen = new Set<string>();
  for (const linear of model.linears) {
    const roles = linear.fusedRoles ?? [linear.role];
    const outF = linear.outFeatures / roles.length;
    const row = placementRow(model, linear.stack, linear.layer);
    for (const role of roles) {
      if (!(targets as readonly string[]).includes(role)) continue;
      const key = `${row}:${role}`;
      const second = seen.has(key);
      seen.add(key);
      out.push({ linear, row, role: role as LoraTarget, inF: linear.inFeatures, outF, targetId: nolaTargetIdOf(role as LoraTarget, row, second, shared) });
    }
  }
  return out;
}

function basisSpecs(config: NolaConfig, id: number, inF: number, outF: number): { aSpec: NolaBasisSpec; bSpec: NolaBasisSpec } {
  return {
    aSpec: { seed: config.seed, stream: nolaStream(id, 0), count: config.k, size: inF * config.r, scale: 1 / Math.sqrt(config.k), initScale: 1 / Math.sqrt(inF) },
    bSpec: { seed: config.seed, stream: nolaStream(id, 1), count: config.l, size: config.r * outF, scale: 1 / Math.sqrt(config.l), initScale: 0 },
  };
}

/** Options of an attached NOLA beyond its config: which implementation builds A and B. */
export interface NolaAttachOptions {
  implementation?: NolaImplementation;
}

export interface NolaAttached extends AttachedMethod {
  /** Host bytes of the twin's materialised bases (0 on the kernel path). */
  readonly basisBytes: () => number;
  /** (A [in, r], B [r, out]) of one target as built in the forward pass (for tests and the lab). */
  factors(siteName: string, role: LoraTarget): { a: tf.Tensor2D; b: tf.Tensor2D };
}

export function attachNola(model: Parameters<MethodDefinition<NolaConfig>['attach']>[0], config: NolaConfig, taskKind: TaskKind, options: NolaAttachOptions = {}): NolaAttached {
  const implementation = options.implementation ?? 'auto';
  const bits = config.quantBits === 'none' ? null : Number(config.quantBits);
  const cache = new NolaBasisCache();
  const targets: NolaTarget[] = [];
  const sites = new Map(model.linearSites().map((site) => [site.name, site]));
  for (const shape of nolaTargetShapes(model.shape, config.targets, config.shared)) {
    const site = sites.get(shape.linear.name)!;
    const part = (site.fusedParts ?? [{ role: site.role, offset: 0, size: site.outFeatures }]).find((p) => p.role === shape.role)!;
    const name = `${site.name}.${shape.role}`;
    targets.push({
      site,
      role: shape.role,
      layer: shape.row,
      offset: part.offset,
      size: part.size,
      alpha: ownedVariable(tf.zeros([config.k]), true, `nola/${name}/alpha`),
      beta: ownedVariable(tf.zeros([config.l]), true, `nola/${name}/beta`),
      ...basisSpecs(config, shape.targetId, site.inFeatures, part.size),
    });
  }
  if (config.adapter !== '') {
    try {
      const encoded = decodeNolaAdapter(fromBase64Url(config.adapter));
      checkEncodedMatches(encoded, config);
      const tensors = nolaTensorsFromEncoded(model.shape, encoded);
      for (const t of targets) {
        tf.tidy(() => t.alpha.assign(tf.tensor1d(tensors.get(nolaTensorName(t.site, t.role, 'alpha'))!.data as Float32Array)));
        tf.tidy(() => t.beta.assign(tf.tensor1d(tensors.get(nolaTensorName(t.site, t.role, 'beta'))!.data as Float32Array)));
      }
    } catch (error) {
      for (const t of targets) {
        t.alpha.dispose();
        t.beta.dispose();
      }
      throw error;
    }
  }
  const bySite = new Map<string, NolaTarget[]>();
  for (const t of targets) bySite.set(t.site.name, [...(bySite.get(t.site.name) ?? []), t]);
  const byRole = new Map<LoraTarget, NolaTarget[]>();
  for (const t of targets) byRole.set(t.role, [...(byRole.get(t.role) ?? []), t]);
  const scale = config.c / config.r;
  let merged = false;

  const coefficients = (vars: tf.Variable[]): tf.Tensor2D => {
    const stacked = (vars.length === 1 ? vars[0].reshape([1, -1]) : tf.stack(vars)) as tf.Tensor2D;
    return bits === null ? stacked : fakeQuantizeRows(stacked, bits);
  };

  /** A and B of every target of a role (shared: one combination for all layers), [T, size] each. */
  const buildRole = (role: LoraTarget): { a: tf.Tensor2D; b: tf.Tensor2D } => {
    const group = byRole.get(role)!;
    return {
      a: nolaCombine(coefficients(group.map((t) => t.alpha)), group[0].aSpec, cache, implementation),
      b: nolaCombine(coefficients(group.map((t) => t.beta)), group[0].bSpec, cache, implementation),
    };
  };

  // Shared bases: one combination per role per forward pass, found again by the forward's context.
  const perForward = new WeakMap<ForwardContext, Map<LoraTarget, { a: tf.Tensor2D; b: tf.Tensor2D }>>();
  const factorsOf = (t: NolaTarget, ctx: ForwardContext | null): { a: tf.Tensor2D; b: tf.Tensor2D } => {
    const inF = t.site.inFeatures;
    if (!config.shared) {
      const a = nolaCombine(coefficients([t.alpha]), t.aSpec, cache, implementation);
      const b = nolaCombine(coefficients([t.beta]), t.bSpec, cache, implementation);
      return { a: a.reshape([inF, config.r]), b: b.reshape([config.r, t.size]) };
    }
    let roles = ctx ? perForward.get(ctx) : undefined;
    let built = roles?.get(t.role);
    if (!built || built.a.isDisposed || built.b.isDisposed) {
      built = buildRole(t.role);
      if (ctx) {
        if (!roles) perForward.set(ctx, (roles = new Map()));
        roles.set(t.role, built);
      }
    }
    const row = byRole.get(t.role)!.indexOf(t);
    const slice = (m: tf.Tensor2D) => (m.shape[0] === 1 ? m : tf.slice(m, [row, 0], [1, -1]));
    return { a: slice(built.a).reshape([inF, config.r]), b: slice(built.b).reshape([config.r, t.size]) };
  };

  /** ΔW of a site in its [in, out] layout, full width. */
  const siteDelta = (site: LinearSite, siteTargets: NolaTarget[]): tf.Tensor2D =>
    tf.tidy(() => {
      const columns: tf.Tensor2D[] = [];
      let cursor = 0;
      for (const t of siteTargets) {
        if (t.offset > cursor) columns.push(tf.zeros([site.inFeatures, t.offset - cursor]));
        const { a, b } = factorsOf(t, null);
        columns.push(tf.mul(matMul2d(a, b), scale) as tf.Tensor2D);
        cursor = t.offset + t.size;
      }
      if (cursor < site.outFeatures) columns.push(tf.zeros([site.inFeatures, site.outFeatures - cursor]));
      return columns.length === 1 ? columns[0] : tf.concat(columns, 1);
    });

  const assignments = (files: { tensors: Map<string, HostTensor> }): Array<[tf.Variable, Float32Array]> => {
    const known = new Set<string>();
    const out: Array<[tf.Variable, Float32Array]> = [];
    for (const t of targets) {
      const alphaName = nolaTensorName(t.site, t.role, 'alpha');
      const betaName = nolaTensorName(t.site, t.role, 'beta');
      known.add(alphaName).add(betaName);
      out.push([t.alpha, expectTensor(files.tensors, alphaName, [config.k])], [t.beta, expectTensor(files.tensors, betaName, [config.l])]);
    }
    rejectUnknown(files.tensors, known);
    return out;
  };

  return {
    hooks: {
      linear: (site, x, base, ctx) => {
        const siteTargets = bySite.get(site.name);
        if (!siteTargets || merged) return base(x);
        const y = base(x);
        const rows = x.shape[0];
        const columns: tf.Tensor2D[] = [];
        let cursor = 0;
        for (const t of siteTargets) {
          if (t.offset > cursor) columns.push(tf.zeros([rows, t.offset - cursor]));
          const { a, b } = factorsOf(t, ctx);
          columns.push(matMul2d(matMul2d(x, a), b));
          cursor = t.offset + t.size;
        }
        if (cursor < site.outFeatures) columns.push(tf.zeros([rows, site.outFeatures - cursor]));
        const delta = columns.length === 1 ? columns[0] : tf.concat(columns, 1);
        return tf.add(y, tf.mul(delta, scale));
      },
    },
    paramGroups: [{ name: 'nola', variables: targets.flatMap((t) => [t.alpha, t.beta]) }],
    basisBytes: () => cache.bytes,
    factors(siteName, role) {
      const t = targets.find((x) => x.site.name === siteName && x.role === role);
      if (!t) throw new Error(`NOLA does not adapt ${siteName}.${role}`);
      return tf.tidy(() => factorsOf(t, null));
    },
    async saveAdapter() {
      const tensors = new Map<string, HostTensor>();
      for (const t of targets) {
        tensors.set(nolaTensorName(t.site, t.role, 'alpha'), await toHost(t.alpha));
        tensors.set(nolaTensorName(t.site, t.role, 'beta'), await toHost(t.beta));
      }
      return {
        config: {
          peft_type: 'NOLA',
          task_type: peftTaskType(taskKind),
          // The bases are regenerated from these and the PRNG of docs/nola-prng.md (version 1).
          prng: 'nola-lowbias32-v1',
          seed: config.seed,
          k: config.k,
          l: config.l,
          r: config.r,
          c: config.c,
          shared_basis: config.shared,
          quant_bits: bits,
          targets: config.targets,
          inference_mode: true,
        },
        tensors,
      };
    },
    loadAdapter(files) {
      assignAll(assignments(files));
    },
    merge() {
      if (merged) return;
      for (const [, siteTargets] of bySite) {
        const site = siteTargets[0].site;
        tf.tidy(() => site.weight.assign(tf.add(site.weight, siteDelta(site, siteTargets))));
      }
      merged = true;
    },
    unmerge() {
      if (!merged) return;
      for (const [, siteTargets] of bySite) {
        const site = siteTargets[0].site;
        tf.tidy(() => site.weight.assign(tf.sub(site.weight, siteDelta(site, siteTargets))));
      }
      merged = false;
    },
    dispose() {
      for (const t of targets) {
        t.alpha.dispose();
        t.beta.dispose();
      }
      cache.dispose();
    },
  };
}

export const nolaMethod: MethodDefinition<NolaConfig> = {
  name: 'nola',
  title: 'NOLA',
  summary: "LoRA's A and B as mixtures of frozen random bases regenerated from a seed; only the k + l mixing coefficients per matrix train.",
  schema: nolaSchema,
  defaults: NOLA_DEFAULTS,
  trainableParams(model, task, config) {
    return { method: nolaTargetShapes(model, config.targets).length * (config.k + config.l), head: taskHeadParams(model, task) };
  },
  paramPlacement(model, task, config) {
    // Shared bases are regenerated from a seed, never trained: only each matrix's k + l coefficients count.
    const placement = { ...emptyPlacement(model), head: taskHeadParams(model, task) };
    for (const t of nolaTargetShapes(model, config.targets)) placement.layers[t.row][blockOfRole(t.role)] += config.k + config.l;
    return placement;
  },
  // What the adapter is shared as: the compact encoding (seed + quantized α, β; the bases are
  // regenerated) at the bits of QAT, else 4-bit PTQ — what nolaAdapterText puts in a link.
  storedBytes: (model, _task, config) => nolaEncodedBytes(model, config, config.quantBits === 'none' ? 4 : (Number(config.quantBits) as 8 | 4 | 3)),
  attach(model, task, config) {
    return attachNola(model, config, task.kind);
  },
};
