import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import { addLowRank } from '../blocks/low-rank';
import type { LinearSite } from '../models/hooks';
import type { HostTensor } from '../io/safetensors';
import { AdapterError, type MethodDefinition } from './types';
import { assignAll, expectTensor, rejectUnknown, uniformArray } from './host';
import { peftTaskType } from './model-parts';
import { maybeDropout, ownedVariable } from '../models/layers';
import { loraInfo, type LoraConfig, type LoraTargetOption } from './lora-info';

export * from './lora-info';

/** One trained pair: ΔW (in [out, in] convention) = (alpha/r)·B·A. */
interface LoraPair {
  site: LinearSite;
  role: LoraTargetOption;
  /** Column range of the site's output this pair adapts (all of it unless fused). */
  offset: number;
  size: number;
  a: tf.Variable; // [r, in]
  b: tf.Variable; // [size, r]
}

/** PEFT's tensor-name prefix of a site: the module path in HF's task model class. */
function peftModulePath(site: LinearSite): string {
  return `base_model.model.${site.modulePath}`;
}

/** A module's path below its block: "attn.c_attn", "attention.attention.query", "layer.0.SelfAttention.q". */
function moduleSuffix(site: Pick<LinearSite, 'modulePath'>): string {
  return site.modulePath.replace(/^.*?\.\d+\./, '');
}

/**
 * PEFT's `target_modules` for exactly the adapted modules: the list of module suffixes (PEFT
 * matches a name that ends in ".suffix") when no unadapted module shares one; otherwise a
 * regex that PEFT full-matches (ViT's "output.dense" would also match "attention.output.dense").
 */
function peftTargetModules(sites: readonly LinearSite[], adapted: ReadonlySet<string>): string[] | string {
  const suffixes = [...new Set(sites.filter((s) => adapted.has(s.modulePath)).map(moduleSuffix))];
  const ambiguous = sites.some((s) => !adapted.has(s.modulePath) && suffixes.some((suffix) => s.modulePath === suffix || s.modulePath.endsWith(`.${suffix}`)));
  if (!ambiguous) return suffixes;
  const patterns = new Set([...adapted].map((path) => path.replace(/\./g, '\\.').replace(/\\\.\d+\\\./, '\\.\\d+\\.')));
  return `(${[...patterns].join('|')})`;
}

/**
 * LoRA's tensor part: the pairs A, B on each targeted linear, the forward hook, merge.
 *
 * Saved in PEFT's layout: GPT-2's q/k/v live in one fused `c_attn`, which PEFT adapts as a
 * whole; targets that are a subset of q/k/v are written exactly as one c_attn adapter of rank
 * n·r whose B is block-diagonal (zeros for untargeted thirds), with rank_pattern/alpha_pattern
 * keeping alpha/r unchanged. Loading splits it back and refuses a B whose zero blocks are not zero.
 */
