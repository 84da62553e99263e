// Multi-head scaled-dot-product attention core (the Q/K/V/output projections are separate matmuls).
// Heads are interleaved in the last dim: head h of a row is the column slice [h*dh, (h+1)*dh) of width W = H*dh.
//   S = scale * Q_h K_h^T (kept keys only), P = softmax over the kept keys of each query row, O_h = P V_h.
// A key j of example b is kept iff keyMask[b, j] >= 0.5 (when a mask is given). Masked keys get P = 0 exactly;
// a row with no kept key gets P = 0 and O = 0 (never NaN). P is saved for the backward:
//   dP = dO_h V_h^T, dS = P * (dP - rowsum(P * dP)),
//   dQ_h = scale * dS K_h,  dK_h = scale * dS^T Q_h,  dV_h = P^T dO_h   (activation gradients: overwritten).
//
// Register blocking: every invocation computes a 4 x 4 block of outputs (4 queries, carried in the lanes of a
// vec4, times 4 keys or 4 columns), so each element it loads feeds 4 multiply-adds. Loads are what costs on
// every target (CPU drivers such as lavapipe gather every loaded element lane by lane).
//   forward         workgroup per (b, h, 4 queries). Invocation t owns keys j0 + 4t .. +3 of each tile of
//                   TK = 4*WG_ROW keys: scores, then a per-invocation online max / sum of exponentials, merged
//                   by one tree reduction. Then per tile: P normalised into workgroup memory and `probs`, and
//                   O += P V with invocation t owning columns c0 + 4t .. +3 (TK columns per pass).
//                   Scores stay in registers between the passes when Lk <= TK (the host picks WG_ROW = 16 for
//                   Lk <= 64, else 64), and are recomputed per tile otherwise: parking them in memory put
//                   barriers inside a data-dependent branch, which cost ~1 s of lavapipe compile per pipeline.
//   backward_query  same shape: dP = dO V^T and D = rowsum(P dP) (merged by a tree), dS = P (dP - D) into
//                   `dScores` (the workspace), and dQ = scale dS K. dP likewise recomputed when Lk > TK.
//   backward_keys   one invocation per (b, h, 4 keys, 4 columns): dK = scale dS^T Q and dV = P^T dO as
//                   per-output reductions over the queries (no atomics, no workgroup memory).
// The row workgroups write P, dS, O and dQ through workgroup memory, consecutive invocations on consecutive
// elements (coalesced on GPUs, and far less code than per-invocation 4 x 4 scatters, which about doubled
// lavapipe's shader compile time). Loops that contain barriers have workgroup-uniform bounds; out-of-range keys/columns
// read clamped indices and are never written.
// Loop-local accumulators are declared with an explicit initialiser (`var o = array<vec4<f32>, 4>();`): a bare
// `var o: T;` inside a loop was not re-zeroed per iteration by the Dawn + lavapipe stack here.
//
// Bindings are per entry point: a binding number may name another buffer in another entry point (WGSL only
// forbids two variables on one binding within a single entry point).
//   forward:        0 p, 1 keyMask, 2 out, 3 probs, 4 k, 5 v, 6 q
//   backward_query: 0 p, 1 dOut, 2 saved, 3 dScores, 4 k, 5 v, 6 q (unused), 7 dQ
//   backward_keys:  0 p, 1 dOut, 2 saved, 3 dScores, 4 k (unused), 5 v (unused), 6 q, 7 dK, 8 dV

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
@group(0) @binding(1) var<storage, read> keyMask: array<f32>;        // (B, Lk); any buffer when hasMask == 0
@group(0) @binding(2) var<storage, read_write> out: array<f32>;      // (B, Lq, H*dh)
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;    // (B, H, Lq, Lk)
@group(0) @binding(1) var<storage, read> dOut: array<f32>;           // (B, Lq, H*dh)
@group(0) @binding(2) var<storage, read> saved: array<f32>;          // (B, H, Lq, Lk): P from forward
@group(0) @binding(3) var<storage, read_write> dScores: array<f32>;  // (B, H, Lq, Lk): dS workspace
@group(0) @binding(4) var<storage, read> k: array<f32>;              // (B, Lk, H*dh)
@group(0) @binding(5) var<storage, read> v: array<f32>;              // (B, Lk, H*dh)
@group(0) @binding(6) var<storage, read> q: array<f32>;              // (B, Lq, H*dh)
@group(0) @binding(7) var<storage, read_write> dQ: array<f32>;       // (B, Lq, H*dh)
@group(0) @binding(7) var<storage, read_write> dK: array<f32>;       // (B, Lk, H*dh)
@group(0) @binding(8) var<storage, read_write> dV: array<f32>;       // (B, Lk, H*dh)

