// Sequence concatenation along time, forward and backward: prefixes and prompts (L-Tuning, prefix and prompt
// tuning) put P vectors in front of each example's T rows.
// forward:        out (B, P+T, W) = [head (B or 1, P, W) ; tail (B, T, W)] per example (a shared head: 1 copy)
// backward_tail:  dTail (B, T, W) = dOut rows P.. of each example                            (overwritten)
// backward_head:  dHead (B, P, W) = dOut rows 0..P-1, or (P, W) summed over the batch when the head is shared;
//                 overwritten, or added when accumulate (a parameter gradient). Each output element loops over
//                 the batch in a fixed order: deterministic, no atomics.

struct Params {
  B: u32,           // byte 0:  examples
  P: u32,           // byte 4:  head rows per example
  T: u32,           // byte 8:  tail rows per example
  W: u32,           // byte 12: row width
  headShared: u32,  // byte 16: 1: head is (P, W), the same for every example
  accumulate: u32,  // byte 20: backward_head: 1: dHead += ..., 0: dHead = ...
  pad0: u32,        // byte 24
  pad1: u32,        // byte 28
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> head: array<f32>;          // forward: (B or 1, P, W)
@group(0) @binding(2) var<storage, read> tail: array<f32>;          // forward: (B, T, W)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;     // forward: (B, P+T, W)

@group(0) @binding(1) var<storage, read> dOut: array<f32>;          // backward: (B, P+T, W)
@group(0) @binding(2) var<storage, read_write> dPart: array<f32>;   // backward_tail: dTail (B, T, W); backward_head: dHead

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let S = p.P + p.T;
  if (i >= p.B * S * p.W) { return; }
  let b = i / (S * p.W);
  let r = (i / p.W) % S;
  let c = i % p.W;
  if (r < p.P) {
    var hb = b;
    if (p.headShared != 0u) { hb = 0u; }
    out[i] = head[(hb * p.P + r) * p.W + c];
  } else {
    out[i] = tail[(b * p.T + (r - p.P)) * p.W + c];
  }
}

@compute @workgroup_size(WG)
fn backward_tail(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.B * p.T * p.W) { return; }
  let b = i / (p.T * p.W);
  let t = (i / p.W) % p.T;
  let c = i % p.W;
  dPart[i] = dOut[(b * (p.P + p.T) + p.P + t) * p.W + c];
}

@compute @workgroup_size(WG)
fn backward_head(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let S = p.P + p.T;
  if (p.headShared != 0u) {
    if (i >= p.P * p.W) { return; }
    let r = i / p.W;
    let c = i % p.W;
    var s: f32 = 0.0;
    for (var b = 0u; b < p.B; b++) { s += dOut[(b * S + r) * p.W + c]; }
    if (p.accumulate != 0u) { s += dPart[i]; }
    dPart[i] = s;
  } else {
    if (i >= p.B * p.P * p.W) { return; }
    let b = i / (p.P * p.W);
    let r = (i / p.W) % p.P;
    let c = i % p.W;
    var s = dOut[(b * S + r) * p.W + c];
    if (p.accumulate != 0u) { s += dPart[i]; }
    dPart[i] = s;
  }
}
