// Fill: y[i] = value for every element (zeroing gradient buffers inside a compute pass, constant init).
// No backward (the output does not depend on any input).

struct Params {
  n: u32,       // byte 0: number of elements
  value: f32,   // byte 4: the fill value
};

@group(0) @binding(0) var<storage, read_write> y: array<f32>;  // (n)
@group(0) @binding(1) var<uniform> p: Params;

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  y[i] = p.value;
}
