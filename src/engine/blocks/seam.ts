import { tf } from '../tf';
import { twinBlockKernels } from './twin-kernels';

/**
 * The seam between the models and the backends. Each fused block (`layer-norm.ts`,
 * `activation.ts`, `attention.ts`, `cross-entropy.ts`, the optimizer's update) is one
 * `tf.customGrad` whose forward and backward call the kernels below. The plain-tfjs twin
 * (`twin-kernels.ts`) implements every one of them with ordinary tfjs ops and runs everywhere;
 * a backend may register its own implementation of any subset (`host-kernels.ts` for wasm and
 * cpu today, WGSL for WebGPU next), and a block picks it up without the models changing.
 *
 * Contracts (all float32; shapes are what the blocks pass, nothing is broadcast implicitly):
 * every implementation must give the twin's results to float32 rounding.
 */
export interface BlockKernels {
  /**
   * LayerNorm (torch.nn.LayerNorm: biased variance, eps inside the root) or, with `rms`, T5's
   * RMSNorm (no mean, no bias: x·rsqrt(mean(x²)+eps)·γ) over the last axis of x [N, d].
   * Returns y [N, d], the per-row mean [N] (zeros for rms) and rstd = 1/√(var+eps) [N].
   */
  normForward(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D | null, eps: number, rms: boolean): NormForward;
  /** Gradients of `normForward` from dy [N, d] and what it returned: dx [N, d], dγ [d], dβ [d] (null for rms). */
  normBackward(dy: tf.Tensor2D, x: tf.Tensor2D, gamma: tf.Tensor1D, mean: tf.Tensor1D, rstd: tf.Tensor1D, rms: boolean): NormBackward;

  /** Elementwise activation of x [N, m] (HF's ACT2FN). */
  activationForward(x: tf.Tensor2D, kind: ActivationKind): tf.Tensor2D;
  /** dx = dy · act'(x). */
  activationBackward(dy: tf.Tensor2D, x: tf.Tensor2D, kind: ActivationKind): tf.Tensor2D;

  /**
   * Row softmax of `scale·scores + bias` over the last axis, scores [B, H, T, S], bias
   * broadcastable as [B|1, H|1, T|1, S] or null. Returns the probabilities and the per-row
   * log-sum-exp lse [B, H, T] of `scale·scores + bias` (what attention keeps for backward).
   */
  softmaxForward(scores: tf.Tensor4D, bias: tf.Tensor4D | null, scale: number): { probs: tf.Tensor4D; lse: tf.Tensor3D };
  /** The same probabilities recomputed from the kept lse: min(1, exp(scale·scores + bias − lse)). */
  softmaxFromLse(scores: tf.Tensor4D, bias: tf.Tensor4D | null, scale: number, lse: tf.Tensor3D): tf.Tensor4D;
  /** Gradient through the softmax: dScores = P ⊙ (dP − rowsum(dP ⊙ P)) (before the scale), [B, H, T, S]. */
  softmaxBackward(probs: tf.Tensor4D, dProbs: tf.Tensor4D): tf.Tensor4D;

  /**
   * Cross-entropy of one chunk of rows: logits [n, V], int32 targets [n], float weights [n].
   * Returns Σ weights·(lse − logit[target]) (a scalar) and lse [n].
   */
  crossEntropyForward(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): { lossSum: tf.Scalar; lse: tf.Tensor1D };
  /** dLogits [n, V] = dLoss · weights · (softmax(logits) − onehot(targets)), softmax from the kept lse. */
  crossEntropyBackward(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D, lse: tf.Tensor1D, dLoss: tf.Scalar): tf.Tensor2D;

  /**
   * Batched matrix product over the last two axes, a [..., M, K]·b [..., K, N] with optional
   * transposes of either operand; b's batch may be 1 (shared). Attention's q·kᵀ and P·v.
   */
  batchMatMul(a: tf.Tensor4D, b: tf.Tensor4D, transposeA: boolean, transposeB: boolean): tf.Tensor4D;

  /** Sums over rows, x [N, m] → [m]: a linear layer's bias gradient. */
  columnSums(x: tf.Tensor2D): tf.Tensor1D;

  /** Σ over every tensor of Σ g²: the squared global gradient norm, as a scalar. */
  sumOfSquares(grads: tf.Tensor[]): tf.Scalar;
  /**
   * One Adam/AdamW update of a whole parameter group (PyTorch's formulas, see `optimizer.ts`):
   * g ← clip·g; for Adam g ← g + wd·p, for AdamW p ← p − lr·wd·p; m ← β1·m + (1−β1)·g;
   * v ← β2·v + (1−β2)·g²; p ← p − lr·(m/bias1)/(√(v/bias2) + ε). `clip` is a scalar tensor (so
   * clipping needs no host sync). Returns the new p, m, v of each variable, in order.
   */
  adamUpdate(group: AdamGroupTensors, clip: tf.Scalar, settings: AdamStepSettings): Array<{ p: tf.Tensor; m: tf.Tensor; v: tf.Tensor }>;
}

export type ActivationKind = 'gelu_tanh' | 'gelu_erf' | 'relu' | 'silu';

export interface NormForward {
  y: tf.Tensor2D;
  mean: tf.Tensor1D;
  rstd: tf.Tensor1D;
}

export interface NormBackward {
  dx: tf.Tensor2D;
  dGamma: tf.Tensor1D;
  dBeta: tf.Tensor1D | null;
}

export interface AdamGroupTensors {
  params: tf.Tensor[];
  grads: tf.Tensor[];
  m: tf.Tensor[];
  v: tf.Tensor[];
}

export interface AdamStepSettings {
  kind: 'adam' | 'adamw';
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** 1 − β1^t and 1 − β2^t for this step t. */
  bias1: number;
  bias2: number;
}

const overrides = new Map<string, Partial<BlockKernels>>();
/** Merged kernels per backend, rebuilt when a backend registers more. */
const merged = new Map<string, BlockKernels>();

/** A backend's own implementations of some kernels; the rest stay the twin's. */
export function registerBlockKernels(backendName: string, kernels: Partial<BlockKernels>): void {
  overrides.set(backendName, { ...overrides.get(backendName), ...kernels });
  merged.delete(backendName);
}

/** A backend's own kernels as registered (a copy), so a benchmark can set them aside and restore them. */
export function registeredBlockKernels(backendName: string): Partial<BlockKernels> {
  return { ...overrides.get(backendName) };
}

/** Forget a backend's overrides (tests compare a backend's kernels with the twin this way). */
export function unregisterBlockKernels(backendName: string): void {
  overrides.delete(backendName);
  merged.delete(backendName);
}

/** The kernels for the active backend: its overrides over the twin. */
export function blockKernels(): BlockKernels {
  const backend = tf.getBackend();
  let kernels = merged.get(backend);
  if (!kernels) {
    kernels = { ...twinBlockKernels, ...overrides.get(backend) };
    merged.set(backend, kernels);
  }
  return kernels;
}

/** The plain-tfjs twin, whatever the backend (for parity tests and the bench's fused/twin ratio). */
export function twinKernels(): BlockKernels {
  return twinBlockKernels;
}
