// Row L2 normalisation, forward and backward (as TF's l2_normalize: the floor is on the sum of squares).
// forward:   y[b] = x_b * r_b,  r_b = 1 / sqrt(max(s_b, eps)),  s_b = sum_c x_b[c]^2,  x_b = u_b (+ v_b when has_v)
// backward:  s_b >= eps:  dX_b = r_b dY_b - r_b^3 <x_b, dY_b> x_b       (= r (dY - y <y, dY>))
//            s_b <  eps:  dX_b = r_b dY_b                               (the floor: r is a constant)
//            (overwrites dX; at s = eps the gradient goes to s, as TF's Maximum does).
// One workgroup per row, fixed-order tree reductions: deterministic, and the backward computes s_b in exactly
// the forward's order, so both take the same branch of the floor bit for bit.
//
// Each entry point has its own bind group layout (two variables may share a @binding if no entry point uses both):
//   binding     0   1    2    3
//   forward     p   u    v    y          (v bound to u when has_v == 0)
//   backward    p   x    dY   dX         (x = the forward's input)

struct Params {
  B: u32,       // byte 0:  rows
  C: u32,       // byte 4:  row width
  has_v: u32,   // byte 8:  forward: 1 to normalise u + v, 0 for u alone
  eps: f32,     // byte 12: floor of the sum of squares
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<f32>;          // (B, C)  forward
@group(0) @binding(2) var<storage, read> v: array<f32>;          // (B, C)  forward
@group(0) @binding(3) var<storage, read_write> y: array<f32>;    // (B, C)  forward
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (B, C)  backward
@group(0) @binding(2) var<storage, read> dY: array<f32>;         // (B, C)  backward
@group(0) @binding(3) var<storage, read_write> dX: array<f32>;   // (B, C)  backward

override WG: u32 = 64;

var<workgroup> ss: array<f32, WG>;  // partial sums of squares
var<workgroup> sd: array<f32, WG>;  // backward: partial <x, dY>

fn fwd_x(i: u32) -> f32 {
  var a = u[i];
  if (p.has_v != 0u) { a += v[i]; }
  return a;
}

// Tree-reduce ss (and sd when both) to element 0; every invocation of the workgroup calls it.
fn reduce(lid: u32, both: bool) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      ss[lid] += ss[lid + stride];
      if (both) { sd[lid] += sd[lid + stride]; }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = wid.x + wid.y * nwg.x;
  // The guard is uniform per workgroup (b depends only on the workgroup id), so the barriers stay uniform.
  if (b >= p.B) { return; }
  let base = b * p.C;
  var s = 0.0;
  for (var c = lid.x; c < p.C; c += WG) {
    let a = fwd_x(base + c);
    s += a * a;
  }
  ss[lid.x] = s;
  reduce(lid.x, false);
  let r = 1.0 / sqrt(max(ss[0], p.eps));
  for (var c = lid.x; c < p.C; c += WG) {
    y[base + c] = fwd_x(base + c) * r;
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= p.B) { return; }
  let base = b * p.C;
  var s = 0.0;
  var d = 0.0;
  for (var c = lid.x; c < p.C; c += WG) {
    let a = x[base + c];
    s += a * a;
    d += a * dY[base + c];
  }
  ss[lid.x] = s;
  sd[lid.x] = d;
  reduce(lid.x, true);
  let sum = ss[0];
  let r = 1.0 / sqrt(max(sum, p.eps));
  // floor branch: r does not depend on x, so the projection term vanishes
  let k = select(0.0, r * r * r * sd[0], sum >= p.eps);
  for (var c = lid.x; c < p.C; c += WG) {
    dX[base + c] = r * dY[base + c] - k * x[base + c];
  }
}
