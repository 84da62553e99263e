// Pair features [u, v, |u-v|, u*v] of two sides' pooled vectors, forward and backward (the backward serves
// full fine-tuning, where the sides come from the trained encoder; the cached-feature heads use the forward).
// pair_features:           X[b] = [u_b, v_b, |u_b - v_b|, u_b * v_b]       (B, 4C) from u, v (B, C)
// pair_features_backward:  dU = dX0 + sign(u - v) dX2 + v dX3;  dV = dX1 - sign(u - v) dX2 + u dX3
//                          (overwritten; sign(0) = 0, the subgradient the reference uses)
// (Row normalisation, with its backward, is l2norm.wgsl.)

struct Params {
  B: u32,       // byte 0: rows
  C: u32,       // byte 4: width of u and v
  pad0: u32,    // byte 8: unused
  pad1: f32,    // byte 12: unused
};

@group(0) @binding(0) var<storage, read> u: array<f32>;        // (B, C)
@group(0) @binding(1) var<storage, read> v: array<f32>;        // (B, C) (bound to u when unused)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // (B, 4C)
@group(0) @binding(3) var<uniform> p: Params;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn pair_features(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let D = 4u * p.C;
  if (i >= p.B * D) { return; }
  let b = i / D;
  let j = i % D;
  let part = j / p.C;
  let c = j % p.C;
  let a = u[b * p.C + c];
  let w = v[b * p.C + c];
  var out: f32;
  switch (part) {
    case 0u: { out = a; }
    case 1u: { out = w; }
    case 2u: { out = abs(a - w); }
    default: { out = a * w; }
  }
  y[i] = out;
}

@group(0) @binding(2) var<storage, read> dX: array<f32>;         // (B, 4C) backward: upstream gradient
@group(0) @binding(4) var<storage, read_write> dU: array<f32>;   // (B, C)
@group(0) @binding(5) var<storage, read_write> dV: array<f32>;   // (B, C)

@compute @workgroup_size(WG)
fn pair_features_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.B * p.C) { return; }
  let b = i / p.C;
  let c = i % p.C;
  let a = u[i];
  let w = v[i];
  let o = b * 4u * p.C + c;
  let s = sign(a - w);
  dU[i] = dX[o] + s * dX[o + 2u * p.C] + w * dX[o + 3u * p.C];
  dV[i] = dX[o + p.C] - s * dX[o + 2u * p.C] + a * dX[o + 3u * p.C];
}
