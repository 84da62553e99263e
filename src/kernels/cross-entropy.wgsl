// Loss heads, forward and backward fused: softmax cross-entropy over L labels (class weights, label smoothing)
// and sigmoid binary cross-entropy with logits. Each writes the per-example loss, the gradient of the MEAN loss
// w.r.t. the logits (overwrite), a 1/0 "correct" flag per example and a stats vector [mean loss, correct count].
//
// softmax_rows   one workgroup per example b (folded into y past 65535):
//                  W     = sum_b' w_b'         (w_b = classWeights[y_b], or 1; 0 for an ignored row y_b >= L)
//                  q_j   = (1 - eps) [j == y_b] + eps / L
//                  l_b   = log sum_j exp(z_j - m) - sum_j q_j (z_j - m),        m = max_j z_j
//                  dz_bj = gradScale * w_b / W * (softmax(z)_j - q_j)         (0 when W == 0)
//                W is recomputed by every workgroup (B reads each): O(B^2 / WG) in all, cheap for B <= ~10^4,
//                and it keeps forward+backward in one dispatch.
// softmax_stats  one workgroup: stats[0] = sum_b w_b l_b / W (0 when W == 0), stats[1] = sum_b correct_b.
// binary         one workgroup for the whole batch (one dispatch): targets hold f32 bits (0/1 or soft), weights
//                are per example; l_b = softplus(z) - t z, dz_b = gradScale * w_b / W * (sigmoid(z) - t).
// All reductions are fixed-order tree reductions in workgroup memory: results are deterministic.

struct Params {
  B: u32,            // byte 0: examples
  L: u32,            // byte 4: labels (softmax; 1 for binary)
  hasWeights: u32,   // byte 8: 1 if `weights` holds weights, 0 = all weights are 1 (the binding is a dummy)
  statsLen: u32,     // byte 12: elements of `stats` to write (1 = mean loss only, 2 = also correct count)
  smoothing: f32,    // byte 16: label smoothing eps in [0, 1) (softmax only)
  gradScale: f32,    // byte 20: multiplies dLogits (1 for the plain mean loss)
};

@group(0) @binding(0) var<storage, read> logits: array<f32>;         // (B, L) softmax, (B) binary
@group(0) @binding(1) var<storage, read> targets: array<u32>;        // (B) class ids, or f32 bits (binary)
@group(0) @binding(2) var<storage, read> weights: array<f32>;        // (L) class weights, (B) binary; see hasWeights
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;     // (B) per-example loss (unweighted)
@group(0) @binding(4) var<storage, read_write> dLogits: array<f32>;  // (B, L) softmax, (B) binary
@group(0) @binding(5) var<storage, read_write> correct: array<f32>;  // (B) 1.0 / 0.0
@group(0) @binding(6) var<storage, read_write> stats: array<f32>;    // (statsLen) [mean loss, correct count]
@group(0) @binding(7) var<uniform> p: Params;

// Workgroup size; a power of two (tree reductions). 64 for softmax_rows, 256 for the single-workgroup kernels.
override WG: u32 = 64;

var<workgroup> redA: array<f32, WG>;
var<workgroup> redB: array<f32, WG>;
var<workgroup> redC: array<f32, WG>;
var<workgroup> redI: array<u32, WG>;

// Sum redA, redB, redC over the workgroup into element 0 (fixed order).
fn reduce_sum3(tid: u32) {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) {
      redA[tid] = redA[tid] + redA[tid + s];
      redB[tid] = redB[tid] + redB[tid + s];
      redC[tid] = redC[tid] + redC[tid + s];
    }
    workgroupBarrier();
  }
}

// Weight of example b in the softmax loss: 0 for an ignored row (target >= L).
fn softmax_weight(b: u32) -> f32 {
  let y = targets[b];
  if (y >= p.L) { return 0.0; }
  if (p.hasWeights == 1u) { return weights[y]; }
  return 1.0;
}

