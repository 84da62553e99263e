// Batched GEMM with optional transposes, bias, scale and accumulation, plus the bias-gradient column sum.
// gemm:       Y(b) = alpha * op(A(b)) @ op(B(b)) + bias (+ Y(b) when accumulate)
//             op(A) (M, K): A is (M, K), or (K, M) read transposed when transA;
//             op(B) (K, N): B is (K, N), or (N, K) read transposed when transB;
//             a batch stride of 0 shares an operand across the batch (y = x W + b with one W);
//             sumBatch: one Y = sum over the batch (a shared weight's gradient, deterministic, no atomics).
// bias_grad:  db += sum over rows of dY (rows, N), one column per invocation column, tree-reduced in the group.
// Backward needs no other entry point: dA and dB are gemms with the transposes flipped (see matmul.ts).
//
// Tiling: a workgroup computes a BM x BN tile of Y with TY x TX invocations, each owning TM x TN = 4 x 4
// outputs at rows ty + i*TY and columns tx + j*TX (strided, so stores are coalesced along x). K is walked in
// steps of BK; each step stages op(A) as As[k][m] and op(B) as Bs[k][n] in workgroup memory, loading along the
// operand's contiguous axis whatever the transpose. Out-of-range loads read 0 and stores are guarded, so any
// shape works.

struct Params {
  batch: u32,      // byte 0:  number of batches (grid z, or the summed range when sumBatch)
  M: u32,          // byte 4:  rows of op(A) and Y              (bias_grad: rows of dY)
  K: u32,          // byte 8:  reduction length
  N: u32,          // byte 12: columns of op(B) and Y           (bias_grad: columns of dY)
  strideA: u32,    // byte 16: elements between A batches (0: shared)
  strideB: u32,    // byte 20: elements between B batches (0: shared)
  strideY: u32,    // byte 24: elements between Y batches
  transA: u32,     // byte 28: 1: A is stored (K, M)
  transB: u32,     // byte 32: 1: B is stored (N, K)
  hasBias: u32,    // byte 36: 1: add bias[n]
  accumulate: u32, // byte 40: 1: Y += result, 0: Y = result
  sumBatch: u32,   // byte 44: 1: reduce over the batch into Y(0)
  alpha: f32,      // byte 48: scale of the product (not of the bias)
};

@group(0) @binding(0) var<storage, read> A: array<f32>;        // (batch, M, K) or (batch, K, M); batch may be 1 (shared)
@group(0) @binding(1) var<storage, read> B: array<f32>;        // (batch, K, N) or (batch, N, K); batch may be 1 (shared)
@group(0) @binding(2) var<storage, read> bias: array<f32>;     // (N); any buffer when hasBias = 0
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;  // (batch, M, N), or (M, N) when sumBatch
@group(0) @binding(4) var<uniform> p: Params;

override TX: u32 = 16;   // invocations along N
override TY: u32 = 16;   // invocations along M
override BK: u32 = 16;   // K step staged per barrier pair
const TM: u32 = 4u;      // outputs per invocation along M
const TN: u32 = 4u;      // outputs per invocation along N
override BM: u32 = TY * TM;
override BN: u32 = TX * TN;

var<workgroup> As: array<f32, BK * BM>;  // (BK, BM): op(A) tile, k-major
var<workgroup> Bs: array<f32, BK * BN>;  // (BK, BN): op(B) tile, k-major

