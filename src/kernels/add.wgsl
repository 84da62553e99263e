// Residual add, forward and backward.
// forward:    y = a + b                      (n elements)
// backward:   dA = dY and dB = dY need no kernel (the caller reuses dY); when a tensor feeds two branches its
//             gradient is the sum of both, which `accumulate` computes in place: acc += x.

struct Params {
  n: u32,      // byte 0: number of elements
};

@group(0) @binding(0) var<storage, read> a: array<f32>;        // (n)
@group(0) @binding(1) var<storage, read> b: array<f32>;        // (n)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // (n)
@group(0) @binding(3) var<uniform> p: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  y[i] = a[i] + b[i];
}

// accumulate: y += a (b is unused but bound, so both entry points share one layout).
@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  y[i] = y[i] + a[i];
}