override WG_ROW: u32 = 16;  // invocations per (b, h, 4 queries) workgroup; a power of two
override WG: u32 = 64;      // invocations per workgroup of backward_keys

var<workgroup> redA: array<vec4<f32>, WG_ROW>;          // reduction scratch: max, or sum
var<workgroup> redB: array<vec4<f32>, WG_ROW>;          // reduction scratch: sum of exponentials
var<workgroup> tile: array<vec4<f32>, 4u * WG_ROW>;     // per key of a tile, the 4 queries' S, P, dP or dS
var<workgroup> stage: array<vec4<f32>, 4u * WG_ROW>;    // per column of a pass, the 4 queries' O or dQ (or P)

const NEG_MAX: f32 = -3.4028234663852886e38;
const LANE = vec4<u32>(0u, 1u, 2u, 3u);

// Which (b, h) and which 4 queries (or keys) block r of n-long rows covers.
struct Block {
  b: u32,
  h: u32,
  first: u32,      // first query (key) of the block
  count: u32,      // real entries: 1 ..= 4
  idx: vec4<u32>,  // first + 0..3, clamped to n - 1 (safe to read)
};

fn block(r: u32, n: u32) -> Block {
  let nb = (n + 3u) / 4u;
  let first = (r % nb) * 4u;
  let bh = r / nb;
  return Block(bh / p.H, bh % p.H, first, min(4u, n - first), min(vec4<u32>(first) + LANE, vec4<u32>(n - 1u)));
}

// Start of row (b, h, first + i, 0) of P / dS (B, H, Lq, Lk), and of row (b, first + i, head h) of Q / O / dQ.
fn rowP(blk: Block, i: u32) -> u32 { return ((blk.b * p.H + blk.h) * p.Lq + blk.first + i) * p.Lk; }
fn rowQ(blk: Block, i: u32) -> u32 { return (blk.b * p.Lq + blk.first + i) * p.H * p.dh + blk.h * p.dh; }

fn keepKey(b: u32, j: u32) -> bool {
  return j < p.Lk && (p.hasMask == 0u || keyMask[b * p.Lk + j] >= 0.5);
}

fn sumAll(t: u32, x: vec4<f32>) -> vec4<f32> {
  redA[t] = x;
  workgroupBarrier();
  for (var s = WG_ROW / 2u; s > 0u; s = s >> 1u) {
    if (t < s) { redA[t] = redA[t] + redA[t + s]; }
    workgroupBarrier();
  }
  return redA[0];
}

// Cooperative copies between workgroup memory (entry jj = key j0 + jj, a vec4 over the block's queries) and
// rows of a (B, H, Lq, Lk) tensor, for the block's real queries and the tile's nk keys. Consecutive invocations
// touch consecutive keys; call between barriers. (Components of queries past the block's end stay stale: every
// vec4 lane is a separate query and those lanes are never written out.)
fn tileToProbs(blk: Block, t: u32, j0: u32, nk: u32) {
  for (var e = t; e < blk.count * 4u * WG_ROW; e += WG_ROW) {
    let i = e / (4u * WG_ROW);  // a power of two: no division
    let jj = e % (4u * WG_ROW);
    if (jj >= nk) { continue; }
    probs[rowP(blk, i) + j0 + jj] = tile[jj][i];
  }
}
fn tileToScores(blk: Block, t: u32, j0: u32, nk: u32) {
  for (var e = t; e < blk.count * 4u * WG_ROW; e += WG_ROW) {
    let i = e / (4u * WG_ROW);  // a power of two: no division
    let jj = e % (4u * WG_ROW);
    if (jj >= nk) { continue; }
    dScores[rowP(blk, i) + j0 + jj] = tile[jj][i];
  }
}
fn savedToStage(blk: Block, t: u32, j0: u32, nk: u32) {
  for (var e = t; e < blk.count * 4u * WG_ROW; e += WG_ROW) {
    let i = e / (4u * WG_ROW);  // a power of two: no division
    let jj = e % (4u * WG_ROW);
    if (jj >= nk) { continue; }
    stage[jj][i] = saved[rowP(blk, i) + j0 + jj];
  }
}

