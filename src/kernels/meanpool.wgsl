// Masked mean pooling over time, forward and backward, with a floor on the count (minCount > 0; 1 for the
// heads' pooled features, the model's own value for an encoder's pooling).
// forward:   y[b,c]    = sum_t mask[b,t] * x[b,t,c] / max(sum_t mask[b,t], minCount)
// backward:  dX[b,t,c] = mask[b,t] * dY[b,c] / max(sum_t mask[b,t], minCount)          (overwrite)
// One thread per (b, c): it sums the mask of its example itself (T loads shared by the whole row of threads
// through the cache) and then walks t, so neighbouring threads touch neighbouring c (coalesced) and each output
// has one fixed summation order. Steps with mask 0 are skipped, so non-finite padding never reaches y.
//
// Each entry point has its own bind group layout; WGSL lets two variables share a @binding as long as no one
// entry point uses both:
//   binding     0   1      2    3
//   forward     p   mask   x    y
//   backward    p   mask   dY   dX

struct Params {
  B: u32,      // byte 0: batch
  T: u32,      // byte 4: time steps
  C: u32,      // byte 8: channels
  minCount: f32, // byte 12: floor of the count
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> mask: array<f32>;        // (B, T)   1 = valid, 0 = padding
@group(0) @binding(2) var<storage, read> x: array<f32>;           // (B, T, C)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;     // (B, C)
@group(0) @binding(2) var<storage, read> dY: array<f32>;          // (B, C)
@group(0) @binding(3) var<storage, read_write> dX: array<f32>;    // (B, T, C)

override WG: u32 = 256;

// 1 / max(sum_t mask[b, t], minCount)
fn inv_count(b: u32) -> f32 {
  var n = 0.0;
  for (var t = 0u; t < p.T; t++) { n += mask[b * p.T + t]; }
  return 1.0 / max(n, p.minCount);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG; // (b, c) flattened
  if (i >= p.B * p.C) { return; }
  let b = i / p.C;
  let c = i % p.C;
  var s = 0.0;
  for (var t = 0u; t < p.T; t++) {
    let m = mask[b * p.T + t];
    if (m != 0.0) { s += m * x[(b * p.T + t) * p.C + c]; }
  }
  y[i] = s * inv_count(b);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG; // (b, c) flattened
  if (i >= p.B * p.C) { return; }
  let b = i / p.C;
  let c = i % p.C;
  let g = dY[i] * inv_count(b);
  for (var t = 0u; t < p.T; t++) {
    dX[(b * p.T + t) * p.C + c] = mask[b * p.T + t] * g;
  }
}
