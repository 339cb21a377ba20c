import { tf } from '../tf';

/**
 * `tf.customGrad` for blocks whose inputs are partly frozen. tfjs's customGrad must return a
 * gradient for every input it is given, so a frozen weight passed in would have its gradient
 * computed (and allocated) only to be thrown away: exactly the work PEFT is meant to save. Here
 * a frozen input is captured instead of passed, and the backward learns which gradients are
 * wanted from `needsGrad` (the forward is told too, so it keeps only what those need).
 *
 * The forward runs inside customGrad, so none of its ops is recorded on the tape; only what it
 * hands to `save` is kept for the backward. The backward runs in its own tidy, so its
 * temporaries are freed block by block instead of at the end of the whole backward pass.
 */
export interface FusedForward {
  value: tf.Tensor;
  /** Tensors the backward needs (kept until the backward pass; nothing else is). */
  saved: tf.Tensor[];
  /** Gradients of all inputs in order; entries whose `needsGrad` is false may be null. */
  backward: (dy: tf.Tensor, saved: tf.Tensor[], needsGrad: readonly boolean[]) => Array<tf.Tensor | null>;
}

/** True unless `t` is a frozen variable (a tensor computed from trainable ones needs its gradient). */
export function needsGrad(t: tf.Tensor | null | undefined): boolean {
  if (!t) return false;
  return !(t instanceof tf.Variable) || t.trainable;
}

/**
 * Whether `t` was made in tfjs's current scope (the backward pass's, when called from a
 * gradient function): tfjs records on each tensor the id of the scope that will free it.
 * Engine internals of tfjs-core 4.22 (`Engine.track`), read-only.
 */
function madeInActiveScope(t: tf.Tensor): boolean {
  const state = (tf.engine() as unknown as { state: { activeScope: { id: number } | null } }).state;
  return state.activeScope !== null && (t as unknown as { scopeId?: number }).scopeId === state.activeScope.id;
}

export function runFused(inputs: Array<tf.Tensor | null>, forward: (wanted: readonly boolean[]) => FusedForward): tf.Tensor {
  const wanted = inputs.map((t) => needsGrad(t));
  const differentiable = inputs.filter((t, i): t is tf.Tensor => wanted[i] && t !== null);
  if (differentiable.length === 0) {
    // Nothing to differentiate (evaluation of a frozen path): plain forward, nothing saved.
    // (The tidy frees what would have been saved; inputs made outside it are left alone.)
    return tf.tidy(() => forward(wanted).value);
  }
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, saved, backward } = forward(wanted);
    // Variables outlive the step, so they are held by reference; saving would clone them (an
    // Identity kernel each) for nothing. Everything else the forward made is freed unless saved.
    const isVariable = saved.map((t) => t instanceof tf.Variable);
    save(saved.filter((_, i) => !isVariable[i]));
    return {
      value,
      gradFunc: (dy: tf.Tensor, clones: tf.Tensor[]) => {
        const dyIsTheBackwardsOwn = madeInActiveScope(dy);
        return tf.tidy(() => {
          let next = 0;
          const kept = saved.map((t, i) => (isVariable[i] ? t : clones[next++]));
          const grads = backward(dy, kept, wanted);
          const out: tf.Tensor[] = [];
          inputs.forEach((input, i) => {
            if (!wanted[i] || input === null) return;
            const g = grads[i];
            if (!g) throw new Error(`fused block: no gradient for input ${i}`);
            out.push(g);
          });
          // tfjs's backward keeps every output gradient until the whole backward pass ends (as
          // much again as the activations). This block's own is read by nothing after it, so it
          // goes now — unless it is handed on as an input's gradient, or is not the backward's
          // to free (the dy a caller of tf.grads passed in).
          if (dyIsTheBackwardsOwn && !out.includes(dy)) dy.dispose();
          return out;
        });
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as unknown as (...t: tf.Tensor[]) => tf.Tensor)(...differentiable);
}