// Dot products over the head's columns of the block's 4 query rows (offsets qo, clamped) with the 4 keys
// jb .. jb+3 (clamped): qk gives a[n] = Q . K_{jb+n}, dov gives a[n] = dO . V_{jb+n} (vec4 over the queries).
fn qk(qo: vec4<u32>, kv0: u32, jb: u32) -> array<vec4<f32>, 4> {
  let ko = kv0 + min(vec4<u32>(jb) + LANE, vec4<u32>(p.Lk - 1u)) * p.H * p.dh;
  var a = array<vec4<f32>, 4>();
  for (var c = 0u; c < p.dh; c++) {
    let x = vec4<f32>(q[qo.x + c], q[qo.y + c], q[qo.z + c], q[qo.w + c]);
    a[0] += x * k[ko.x + c];
    a[1] += x * k[ko.y + c];
    a[2] += x * k[ko.z + c];
    a[3] += x * k[ko.w + c];
  }
  return a;
}
fn dov(qo: vec4<u32>, kv0: u32, jb: u32) -> array<vec4<f32>, 4> {
  let vo = kv0 + min(vec4<u32>(jb) + LANE, vec4<u32>(p.Lk - 1u)) * p.H * p.dh;
  var a = array<vec4<f32>, 4>();
  for (var c = 0u; c < p.dh; c++) {
    let x = vec4<f32>(dOut[qo.x + c], dOut[qo.y + c], dOut[qo.z + c], dOut[qo.w + c]);
    a[0] += x * v[vo.x + c];
    a[1] += x * v[vo.y + c];
    a[2] += x * v[vo.z + c];
    a[3] += x * v[vo.w + c];
  }
  return a;
}

