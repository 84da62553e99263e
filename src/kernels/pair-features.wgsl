// Pooled-vector transforms for the baseline heads. Inputs are frozen cached features, so there is no backward.
// pair_features:  X[b] = [u_b, v_b, |u_b - v_b|, u_b * v_b]       (B, 4C) from u, v (B, C)
// normalize_rows: y[b] = x_b / max(||x_b||, eps), x_b = u_b (+ v_b when has_v)   (B, C)
//                 one workgroup per row, fixed-order tree reduction (deterministic).

struct Params {
  B: u32,       // byte 0: rows
  C: u32,       // byte 4: width of u and v
  has_v: u32,   // byte 8: normalize_rows: 1 to normalize u + v, 0 for u alone
  eps: f32,     // byte 12: normalize_rows: floor of the norm
};

@group(0) @binding(0) var<storage, read> u: array<f32>;        // (B, C)
@group(0) @binding(1) var<storage, read> v: array<f32>;        // (B, C) (bound to u when unused)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // pair_features: (B, 4C); normalize_rows: (B, C)
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

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn normalize_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
                  @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = wid.x + wid.y * nwg.x;
  // The guard is uniform per workgroup (b depends only on the workgroup id), so barriers below stay uniform.
  if (b >= p.B) { return; }
  let base = b * p.C;
  var s: f32 = 0.0;
  for (var c = lid.x; c < p.C; c += WG) {
    var x = u[base + c];
    if (p.has_v != 0u) { x += v[base + c]; }
    s += x * x;
  }
  partial[lid.x] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid.x < stride) { partial[lid.x] += partial[lid.x + stride]; }
    workgroupBarrier();
  }
  let inv = 1.0 / max(sqrt(partial[0]), p.eps);
  for (var c = lid.x; c < p.C; c += WG) {
    var x = u[base + c];
    if (p.has_v != 0u) { x += v[base + c]; }
    y[base + c] = x * inv;
  }
}
