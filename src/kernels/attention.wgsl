// Multi-head scaled-dot-product attention core (the Q/K/V/output projections are separate matmuls).
// Heads are interleaved in the last dim: head h of a row is the column slice [h*dh, (h+1)*dh) of width W = H*dh.
//   S = scale * Q_h K_h^T (kept keys only), P = softmax over the kept keys of each query row, O_h = P V_h.
// A key j of example b is kept iff keyMask[b, j] >= 0.5 (when a mask is given). Masked keys get P = 0 exactly;
// a row with no kept key gets P = 0 and O = 0 (never NaN). P is saved for the backward:
//   dP = dO_h V_h^T, dS = P * (dP - rowsum(P * dP)),
//   dQ_h = scale * dS K_h,  dK_h = scale * dS^T Q_h,  dV_h = P^T dO_h   (activation gradients: overwritten).
//
// Entry points and their work:
//   forward          one workgroup per query row (b, h, i): scores, max/sum reductions in workgroup memory,
//                    normalised P written to `probs`, O = P V in key tiles (any Lk, any dh).
//   backward_scores  one workgroup per row (b, h, i): dS row (the softmax backward) into `dScores`.
//   backward_inputs  one invocation per output element of dQ (B, Lq, W) followed by dK and dV (B, Lk, W):
//                    each is a per-output reduction (over keys for dQ, over queries for dK/dV), no atomics.
//
// Bindings are per entry point: a binding number can name a different buffer in another entry point (WGSL only
// forbids two variables on one binding within a single entry point). The uniform is binding 0 everywhere.

struct Params {
  B: u32,        // byte 0:  batch
  Lq: u32,       // byte 4:  queries per example
  Lk: u32,       // byte 8:  keys (= values) per example
  H: u32,        // byte 12: heads
  dh: u32,       // byte 16: head width
  hasMask: u32,  // byte 20: 1 when keyMask is bound, 0 = keep every key
  scale: f32,    // byte 24: score scale (usually 1/sqrt(dh))
  pad: u32,      // byte 28: unused
};

@group(0) @binding(0) var<uniform> p: Params;

// ---- forward: 0 p, 1 q, 2 k, 3 v, 4 keyMask, 5 out, 6 probs
@group(0) @binding(1) var<storage, read> q: array<f32>;            // (B, Lq, H*dh)
@group(0) @binding(2) var<storage, read> k: array<f32>;            // (B, Lk, H*dh)
@group(0) @binding(3) var<storage, read> v: array<f32>;            // (B, Lk, H*dh)
@group(0) @binding(4) var<storage, read> keyMask: array<f32>;      // (B, Lk); any buffer when hasMask == 0
@group(0) @binding(5) var<storage, read_write> out: array<f32>;    // (B, Lq, H*dh)
@group(0) @binding(6) var<storage, read_write> probs: array<f32>;  // (B, H, Lq, Lk)

// ---- backward_scores: 0 p, 1 q (unused), 2 k (unused), 3 v, 4 dOut, 5 saved, 6 dScores
// ---- backward_inputs: 0 p, 1 q, 2 k, 3 dV, 4 dOut, 5 saved, 6 dScores, 7 dQ, 8 dK
@group(0) @binding(4) var<storage, read> dOut: array<f32>;             // (B, Lq, H*dh)
@group(0) @binding(5) var<storage, read> saved: array<f32>;            // (B, H, Lq, Lk) P from forward
@group(0) @binding(6) var<storage, read_write> dScores: array<f32>;    // (B, H, Lq, Lk) dS (workspace)
@group(0) @binding(3) var<storage, read_write> dV: array<f32>;         // (B, Lk, H*dh)
@group(0) @binding(7) var<storage, read_write> dQ: array<f32>;         // (B, Lq, H*dh)
@group(0) @binding(8) var<storage, read_write> dK: array<f32>;         // (B, Lk, H*dh)

override WG_ROW: u32 = 64;  // invocations per row workgroup (forward, backward_scores); a power of two
override WG: u32 = 256;     // invocations per workgroup of backward_inputs

var<workgroup> red: array<f32, WG_ROW>;   // reduction scratch
var<workgroup> tile: array<f32, WG_ROW>;  // one tile of P (forward)

const NEG_MAX: f32 = -3.4028234663852886e38;