export const loraMethod: MethodDefinition<LoraConfig> = {
  ...loraInfo,
  attach(model, task, config, rng) {
    const initRng = rng.fork('lora-init');
    const scale = config.alpha / config.r;
    const pairs: LoraPair[] = [];
    const problem = loraInfo.unsupportedReason?.(model.shape, task, config);
    if (problem) throw new Error(problem);
    for (const site of model.linearSites()) {
      // Target c_attn: one pair on the whole fused matrix (as PEFT's GPT-2 default), not per third.
      const whole = site.fusedParts && config.targets.includes('c_attn');
      const parts: Array<{ role: string; offset: number; size: number }> = whole
        ? [{ role: 'c_attn', offset: 0, size: site.outFeatures }]
        : (site.fusedParts ?? [{ role: site.role, offset: 0, size: site.outFeatures }]);
      for (const part of parts) {
        if (!(config.targets as readonly string[]).includes(part.role)) continue;
        const bound = 1 / Math.sqrt(site.inFeatures);
        const aData = uniformArray(config.r * site.inFeatures, bound, () => initRng.nextFloat());
        const name = `${site.name}.${part.role}`;
        pairs.push({
          site,
          role: part.role as LoraTargetOption,
          offset: part.offset,
          size: part.size,
          a: ownedVariable(tf.tensor2d(aData, [config.r, site.inFeatures]), true, `lora/${name}/A`),
          b: ownedVariable(tf.zeros([part.size, config.r]), true, `lora/${name}/B`),
        });
      }
    }
    const pairsBySite = new Map<string, LoraPair[]>();
    for (const pair of pairs) pairsBySite.set(pair.site.name, [...(pairsBySite.get(pair.site.name) ?? []), pair]);
    let merged = false;

    /** ΔW in the site's [in, out] layout, full width (zeros where a fused third is not adapted). */
    const siteDelta = (site: LinearSite, sitePairs: LoraPair[]): tf.Tensor2D =>
      tf.tidy(() => {
        const columns: tf.Tensor2D[] = [];
        let cursor = 0;
        for (const pair of [...sitePairs].sort((p, q) => p.offset - q.offset)) {
          if (pair.offset > cursor) columns.push(tf.zeros([site.inFeatures, pair.offset - cursor]));
          columns.push(tf.mul(matMul2d(pair.a as tf.Tensor2D, pair.b as tf.Tensor2D, true, true), scale) as tf.Tensor2D);
          cursor = pair.offset + pair.size;
        }
        if (cursor < site.outFeatures) columns.push(tf.zeros([site.inFeatures, site.outFeatures - cursor]));
        return columns.length === 1 ? columns[0] : tf.concat(columns, 1);
      });

    return {
      hooks: {
        linear: (site, x, base, ctx) => {
          const sitePairs = pairsBySite.get(site.name);
          if (!sitePairs || merged) return base(x);
          const y = base(x);
          const xIn = maybeDropout(x, config.dropout, ctx.nextDropoutSeed());
          return addLowRank(y, xIn, sitePairs.map((p) => ({ a: p.a as tf.Tensor2D, b: p.b as tf.Tensor2D, offset: p.offset, size: p.size })), scale);
        },
      },
      paramGroups: [{ name: 'lora', variables: pairs.flatMap((p) => [p.a, p.b]) }],
      async saveAdapter() {
        const tensors = new Map<string, HostTensor>();
        const rankPattern: Record<string, number> = {};
        const alphaPattern: Record<string, number> = {};
        for (const [, sitePairs] of pairsBySite) {
          const site = sitePairs[0].site;
          const n = sitePairs.length;
          const rank = n * config.r;
          const aData = new Float32Array(rank * site.inFeatures);
          const bData = new Float32Array(site.outFeatures * rank);
          for (let j = 0; j < n; j++) {
            const pair = sitePairs[j];
            aData.set((await pair.a.data()) as Float32Array, j * config.r * site.inFeatures);
            const b = (await pair.b.data()) as Float32Array;
            for (let row = 0; row < pair.size; row++) {
              for (let c = 0; c < config.r; c++) bData[(pair.offset + row) * rank + j * config.r + c] = b[row * config.r + c];
            }
          }
          const path = peftModulePath(site);
          tensors.set(`${path}.lora_A.weight`, { dtype: 'F32', shape: [rank, site.inFeatures], data: aData });
          tensors.set(`${path}.lora_B.weight`, { dtype: 'F32', shape: [site.outFeatures, rank], data: bData });
          if (n > 1) {
            rankPattern[moduleSuffix(site)] = rank;
            alphaPattern[moduleSuffix(site)] = n * config.alpha;
          }
        }
        return {
          config: {
            peft_type: 'LORA',
            task_type: peftTaskType(task.kind),
            r: config.r,
            lora_alpha: config.alpha,
            lora_dropout: config.dropout,
            target_modules: peftTargetModules(model.linearSites(), new Set(pairs.map((p) => p.site.modulePath))),
            rank_pattern: rankPattern,
            alpha_pattern: alphaPattern,
            // GPT-2's Conv1D stores [in, out] (PEFT's fan_in_fan_out); nn.Linear stores [out, in].
            fan_in_fan_out: model.family === 'gpt2',
            bias: 'none',
            init_lora_weights: true,
            inference_mode: true,
            modules_to_save: task.kind === 'classify' ? ['score'] : task.kind === 'image-classify' ? ['classifier'] : null,
            // Ours: which roles are adapted (on GPT-2 which thirds of c_attn), so loading can split a fused pair.
            peft_playground_targets: config.targets,
          },
          tensors,
        };
      },
      loadAdapter(files) {
        const known = new Set<string>();
        const assignments: Array<[tf.Variable, Float32Array]> = [];
        for (const [, sitePairs] of pairsBySite) {
          const site = sitePairs[0].site;
          const n = sitePairs.length;
          const rank = n * config.r;
          const path = peftModulePath(site);
          known.add(`${path}.lora_A.weight`).add(`${path}.lora_B.weight`);
          const aData = expectTensor(files.tensors, `${path}.lora_A.weight`, [rank, site.inFeatures]);
          const bData = expectTensor(files.tensors, `${path}.lora_B.weight`, [site.outFeatures, rank]);
          for (let j = 0; j < n; j++) {
            const pair = sitePairs[j];
            assignments.push([pair.a, aData.slice(j * config.r * site.inFeatures, (j + 1) * config.r * site.inFeatures)]);
            const b = new Float32Array(pair.size * config.r);
            for (let row = 0; row < pair.size; row++) {
              for (let c = 0; c < config.r; c++) b[row * config.r + c] = bData[(pair.offset + row) * rank + j * config.r + c];
            }
            assignments.push([pair.b, b]);
          }
          // Entries outside each pair's own block must be zero, or splitting would change the model.
          for (let row = 0; row < site.outFeatures; row++) {
            for (let col = 0; col < rank; col++) {
              const j = Math.floor(col / config.r);
              const pair = sitePairs[j];
              const inBlock = row >= pair.offset && row < pair.offset + pair.size;
              if (!inBlock && bData[row * rank + col] !== 0) {
                throw new AdapterError(`${path}.lora_B.weight: entry [${row}, ${col}] is ${bData[row * rank + col]} outside the block of target "${pair.role}"; this adapter does not match targets ${config.targets.join(',')}`);
              }
            }
          }
        }
        rejectUnknown(files.tensors, known);
        assignAll(assignments);
      },
      dispose() {
        for (const pair of pairs) {
          pair.a.dispose();
          pair.b.dispose();
        }
      },
      merge() {
        if (merged) return;
        for (const [, sitePairs] of pairsBySite) {
          const site = sitePairs[0].site;
          tf.tidy(() => site.weight.assign(tf.add(site.weight, siteDelta(site, sitePairs))));
        }
        merged = true;
      },
      unmerge() {
        if (!merged) return;
        for (const [, sitePairs] of pairsBySite) {
          const site = sitePairs[0].site;
          tf.tidy(() => site.weight.assign(tf.sub(site.weight, siteDelta(site, sitePairs))));
        }
        merged = false;
      },
    };
  },
};

