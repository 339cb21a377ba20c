import { expect } from 'vitest';
import { tf } from '../../src/engine/tf';
import { setValues, valuesOf } from './tiny';

/** d(loss)/d(target) as the trainer takes it: tfjs autodiff through tf.variableGrads. */
export function autodiffGradient(lossTensor: () => tf.Scalar, target: tf.Variable): Float32Array {
  const { value, grads } = tf.variableGrads(lossTensor, [target]);
  const grad = Float32Array.from(grads[target.name].dataSync());
  tf.dispose([value, grads]);
  return grad;
}

/**
 * Central differences (L(x+ε) − L(x−ε)) / 2ε at each index, against the autodiff `grad`, within
 * `rel` of the gradient; the variable is restored afterwards.
 */
export function expectFiniteDifferences(target: tf.Variable, grad: Float32Array, indices: number[], lossValue: () => number, eps: number, rel: number): void {
  const original = valuesOf(target);
  for (const index of indices) {
    const perturbed = original.slice();
    perturbed[index] = original[index] + eps;
    setValues(target, perturbed);
    const plus = lossValue();
    perturbed[index] = original[index] - eps;
    setValues(target, perturbed);
    const minus = lossValue();
    setValues(target, original);
    const numeric = (plus - minus) / (2 * eps);
    if (!(Math.abs(numeric - grad[index]) <= rel * Math.abs(grad[index]))) {
      expect.fail(`${target.name}[${index}]: autodiff ${grad[index]} vs finite difference ${numeric}`);
    }
  }
}