fn reduceMax(t: u32, x: f32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  for (var s = WG_ROW / 2u; s > 0u; s = s >> 1u) {
    if (t < s) { red[t] = max(red[t], red[t + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduceSum(t: u32, x: f32) -> f32 {
  red[t] = x;
  workgroupBarrier();
  for (var s = WG_ROW / 2u; s > 0u; s = s >> 1u) {
    if (t < s) { red[t] = red[t] + red[t + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn keepKey(b: u32, j: u32) -> bool {
  return p.hasMask == 0u || keyMask[b * p.Lk + j] >= 0.5;
}

// Each invocation t owns the keys j = t, t + WG_ROW, ... of its row in every pass, so the scores and
// exponentials it parks in `probs` between passes are read back only by itself (no storage barrier needed).
@compute @workgroup_size(WG_ROW)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) t: u32) {
  let r = wid.x + wid.y * nwg.x;  // row ((b * H + h) * Lq + i) of P
  if (r >= p.B * p.H * p.Lq) { return; }
  let i = r % p.Lq;
  let h = (r / p.Lq) % p.H;
  let b = r / (p.Lq * p.H);
  let W = p.H * p.dh;
  let qo = (b * p.Lq + i) * W + h * p.dh;  // Q[b, i, head h] (and O)
  let kv0 = b * p.Lk * W + h * p.dh;       // K[b, 0, head h]; key j at kv0 + j * W
  let pr = r * p.Lk;                       // P[b, h, i, 0]

  // 1. scores of kept keys (parked in probs) and the row max.
  var m = NEG_MAX;
  for (var j = t; j < p.Lk; j += WG_ROW) {
    if (keepKey(b, j)) {
      let ko = kv0 + j * W;
      var s = 0.0;
      for (var c = 0u; c < p.dh; c++) { s += q[qo + c] * k[ko + c]; }
      s *= p.scale;
      probs[pr + j] = s;
      m = max(m, s);
    }
  }
  m = reduceMax(t, m);

  // 2. exponentials (exactly 0 for masked keys) and their sum; the max key gives 1, so sum >= 1 unless all masked.
  var sum = 0.0;
  for (var j = t; j < p.Lk; j += WG_ROW) {
    var ex = 0.0;
    if (keepKey(b, j)) { ex = exp(probs[pr + j] - m); }
    probs[pr + j] = ex;
    sum += ex;
  }
  sum = reduceSum(t, sum);
  let inv = select(0.0, 1.0 / sum, sum > 0.0);

  // 3. normalise and accumulate O = P V one tile of WG_ROW keys at a time.
  for (var j0 = 0u; j0 < p.Lk; j0 += WG_ROW) {
    let j = j0 + t;
    var pj = 0.0;
    if (j < p.Lk) {
      pj = probs[pr + j] * inv;
      probs[pr + j] = pj;
    }
    tile[t] = pj;
    workgroupBarrier();
    let n = min(WG_ROW, p.Lk - j0);
    for (var c = t; c < p.dh; c += WG_ROW) {
      var acc = 0.0;
      for (var jj = 0u; jj < n; jj++) { acc += tile[jj] * v[kv0 + (j0 + jj) * W + c]; }
      if (j0 == 0u) { out[qo + c] = acc; } else { out[qo + c] = out[qo + c] + acc; }
    }
    workgroupBarrier();
  }
}

// dS[b, h, i, :] = P * (dP - sum_j P dP) with dP_j = dO_i . V_j. Invocation ownership of keys as in forward.
@compute @workgroup_size(WG_ROW)
fn backward_scores(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) t: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= p.B * p.H * p.Lq) { return; }
  let i = r % p.Lq;
  let h = (r / p.Lq) % p.H;
  let b = r / (p.Lq * p.H);
  let W = p.H * p.dh;
  let qo = (b * p.Lq + i) * W + h * p.dh;
  let kv0 = b * p.Lk * W + h * p.dh;
  let pr = r * p.Lk;

  var d = 0.0;
  for (var j = t; j < p.Lk; j += WG_ROW) {
    let pj = saved[pr + j];
    var dp = 0.0;
    if (pj != 0.0) {  // masked (and underflowed) keys: dS = 0 whatever dP is
      let vo = kv0 + j * W;
      for (var c = 0u; c < p.dh; c++) { dp += dOut[qo + c] * v[vo + c]; }
    }
    dScores[pr + j] = dp;
    d += pj * dp;
  }
  d = reduceSum(t, d);
  for (var j = t; j < p.Lk; j += WG_ROW) {
    dScores[pr + j] = saved[pr + j] * (dScores[pr + j] - d);
  }
}

// One invocation per element: indices [0, B*Lq*W) are dQ, then [0, B*Lk*W) of dK and dV together.
@compute @workgroup_size(WG)
fn backward_inputs(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  let W = p.H * p.dh;
  let nQ = p.B * p.Lq * W;
  if (idx >= nQ + p.B * p.Lk * W) { return; }
  if (idx < nQ) {
    let col = idx % W;
    let row = idx / W;  // b * Lq + i
    let b = row / p.Lq;
    let i = row % p.Lq;
    let h = col / p.dh;
    let pr = ((b * p.H + h) * p.Lq + i) * p.Lk;
    let ko = b * p.Lk * W + col;
    var acc = 0.0;
    for (var j = 0u; j < p.Lk; j++) { acc += dScores[pr + j] * k[ko + j * W]; }
    dQ[idx] = p.scale * acc;
  } else {
    let n = idx - nQ;
    let col = n % W;
    let row = n / W;  // b * Lk + j
    let b = row / p.Lk;
    let j = row % p.Lk;
    let h = col / p.dh;
    let pc = (b * p.H + h) * p.Lq * p.Lk + j;  // P[b, h, 0, j]; query i at pc + i * Lk
    let qo = b * p.Lq * W + col;
    var ak = 0.0;
    var av = 0.0;
    for (var i = 0u; i < p.Lq; i++) {
      ak += dScores[pc + i * p.Lk] * q[qo + i * W];
      av += saved[pc + i * p.Lk] * dOut[qo + i * W];
    }
    dK[n] = p.scale * ak;
    dV[n] = av;
  }
}