@compute @workgroup_size(WG_ROW)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) t: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= p.B * p.H * ((p.Lq + 3u) / 4u)) { return; }
  let blk = block(r, p.Lq);
  let b = blk.b;
  let W = p.H * p.dh;
  let TK = 4u * WG_ROW;
  let multi = p.Lk > TK;                             // more than one key tile: scores are recomputed in pass 2
  let qo = (b * p.Lq + blk.idx) * W + blk.h * p.dh;  // Q[b, i, head h] of the 4 queries (clamped)
  let kv0 = b * p.Lk * W + blk.h * p.dh;             // K[b, 0, head h]; key j at kv0 + j * W

  // 1. Scores s[n] (4 queries) of the keys jb + n this invocation owns, and the online max m and sum
  //    l = sum exp(s - m) over its kept keys.
  var s: array<vec4<f32>, 4>;
  var m = vec4<f32>(NEG_MAX);
  var l = vec4<f32>(0.0);
  for (var j0 = 0u; j0 < p.Lk; j0 += TK) {
    let jb = j0 + 4u * t;
    if (jb < p.Lk) {
      s = qk(qo, kv0, jb);
      var kept: vec4<bool>;
      var mt = m;
      for (var n = 0u; n < 4u; n++) {
        s[n] *= p.scale;
        kept[n] = keepKey(b, jb + n);
        if (kept[n]) { mt = max(mt, s[n]); }
      }
      l *= exp(m - mt);
      for (var n = 0u; n < 4u; n++) {
        if (kept[n]) { l += exp(s[n] - mt); }
      }
      m = mt;
    }
  }
  // Merge (m, l) over invocations in one deterministic tree.
  redA[t] = m;
  redB[t] = l;
  workgroupBarrier();
  for (var w = WG_ROW / 2u; w > 0u; w = w >> 1u) {
    if (t < w) {
      let m1 = redA[t];
      let m2 = redA[t + w];
      let mn = max(m1, m2);
      redB[t] = redB[t] * exp(m1 - mn) + redB[t + w] * exp(m2 - mn);
      redA[t] = mn;
    }
    workgroupBarrier();
  }
  let mx = redA[0];
  let sum = redB[0];
  // The max key contributes exp(0) = 1, so sum >= 1 unless every key is masked (then P = 0, O = 0).
  let inv = select(vec4<f32>(0.0), 1.0 / sum, sum > vec4<f32>(0.0));

  // 2. Per key tile: P = exp(s - max) / sum (0 for masked keys) into the tile and probs; then O += P V,
  //    invocation t on columns c0 + 4t .. +3, staged so that O is written by consecutive invocations.
  for (var j0 = 0u; j0 < p.Lk; j0 += TK) {
    let jb = j0 + 4u * t;
    let nk = min(TK, p.Lk - j0);
    if (multi) {
      s = qk(qo, kv0, jb);  // recompute: costs one more Q K pass only when Lk > 4 * WG_ROW
      for (var n = 0u; n < 4u; n++) { s[n] *= p.scale; }
    }
    for (var n = 0u; n < 4u; n++) {
      tile[4u * t + n] = select(vec4<f32>(0.0), exp(s[n] - mx) * inv, keepKey(b, jb + n));
    }
    workgroupBarrier();
    tileToProbs(blk, t, j0, nk);
    for (var c0 = 0u; c0 < p.dh; c0 += TK) {
      let cb = c0 + 4u * t;
      var o = array<vec4<f32>, 4>();
      if (cb < p.dh) {
        let cc = min(vec4<u32>(cb) + LANE, vec4<u32>(p.dh - 1u));
        for (var jj = 0u; jj < nk; jj++) {
          let pv = tile[jj];
          let vo = kv0 + (j0 + jj) * W;
          o[0] += pv * v[vo + cc.x];
          o[1] += pv * v[vo + cc.y];
          o[2] += pv * v[vo + cc.z];
          o[3] += pv * v[vo + cc.w];
        }
      }
      for (var n = 0u; n < 4u; n++) { stage[4u * t + n] = o[n]; }
      workgroupBarrier();
      let nc = min(TK, p.dh - c0);
      for (var e = t; e < blk.count * TK; e += WG_ROW) {
        let i = e / TK;
        let c = e % TK;
        if (c >= nc) { continue; }
        let at = rowQ(blk, i) + c0 + c;
        var prev = 0.0;
        if (j0 > 0u) { prev = out[at]; }
        out[at] = prev + stage[c][i];
      }
      workgroupBarrier();
    }
  }
}

