// ReLU and tanh, forward and backward (elementwise). Both backwards read the forward's OUTPUT y, not its input:
//   relu:  y = max(x, 0)     dX = dY * (y > 0)          (slope 0 at x = 0, as PyTorch and TF)
//   tanh:  y = tanh(x)       dX = dY * (1 - y^2)
// so a caller keeps one tensor per activation. tanh is written out (WGSL's builtin may go through
// sinh/cosh or exp(2x) and overflow to NaN past |x| ~ 44 on some drivers): for |x| < 0.625 Lambert's continued
// fraction x / (1 + x^2 / (3 + x^2 / (5 + ...))) (relative accuracy near 0, no 1 - e cancellation), above it
// (1 - e) / (1 + e) with e = exp(-2|x|) <= 0.29, which tends to exactly +-1 and never overflows.
//
// Each entry point has its own bind group layout (two variables may share a @binding if no entry point uses both):
//   binding     0   1    2    3
//   forward     p   x    y
//   backward    p   ys   dY   dX        (ys = the forward's y)

struct Params {
  n: u32,      // byte 0: number of elements
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (n)  forward
@group(0) @binding(2) var<storage, read_write> y: array<f32>;    // (n)  forward
@group(0) @binding(1) var<storage, read> ys: array<f32>;         // (n)  backward: the forward's output
@group(0) @binding(2) var<storage, read> dY: array<f32>;         // (n)  backward
@group(0) @binding(3) var<storage, read_write> dX: array<f32>;   // (n)  backward (overwritten)

override WG: u32 = 256;

fn index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

fn tanh_f32(v: f32) -> f32 {
  let a = abs(v);
  if (a < 0.625) {
    // 8 levels: truncation error < 1e-12 relative for a < 0.625
    let s = v * v;
    var f = 15.0;
    f = 13.0 + s / f;
    f = 11.0 + s / f;
    f = 9.0 + s / f;
    f = 7.0 + s / f;
    f = 5.0 + s / f;
    f = 3.0 + s / f;
    f = 1.0 + s / f;
    return v / f;
  }
  let e = exp(-2.0 * a);
  return sign(v) * ((1.0 - e) / (1.0 + e));
}

@compute @workgroup_size(WG)
fn relu_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= p.n) { return; }
  y[i] = max(x[i], 0.0);
}

@compute @workgroup_size(WG)
fn relu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= p.n) { return; }
  dX[i] = select(0.0, dY[i], ys[i] > 0.0);
}

@compute @workgroup_size(WG)
fn tanh_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= p.n) { return; }
  y[i] = tanh_f32(x[i]);
}

@compute @workgroup_size(WG)
fn tanh_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= p.n) { return; }
  let t = ys[i];
  dX[i] = dY[i] * ((1.0 - t) * (1.0 + t));
}
