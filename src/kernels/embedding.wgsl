// Embedding gather, forward and backward.
// forward:   out[r, c]  = scale * table[ids[r], c]            (rows, E)   (or out += ... when accumulate == 1)
// backward:  dTable[u, c] += scale * sum_{r : ids[r] = u} dOut[r, c]        (V, E)   (a parameter gradient: +=)
// The backward reads a CSR grouping of the ids built on the CPU (groupIds in embedding.ts), packed in one u32
// buffer `groups` = [unique ids (U) | offsets (U + 1) | row list (rows)]: the rows of unique id k are
// rowList[offsets[k] .. offsets[k + 1]), ascending. One invocation per (k, c) sums its rows in that fixed order
// and adds once into dTable: no float atomics, deterministic, and the work is rows * E whatever V is.
// Ids were range-checked on the CPU; the guards below only keep a bad id from touching memory it must not
// (forward: the row reads as 0; backward: nothing is written).
//
// Each entry point has its own bind group layout; WGSL lets two variables share a @binding as long as no one
// entry point uses both:
//   binding     0   1        2        3
//   forward     p   ids      table    out
//   backward    p   groups   dOut     dTable

struct Params {
  rows: u32,        // byte 0:  gathered rows
  E: u32,           // byte 4:  row width
  V: u32,           // byte 8:  table rows
  U: u32,           // byte 12: backward: unique ids in `groups`
  scale: f32,       // byte 16: multiplier of the gathered rows (and of their gradient)
  accumulate: u32,  // byte 20: forward: 1 = out += ..., 0 = out = ...
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;              // (rows)              forward
@group(0) @binding(2) var<storage, read> table: array<f32>;            // (V, E)              forward
@group(0) @binding(3) var<storage, read_write> out: array<f32>;        // (rows, E)           forward
@group(0) @binding(1) var<storage, read> groups: array<u32>;           // (2U + 1 + rows)     backward
@group(0) @binding(2) var<storage, read> dOut: array<f32>;             // (rows, E)           backward
@group(0) @binding(3) var<storage, read_write> dTable: array<f32>;     // (V, E)              backward

override WG: u32 = 256;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG; // (r, c) flattened
  if (i >= p.rows * p.E) { return; }
  let r = i / p.E;
  let c = i % p.E;
  let id = ids[r];
  var v = 0.0;
  if (id < p.V) { v = p.scale * table[id * p.E + c]; }
  if (p.accumulate != 0u) { out[i] = out[i] + v; } else { out[i] = v; }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG; // (k, c) flattened, k-th unique id
  if (i >= p.U * p.E) { return; }
  let k = i / p.E;
  let c = i % p.E;
  let id = groups[k];
  if (id >= p.V) { return; }
  let start = groups[p.U + k];
  let end = groups[p.U + k + 1u];
  let list = 2u * p.U + 1u; // offset of the row list
  var s = 0.0;
  for (var j = start; j < end; j++) {
    let r = groups[list + j];
    if (r < p.rows) { s += dOut[r * p.E + c]; }
  }
  let o = id * p.E + c;
  dTable[o] = dTable[o] + p.scale * s;
}