@compute @workgroup_size(WG_ROW)
fn backward_query(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) t: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= p.B * p.H * ((p.Lq + 3u) / 4u)) { return; }
  let blk = block(r, p.Lq);
  let W = p.H * p.dh;
  let TK = 4u * WG_ROW;
  let multi = p.Lk > TK;  // more than one key tile: dP is recomputed in pass 2
  let qo = (blk.b * p.Lq + blk.idx) * W + blk.h * p.dh;
  let kv0 = blk.b * p.Lk * W + blk.h * p.dh;

  // 1. dp[n] = dO . V_{jb+n} (4 queries) of the owned keys, P from the staged tile; D = sum_j P_j dP_j.
  var dp: array<vec4<f32>, 4>;
  var d = vec4<f32>(0.0);
  for (var j0 = 0u; j0 < p.Lk; j0 += TK) {
    let jb = j0 + 4u * t;
    savedToStage(blk, t, j0, min(TK, p.Lk - j0));
    workgroupBarrier();
    if (jb < p.Lk) {
      dp = dov(qo, kv0, jb);
      for (var n = 0u; n < 4u; n++) {
        d += select(vec4<f32>(0.0), stage[4u * t + n], jb + n < p.Lk) * dp[n];
      }
    }
    workgroupBarrier();
  }
  d = sumAll(t, d);

  // 2. Per key tile: dS = P (dP - D) (0 for masked keys, where P = 0) into the tile and dScores; then
  //    dQ += scale dS K, invocation t on columns c0 + 4t .. +3, staged.
  for (var j0 = 0u; j0 < p.Lk; j0 += TK) {
    let jb = j0 + 4u * t;
    let nk = min(TK, p.Lk - j0);
    if (multi) { dp = dov(qo, kv0, jb); }  // recompute: one more dO V pass only when Lk > 4 * WG_ROW
    savedToStage(blk, t, j0, nk);
    workgroupBarrier();
    for (var n = 0u; n < 4u; n++) {
      let pn = select(vec4<f32>(0.0), stage[4u * t + n], jb + n < p.Lk);
      tile[4u * t + n] = pn * (dp[n] - d);
    }
    workgroupBarrier();
    tileToScores(blk, t, j0, nk);
    for (var c0 = 0u; c0 < p.dh; c0 += TK) {
      let cb = c0 + 4u * t;
      var o = array<vec4<f32>, 4>();
      if (cb < p.dh) {
        let cc = min(vec4<u32>(cb) + LANE, vec4<u32>(p.dh - 1u));
        for (var jj = 0u; jj < nk; jj++) {
          let g = tile[jj];
          let ko = kv0 + (j0 + jj) * W;
          o[0] += g * k[ko + cc.x];
          o[1] += g * k[ko + cc.y];
          o[2] += g * k[ko + cc.z];
          o[3] += g * k[ko + cc.w];
        }
      }
      for (var n = 0u; n < 4u; n++) { stage[4u * t + n] = o[n]; }
      workgroupBarrier();
      let nc = min(TK, p.dh - c0);
      for (var e = t; e < blk.count * TK; e += WG_ROW) {
        let i = e / TK;
        let c = e % TK;
        if (c >= nc) { continue; }
        let at = rowQ(blk, i) + c0 + c;
        var prev = 0.0;
        if (j0 > 0u) { prev = dQ[at]; }
        dQ[at] = prev + p.scale * stage[c][i];
      }
      workgroupBarrier();
    }
  }
}

@compute @workgroup_size(WG)
fn backward_keys(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x + gid.y * nwg.x * WG;  // ((b * H + h) * nKB + kb) * nCB + cb
  let nKB = (p.Lk + 3u) / 4u;
  let nCB = (p.dh + 3u) / 4u;
  if (g >= p.B * p.H * nKB * nCB) { return; }
  let cb = (g % nCB) * 4u;
  let blk = block(g / nCB, p.Lk);  // 4 keys
  let W = p.H * p.dh;
  let cc = min(vec4<u32>(cb) + LANE, vec4<u32>(p.dh - 1u));
  let pc = (blk.b * p.H + blk.h) * p.Lq * p.Lk + blk.idx;  // P[b, h, 0, j]; query i at pc + i * Lk
  let q0 = blk.b * p.Lq * W + blk.h * p.dh;                // Q, dO[b, 0, head h]; query i at q0 + i * W
  var ak: array<vec4<f32>, 4>;  // ak[n] = dK of the 4 keys at column cb + n
  var av: array<vec4<f32>, 4>;
  for (var i = 0u; i < p.Lq; i++) {
    let row = i * p.Lk;
    let ds = vec4<f32>(dScores[pc.x + row], dScores[pc.y + row], dScores[pc.z + row], dScores[pc.w + row]);
    let pj = vec4<f32>(saved[pc.x + row], saved[pc.y + row], saved[pc.z + row], saved[pc.w + row]);
    let o = q0 + i * W;
    ak[0] += ds * q[o + cc.x];
    ak[1] += ds * q[o + cc.y];
    ak[2] += ds * q[o + cc.z];
    ak[3] += ds * q[o + cc.w];
    av[0] += pj * dOut[o + cc.x];
    av[1] += pj * dOut[o + cc.y];
    av[2] += pj * dOut[o + cc.z];
    av[3] += pj * dOut[o + cc.w];
  }
  let ko = (blk.b * p.Lk + blk.idx) * W + blk.h * p.dh;  // dK, dV[b, j, head h]
  for (var n = 0u; n < min(4u, p.dh - cb); n++) {
    for (var j = 0u; j < blk.count; j++) {
      dK[ko[j] + cb + n] = p.scale * ak[n][j];
      dV[ko[j] + cb + n] = av[n][j];
    }
  }
}