@compute @workgroup_size(TX, TY, 1)
fn gemm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  if (m0 >= p.M || n0 >= p.N || (p.sumBatch == 0u && wid.z >= p.batch)) { return; }  // whole-group guard

  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * TX + tx;
  let nt = TX * TY;

  var acc: array<array<f32, TN>, TM>;
  for (var i = 0u; i < TM; i++) { for (var j = 0u; j < TN; j++) { acc[i][j] = 0.0; } }

  var b0 = wid.z;
  var b1 = wid.z + 1u;
  if (p.sumBatch != 0u) { b0 = 0u; b1 = p.batch; }
  for (var bb = b0; bb < b1; bb++) {
    let aOff = bb * p.strideA;
    let bOff = bb * p.strideB;
    for (var k0 = 0u; k0 < p.K; k0 += BK) {
      // Stage op(A)[m0.., k0..] into As[k][m], walking A's contiguous axis with consecutive invocations.
      for (var l = tid; l < BM * BK; l += nt) {
        var m: u32;
        var k: u32;
        if (p.transA != 0u) { m = l % BM; k = l / BM; } else { k = l % BK; m = l / BK; }
        let gm = m0 + m;
        let gk = k0 + k;
        var v = 0.0;
        if (gm < p.M && gk < p.K) {
          if (p.transA != 0u) { v = A[aOff + gk * p.M + gm]; } else { v = A[aOff + gm * p.K + gk]; }
        }
        As[k * BM + m] = v;
      }
      // Stage op(B)[k0.., n0..] into Bs[k][n].
      for (var l = tid; l < BK * BN; l += nt) {
        var n: u32;
        var k: u32;
        if (p.transB != 0u) { k = l % BK; n = l / BK; } else { n = l % BN; k = l / BN; }
        let gn = n0 + n;
        let gk = k0 + k;
        var v = 0.0;
        if (gn < p.N && gk < p.K) {
          if (p.transB != 0u) { v = B[bOff + gn * p.K + gk]; } else { v = B[bOff + gk * p.N + gn]; }
        }
        Bs[k * BN + n] = v;
      }
      workgroupBarrier();
      for (var k = 0u; k < BK; k++) {
        var a: array<f32, TM>;
        var b: array<f32, TN>;
        for (var i = 0u; i < TM; i++) { a[i] = As[k * BM + ty + i * TY]; }
        for (var j = 0u; j < TN; j++) { b[j] = Bs[k * BN + tx + j * TX]; }
        for (var i = 0u; i < TM; i++) {
          for (var j = 0u; j < TN; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
        }
      }
      workgroupBarrier();
    }
  }

  var yOff = wid.z * p.strideY;
  if (p.sumBatch != 0u) { yOff = 0u; }
  for (var i = 0u; i < TM; i++) {
    let gm = m0 + ty + i * TY;
    if (gm >= p.M) { continue; }
    for (var j = 0u; j < TN; j++) {
      let gn = n0 + tx + j * TX;
      if (gn >= p.N) { continue; }
      let idx = yOff + gm * p.N + gn;
      var v = p.alpha * acc[i][j];
      if (p.hasBias != 0u) { v += bias[gn]; }
      if (p.accumulate != 0u) { v += Y[idx]; }
      Y[idx] = v;
    }
  }
}

// ---- bias_grad: db[n] += sum_r dY[r, n]. Bound as A = dY (rows, N), Y = db (N); p.M = rows, p.N = N. --------
// Invocation (x, y) of a RX x RY group sums rows y, y+RY, ... of column wid.x*RX + x; the RY partial sums are
// then tree-reduced in a fixed order, so the result is deterministic.

override RX: u32 = 32;  // columns per workgroup
override RY: u32 = 8;   // row lanes per column (a power of two)

var<workgroup> partial: array<f32, RX * RY>;  // (RY, RX)

@compute @workgroup_size(RX, RY, 1)
fn bias_grad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wid.x * RX >= p.N) { return; }  // whole-group guard
  let n = wid.x * RX + lid.x;
  var s = 0.0;
  if (n < p.N) {
    for (var r = lid.y; r < p.M; r += RY) { s += A[r * p.N + n]; }
  }
  partial[lid.y * RX + lid.x] = s;
  workgroupBarrier();
  for (var half = RY / 2u; half > 0u; half = half / 2u) {
    if (lid.y < half) { partial[lid.y * RX + lid.x] += partial[(lid.y + half) * RX + lid.x]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && n < p.N) { Y[n] += partial[lid.x]; }
}