// W = sum_b softmax_weight(b), left in redA[0] (and returned) for every invocation.
fn softmax_weight_sum(tid: u32) -> f32 {
  var w = 0.0;
  for (var b = tid; b < p.B; b = b + WG) { w = w + softmax_weight(b); }
  redA[tid] = w;
  redB[tid] = 0.0;
  redC[tid] = 0.0;
  reduce_sum3(tid);
  let total = redA[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn softmax_rows(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= p.B) { return; }  // workgroup-uniform
  let tid = lid.x;
  let L = p.L;
  let row = b * L;
  let W = softmax_weight_sum(tid);
  let y = targets[b];

  if (y >= L) {  // ignored row: no loss, no gradient
    for (var j = tid; j < L; j = j + WG) { dLogits[row + j] = 0.0; }
    if (tid == 0u) {
      loss[b] = 0.0;
      correct[b] = 0.0;
    }
    return;
  }

  // max and first argmax
  var m = 0.0;  // replaced by the first element (arg sentinel)
  var arg = 0xffffffffu;
  for (var j = tid; j < L; j = j + WG) {
    let z = logits[row + j];
    if (z > m || arg == 0xffffffffu) {
      m = z;
      arg = j;
    }
  }
  redA[tid] = m;
  redI[tid] = arg;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) {
      let mo = redA[tid + s];
      let ao = redI[tid + s];
      let a = redI[tid];
      if (ao != 0xffffffffu && (a == 0xffffffffu || mo > redA[tid] || (mo == redA[tid] && ao < a))) {
        redA[tid] = mo;
        redI[tid] = ao;
      }
    }
    workgroupBarrier();
  }
  m = redA[0];
  arg = redI[0];
  workgroupBarrier();

  // sum_j exp(z_j - m) and sum_j (z_j - m)
  var se = 0.0;
  var sz = 0.0;
  for (var j = tid; j < L; j = j + WG) {
    let d = logits[row + j] - m;
    se = se + exp(d);
    sz = sz + d;
  }
  redA[tid] = se;
  redB[tid] = sz;
  redC[tid] = 0.0;
  reduce_sum3(tid);
  let s = redA[0];
  let sumShift = redB[0];

  let eps = p.smoothing;
  let off = eps / f32(L);
  let on = 1.0 - eps + off;
  var coef = 0.0;
  if (W > 0.0) { coef = p.gradScale * softmax_weight(b) / W; }
  let invS = 1.0 / s;
  for (var j = tid; j < L; j = j + WG) {
    let prob = exp(logits[row + j] - m) * invS;
    var q = off;
    if (j == y) { q = on; }
    dLogits[row + j] = coef * (prob - q);
  }
  if (tid == 0u) {
    let zy = logits[row + y] - m;
    loss[b] = log(s) - (1.0 - eps) * zy - off * sumShift;
    correct[b] = select(0.0, 1.0, arg == y);
  }
}

// Single workgroup (dispatch (1, 1, 1), WG = 256): stats from the per-example losses written by softmax_rows.
@compute @workgroup_size(WG)
fn softmax_stats(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.x > 0u || wid.y > 0u) { return; }  // workgroup-uniform
  let tid = lid.x;
  var w = 0.0;
  var wl = 0.0;
  var c = 0.0;
  for (var b = tid; b < p.B; b = b + WG) {
    let wb = softmax_weight(b);
    w = w + wb;
    if (wb != 0.0) { wl = wl + wb * loss[b]; }
    c = c + correct[b];
  }
  redA[tid] = w;
  redB[tid] = wl;
  redC[tid] = c;
  reduce_sum3(tid);
  if (tid == 0u) {
    let W = redA[0];
    stats[0] = select(0.0, redB[0] / W, W > 0.0);
    if (p.statsLen >= 2u) { stats[1] = redC[0]; }
  }
}

// log(1 + x) for x in [0, 1], accurate for small x (log1p is not a WGSL builtin).
fn log1p_small(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}

fn binary_weight(b: u32) -> f32 {
  if (p.hasWeights == 1u) { return weights[b]; }
  return 1.0;
}

// Single workgroup (dispatch (1, 1, 1), WG = 256): the whole binary loss, forward + backward + stats.
@compute @workgroup_size(WG)
fn binary(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (wid.x > 0u || wid.y > 0u) { return; }  // workgroup-uniform
  let tid = lid.x;
  var w = 0.0;
  for (var b = tid; b < p.B; b = b + WG) { w = w + binary_weight(b); }
  redA[tid] = w;
  redB[tid] = 0.0;
  redC[tid] = 0.0;
  reduce_sum3(tid);
  let W = redA[0];
  workgroupBarrier();

  var wl = 0.0;
  var c = 0.0;
  for (var b = tid; b < p.B; b = b + WG) {
    let z = logits[b];
    let t = bitcast<f32>(targets[b]);
    let wb = binary_weight(b);
    let e = exp(-abs(z));  // in (0, 1]: no overflow for any z
    let l = max(z, 0.0) - t * z + log1p_small(e);
    // sigmoid(z) from e = exp(-|z|)
    let sig = select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
    var coef = 0.0;
    if (W > 0.0) { coef = p.gradScale * wb / W; }
    dLogits[b] = coef * (sig - t);
    loss[b] = l;
    let ok = (z > 0.0) == (t > 0.5);
    correct[b] = select(0.0, 1.0, ok);
    if (wb != 0.0) { wl = wl + wb * l; }
    c = c + select(0.0, 1.0, ok);
  }
  redA[tid] = 0.0;
  redB[tid] = wl;
  redC[tid] = c;
  reduce_sum3(tid);
  if (tid == 0u) {
    stats[0] = select(0.0, redB[0] / W, W > 0.0);
    if (p.statsLen >= 2u) { stats[1] = redC[0]; }
  }
}
