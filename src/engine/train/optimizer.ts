import { tf } from '../tf';
import { ownedVariable } from '../models/layers';
import { blockKernels } from '../blocks/seam';

/**
 * Adam / AdamW with parameter groups, each with its own learning rate (DePT's prompt and
 * low-rank pair need rates 1000× apart), global-norm gradient clipping, PyTorch's formulas:
 *   AdamW: p ← p − lr·wd·p;  Adam: g ← g + wd·p
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε)
 */
export interface OptimizerSettings {
  kind: 'adam' | 'adamw';
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** Max global gradient norm (HF's max_grad_norm); null = no clipping. */
  clipNorm: number | null;
}

export interface OptimizerGroup {
  name: string;
  variables: tf.Variable[];
  lr: number;
}

interface Slot {
  variable: tf.Variable;
  /** The variable's name without tfjs's per-process serial ("lora/q/A#12" → "lora/q/A"): stable across runs. */
  stableName: string;
  m: tf.Variable;
  v: tf.Variable;
  lr: number;
}

export class GroupedAdam {
  private readonly slots: Slot[] = [];
  /** Slots by learning rate, in slot order: one fused update each, grouped once, not per step. */
  private readonly byLr = new Map<number, Slot[]>();
  private stepCount = 0;

  constructor(groups: OptimizerGroup[], private readonly settings: OptimizerSettings) {
    const seen = new Set<string>();
    for (const group of groups) {
      for (const variable of group.variables) {
        if (seen.has(variable.name)) throw new Error(`variable "${variable.name}" is in two parameter groups`);
        seen.add(variable.name);
        this.slots.push({
          variable,
          stableName: stableVariableName(variable.name),
          m: ownedVariable(tf.zerosLike(variable), false, `adam/m/${variable.name}`),
          v: ownedVariable(tf.zerosLike(variable), false, `adam/v/${variable.name}`),
          lr: group.lr,
        });
      }
    }
    for (const slot of this.slots) this.byLr.set(slot.lr, [...(this.byLr.get(slot.lr) ?? []), slot]);
  }

  get variables(): tf.Variable[] {
    return this.slots.map((s) => s.variable);
  }

  get steps(): number {
    return this.stepCount;
  }

