// AdamW step (Loshchilov & Hutter; the update of torch.optim.AdamW, amsgrad off), elementwise over one tensor.
// g = grad * clip[1] (the global clip scale from grad-norm.wgsl), then
//   p = p * (1 - lr * wd)                                  (decoupled weight decay)
//   m = b1 m + (1 - b1) g
//   v = b2 v + (1 - b2) g^2
//   p = p - stepSize * m / (sqrt(v) * invSqrtBc2 + eps)    stepSize = lr / (1 - b1^t), invSqrtBc2 = 1/sqrt(1 - b2^t)
// The step-dependent factors are computed on the CPU in float64. With zeroGrad == 1 the gradient is set to 0
// after it is read (saves a separate zeroing pass before the next backward).

struct Params {
  n: u32,               // byte 0: number of elements
  beta1: f32,           // byte 4
  oneMinusBeta1: f32,   // byte 8
  beta2: f32,           // byte 12
  oneMinusBeta2: f32,   // byte 16
  eps: f32,             // byte 20
  decay: f32,           // byte 24: 1 - lr * weightDecay
  stepSize: f32,        // byte 28: lr / (1 - beta1^t)
  invSqrtBc2: f32,      // byte 32: 1 / sqrt(1 - beta2^t)
  zeroGrad: u32,        // byte 36: 1 = write grad = 0 after use
};

@group(0) @binding(0) var<storage, read_write> param: array<f32>;  // (n)
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;   // (n) read; zeroed when zeroGrad == 1
@group(0) @binding(2) var<storage, read_write> m: array<f32>;      // (n) first moment
@group(0) @binding(3) var<storage, read_write> v: array<f32>;      // (n) second moment
@group(0) @binding(4) var<storage, read> clip: array<f32>;         // (2) [global grad norm, clip scale]
@group(0) @binding(5) var<uniform> p: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  let g = grad[i] * clip[1];
  let mi = p.beta1 * m[i] + p.oneMinusBeta1 * g;
  let vi = p.beta2 * v[i] + p.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  let decayed = param[i] * p.decay;
  param[i] = decayed - p.stepSize * mi / (sqrt(vi) * p.invSqrtBc2 + p.eps);
  if (p.zeroGrad == 1u) { grad[i] = 0.0; }
}
