// Global L2 gradient norm and clip scale (torch.nn.utils.clip_grad_norm_), with no CPU readback.
// partial  one dispatch per gradient tensor: workgroup g sums g^2 over elements [g*chunk, (g+1)*chunk) and writes
//          one partial sum to dst[offset + g]                                  (src = grad, dst = partials)
// finish   one workgroup sums the n partial sums in a fixed order; writes dst = [norm, scale] with
//          scale = min(1, maxNorm / (norm + 1e-6)), or 1 when clipping is off   (src = partials, dst = clip)
// Deterministic: fixed per-thread strides and fixed-shape tree reductions; no atomics.

struct Params {
  n: u32,         // byte 0: elements of src (the gradient tensor, or the number of partial sums)
  offset: u32,    // byte 4: partial: first slot of dst written by this tensor
  chunk: u32,     // byte 8: partial: elements per workgroup (a multiple of WG)
  clipOn: u32,    // byte 12: finish: 1 = clip to maxNorm, 0 = scale 1
  maxNorm: f32,   // byte 16: finish: the clipping threshold (> 0 when clipOn == 1)
};

@group(0) @binding(0) var<storage, read> src: array<f32>;        // (n) gradient, or (n) partial sums
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;  // (P) partial sums, or (2) [norm, scale]
@group(0) @binding(2) var<uniform> p: Params;

// Workgroup size; a power of two (tree reduction).
override WG: u32 = 256;

var<workgroup> red: array<f32, WG>;

fn reduce_sum(tid: u32) {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) { red[tid] = red[tid] + red[tid + s]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn partial(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let g = wid.x + wid.y * nwg.x;
  let start = g * p.chunk;
  if (start >= p.n) { return; }  // workgroup-uniform
  let end = min(p.n, start + p.chunk);
  let tid = lid.x;
  var s = 0.0;
  for (var i = start + tid; i < end; i = i + WG) {
    let x = src[i];
    s = s + x * x;
  }
  red[tid] = s;
  reduce_sum(tid);
  if (tid == 0u) { dst[p.offset + g] = red[0]; }
}

// Single workgroup: dispatch (1, 1, 1).
@compute @workgroup_size(WG)
fn finish(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.x > 0u || wid.y > 0u) { return; }  // workgroup-uniform
  let tid = lid.x;
  var s = 0.0;
  for (var i = tid; i < p.n; i = i + WG) { s = s + src[i]; }
  red[tid] = s;
  reduce_sum(tid);
  if (tid == 0u) {
    let norm = sqrt(red[0]);
    var scale = 1.0;
    if (p.clipOn == 1u) { scale = min(1.0, p.maxNorm / (norm + 1e-6)); }
    dst[0] = norm;
    dst[1] = scale;
  }
}