  /**
   * Applies one update. `grads` by variable name (as tf.variableGrads returns them);
   * `lrFactor` comes from the schedule. Returns the global gradient norm before clipping.
   * Through the seam's fused kernels: one sum-of-squares over all gradients, then one update per
   * parameter group (a handful of kernels each on backends with their own, not ~10 per variable).
   * The clip factor stays a tensor, so clipping needs no host sync.
   */
  apply(grads: tf.NamedTensorMap, lrFactor: number): tf.Scalar {
    this.stepCount++;
    const { beta1, beta2, epsilon, weightDecay, kind, clipNorm } = this.settings;
    const t = this.stepCount;
    const kernels = blockKernels();
    return tf.tidy(() => {
      const present = this.slots.filter((s) => grads[s.variable.name]);
      const norm = tf.sqrt(kernels.sumOfSquares(present.map((s) => grads[s.variable.name]))) as tf.Scalar;
      // min(1, clip/(norm+1e-6)) as torch.nn.utils.clip_grad_norm_.
      const clipFactor = (clipNorm === null ? tf.scalar(1) : tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6)))) as tf.Scalar;
      for (const [lr, group] of this.byLr) {
        // A variable the loss did not reach this step (no gradient) is left as it is.
        const slots = present.length === this.slots.length ? group : group.filter((s) => grads[s.variable.name]);
        if (slots.length === 0) continue;
        const updated = kernels.adamUpdate(
          { params: slots.map((s) => s.variable), grads: slots.map((s) => grads[s.variable.name]), m: slots.map((s) => s.m), v: slots.map((s) => s.v) },
          clipFactor,
          { kind, lr: lr * lrFactor, beta1, beta2, epsilon, weightDecay, bias1: 1 - beta1 ** t, bias2: 1 - beta2 ** t },
        );
        slots.forEach((slot, i) => {
          slot.m.assign(updated[i].m);
          slot.v.assign(updated[i].v);
          slot.variable.assign(updated[i].p);
        });
      }
      return norm;
    });
  }

  /**
   * Host copies of every trainable tensor and its m and v, in the optimizer's variable order,
   * plus the step count: with these the next `apply` continues exactly where this one stopped.
   * Reads GPU memory (three downloads per variable), so callers keep it off the per-step path.
   */
  async exportState(): Promise<AdamState> {
    const slots: AdamSlotState[] = [];
    for (const slot of this.slots) {
      const [value, m, v] = await Promise.all([slot.variable.data(), slot.m.data(), slot.v.data()]);
      // Copies: some backends hand out their own storage, which the next assign may reuse.
      slots.push({ name: slot.stableName, shape: [...slot.variable.shape], value: new Float32Array(value as Float32Array), m: new Float32Array(m as Float32Array), v: new Float32Array(v as Float32Array) });
    }
    return { stepCount: this.stepCount, slots };
  }

  /**
   * Puts an exported state back. Every slot is checked (count, name, shape, lengths) before
   * anything is assigned, so a mismatch leaves the optimizer as it was; `owner` names the run
   * in the error.
   */
  restoreState(state: AdamState, owner: string): void {
    if (state.slots.length !== this.slots.length) {
      throw new Error(`${owner}: the checkpoint has ${state.slots.length} trainable tensors, this run has ${this.slots.length}`);
    }
    this.slots.forEach((slot, i) => {
      const saved = state.slots[i];
      if (saved.name !== slot.stableName) throw new Error(`${owner}: trainable tensor ${i} is "${saved.name}" in the checkpoint but "${slot.stableName}" here`);
      const shape = slot.variable.shape;
      if (saved.shape.length !== shape.length || saved.shape.some((d, k) => d !== shape[k])) {
        throw new Error(`${owner}: tensor "${saved.name}" has shape [${saved.shape.join(', ')}] in the checkpoint but [${shape.join(', ')}] here`);
      }
      for (const part of ['value', 'm', 'v'] as const) {
        if (saved[part].length !== slot.variable.size) throw new Error(`${owner}: tensor "${saved.name}" ${part} has ${saved[part].length} values, expected ${slot.variable.size}`);
      }
    });
    if (!Number.isInteger(state.stepCount) || state.stepCount < 0) throw new Error(`${owner}: optimizer step count ${state.stepCount} is not a count`);
    this.slots.forEach((slot, i) => {
      const saved = state.slots[i];
      tf.tidy(() => {
        slot.variable.assign(tf.tensor(saved.value, saved.shape, 'float32'));
        slot.m.assign(tf.tensor(saved.m, saved.shape, 'float32'));
        slot.v.assign(tf.tensor(saved.v, saved.shape, 'float32'));
      });
    });
    this.stepCount = state.stepCount;
  }

  dispose(): void {
    for (const slot of this.slots) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.length = 0;
  }
}

/** One trainable tensor in a checkpoint: its values and Adam's moments, all float32. */
export interface AdamSlotState {
  name: string;
  shape: number[];
  value: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

export interface AdamState {
  stepCount: number;
  slots: AdamSlotState[];
}

/** tfjs variable names must be unique per process, so ours carry a serial ("#12"); it is not part of the identity. */
export function stableVariableName(name: string): string {
  return name.replace(/#\d+$/, '');
}

export interface ScheduleSettings {
  kind: 'constant' | 'linear' | 'cosine';
  warmupSteps: number;
}

/** LR multiplier at `step` (0-based) of `totalSteps`: HF's get_{constant,linear,cosine}_schedule_with_warmup. */
export function lrFactorAt(step: number, totalSteps: number, s: ScheduleSettings): number {
  if (step < s.warmupSteps) return step / s.warmupSteps; // HF: the first warm-up step has LR 0
  if (s.kind === 'constant') return 1;
  const progress = (step - s.warmupSteps) / Math.max(1, totalSteps - s.warmupSteps);
  if (s.kind === 'linear') return Math.max(0, 1 - progress);
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}
