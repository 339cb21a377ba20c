// Fused Adam / AdamW update of one variable (src/engine/kernels/blocks-webgpu/adam.ts), PyTorch's
// formulas in the twin's operation order (twin-kernels.ts adamUpdate):
//   g ← clip·g;  Adam: g ← g + wd·p;  AdamW: p ← p − (lr·wd)·p
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − lr·(m/bias1)/(√(v/bias2) + ε)
//
// Inputs (f32, flat, all [size] but Clip):
//   P     the parameter (before this step)
//   G     its gradient (mode 2: P again, unused)
//   M, V  mode 0/1: the moments before this step; mode 2: the new moments from modes 0 and 1
//   Clip  [1] the global-norm clip factor (a tensor: no host sync)
// Uniforms: size, mode (0: new m, 1: new v, 2: new p), decay (0 none, 1 Adam's L2, 2 AdamW's
//   decoupled), lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, weightDecay, lrWd (lr·wd),
//   bias1, bias2
// Output:
//   result [size]  m, v or p by mode
// Dispatch: elementwise, ceil(size / WG) workgroups; three dispatches per variable (one per
//   output: a tfjs program writes one buffer). Mode 2 reads the new m and v, so the update uses
//   exactly the moments that are returned.

const WG: u32 = 256u;

fn main(index: i32) {
  if (index >= uniforms.size) {
    return;
  }
  let p = P[index];
  if (uniforms.mode == 2) {
    var pd = p;
    if (uniforms.decay == 2) {
      pd = p - p * uniforms.lrWd;
    }
    let update = (M[index] / uniforms.bias1) / (sqrt(V[index] / uniforms.bias2) + uniforms.epsilon);
    result[index] = pd - update * uniforms.lr;
    return;
  }
  var g = G[index] * Clip[0];
  if (uniforms.decay == 1) {
    g = g + p * uniforms.weightDecay;
  }
  if (uniforms.mode == 0) {
    result[index] = M[index] * uniforms.beta1 + g * uniforms.oneMinusBeta1;
  } else {
    result[index] = V[index] * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2;
  }
}
