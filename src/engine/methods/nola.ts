import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import { NolaBasisCache, nolaCombine, type NolaBasisSpec, type NolaImplementation } from '../kernels/nola-basis';
import { nolaStream } from '../kernels/nola-prng';
import { fakeQuantizeRows } from '../kernels/nola-quant';
import type { ForwardContext, LinearSite } from '../models/hooks';
import type { HostTensor } from '../io/safetensors';
import { ownedVariable } from '../models/layers';
import type { AttachedMethod, MethodDefinition, TaskKind } from './types';
import { assignAll, expectTensor, rejectUnknown, toHost } from './host';
import { peftTaskType } from './model-parts';
import type { LoraTarget } from './lora-info';
import { checkEncodedMatches, decodeNolaAdapter, fromBase64Url, nolaTensorsFromEncoded } from './nola-adapter-format';
import { nolaInfo, nolaTargetShapes, nolaTensorName, type NolaConfig } from './nola-info';

export * from './nola-info';

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

/** NOLA's tensor part: α, β per adapted matrix and the bases regenerated from the seed (attachNola). */
export const nolaMethod: MethodDefinition<NolaConfig> = {
  ...nolaInfo,
  attach(model, task, config) {
    return attachNola(model, config, task.kind);
  },
};
