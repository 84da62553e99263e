// Batched GEMM with optional transposes, bias, scale and accumulation, plus the bias-gradient column sum.
// gemm:       Y(b) = alpha * op(A(b)) @ op(B(b)) + bias (+ Y(b) when accumulate)
//             op(A) (M, K): A is (M, K), or (K, M) read transposed when transA;
//             op(B) (K, N): B is (K, N), or (N, K) read transposed when transB;
//             a batch stride of 0 shares an operand across the batch (y = x W + b with one W);
//             sumBatch: one Y = sum over the batch (a shared weight's gradient, deterministic, no atomics).
// bias_grad:  db += sum over rows of dY (rows, N), one column per invocation column, tree-reduced in the group.
// Backward needs no other entry point: dA and dB are gemms with the transposes flipped (see matmul.ts).
//
// Tiling: a workgroup computes a BM x BN tile of Y with TY x TX invocations, each owning a TM x TN = 8 x 16
// block (rows ty*TM.., columns tx*TN..) held as vec4 accumulators. K is walked in steps of BK; each step stages
// op(A) as As[k][m/4] and op(B) as Bs[k][n/4] (vec4 of 4 consecutive rows / columns) in workgroup memory,
// loading along the operand's contiguous axis whatever the transpose. Out-of-range loads read 0 and stores are
// guarded, so any shape works. TM and TN are consts so the accumulators are a fixed-size array: matmul.ts
// builds the wide vec4 kernel (16 x 16 outputs, 128 x 128 tiles) by rewriting those two lines. Why 8 x 16 outputs and vec4 tiles: on CPU drivers (lavapipe, SwiftShader) every
// memory load costs tens of FMAs, so FMAs per load decide speed (2 + 4 vec4 loads per 128 FMAs per k here);
// on GPUs it is the usual register-blocked SGEMM shape.

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

override TX: u32 = 8;    // invocations along N
override TY: u32 = 8;    // invocations along M
override BK: u32 = 16;   // K step staged per barrier pair
const TM: u32 = 8u;      // outputs per invocation along M (a multiple of 4)
const TN: u32 = 16u;     // outputs per invocation along N (a multiple of 4)
const TM4: u32 = TM / 4u;
const TN4: u32 = TN / 4u;
override BM: u32 = TY * TM;   // tile rows
override BN: u32 = TX * TN;   // tile columns
override BM4: u32 = BM / 4u;
override BN4: u32 = BN / 4u;

var<workgroup> As: array<vec4<f32>, BK * BM4>;  // (BK, BM/4): op(A) tile, k-major, 4 consecutive rows per element
var<workgroup> Bs: array<vec4<f32>, BK * BN4>;  // (BK, BN/4): op(B) tile, k-major, 4 consecutive columns per element

// op(A)[gm, gk] of the batch at element offset `off`, 0 outside the matrix.
fn loadA(off: u32, gm: u32, gk: u32) -> f32 {
  if (gm >= p.M || gk >= p.K) { return 0.0; }
  if (p.transA != 0u) { return A[off + gk * p.M + gm]; }
  return A[off + gm * p.K + gk];
}

// op(B)[gk, gn] of the batch at element offset `off`, 0 outside the matrix.
fn loadB(off: u32, gk: u32, gn: u32) -> f32 {
  if (gn >= p.N || gk >= p.K) { return 0.0; }
  if (p.transB != 0u) { return B[off + gn * p.K + gk]; }
  return B[off + gk * p.N + gn];
}

// One invocation's TM x TN outputs as vec4 accumulators (gemm and gemm_v4 share the compute loop and epilogue).
alias Acc = array<array<vec4<f32>, TN4>, TM>;

// acc += the staged tiles' product over one BK step (As/Bs filled, barrier passed).
fn fmaTile(acc: ptr<function, Acc>, tx: u32, ty: u32) {
  for (var k = 0u; k < BK; k++) {
    var a: array<vec4<f32>, TM4>;
    var b: array<vec4<f32>, TN4>;
    for (var i = 0u; i < TM4; i++) { a[i] = As[k * BM4 + ty * TM4 + i]; }
    for (var j = 0u; j < TN4; j++) { b[j] = Bs[k * BN4 + tx * TN4 + j]; }
    for (var i = 0u; i < TM; i++) {
      let av = vec4<f32>(a[i / 4u][i % 4u]);
      for (var j = 0u; j < TN4; j++) { (*acc)[i][j] = fma(av, b[j], (*acc)[i][j]); }
    }
  }
}

// Y(z) block of this invocation = alpha * acc (+ bias) (+ Y when accumulate); rows/columns past M/N skipped.
fn storeTile(acc: ptr<function, Acc>, z: u32, m0: u32, n0: u32, tx: u32, ty: u32) {
  var yOff = z * p.strideY;
  if (p.sumBatch != 0u) { yOff = 0u; }
  for (var i = 0u; i < TM; i++) {
    let gm = m0 + ty * TM + i;
    if (gm >= p.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let gn = n0 + tx * TN + j;
      if (gn >= p.N) { break; }
      let idx = yOff + gm * p.N + gn;
      var v = p.alpha * (*acc)[i][j / 4u][j % 4u];
      if (p.hasBias != 0u) { v += bias[gn]; }
      if (p.accumulate != 0u) { v += Y[idx]; }
      Y[idx] = v;
    }
  }
}

@compute @workgroup_size(TX, TY, 1)
fn gemm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  if (m0 >= p.M || n0 >= p.N || (p.sumBatch == 0u && wid.z >= p.batch)) { return; }  // whole-group guard

  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * TX + tx;
  let nt = TX * TY;

  // acc[i][j4] holds Y[m0 + ty*TM + i, n0 + tx*TN + 4*j4 .. +3]
  var acc: Acc;
  for (var i = 0u; i < TM; i++) { for (var j = 0u; j < TN4; j++) { acc[i][j] = vec4<f32>(0.0); } }

  var b0 = wid.z;
  var b1 = wid.z + 1u;
  if (p.sumBatch != 0u) { b0 = 0u; b1 = p.batch; }
  for (var bb = b0; bb < b1; bb++) {
    let aOff = bb * p.strideA;
    let bOff = bb * p.strideB;
    for (var k0 = 0u; k0 < p.K; k0 += BK) {
      // Stage op(A)[m0.., k0..]: consecutive invocations walk A's contiguous axis (k, or m when transA).
      for (var l = tid; l < BM4 * BK; l += nt) {
        var m4: u32;
        var k: u32;
        if (p.transA != 0u) { m4 = l % BM4; k = l / BM4; } else { k = l % BK; m4 = l / BK; }
        let gm = m0 + 4u * m4;
        let gk = k0 + k;
        As[k * BM4 + m4] = vec4<f32>(loadA(aOff, gm, gk), loadA(aOff, gm + 1u, gk), loadA(aOff, gm + 2u, gk), loadA(aOff, gm + 3u, gk));
      }
      // Stage op(B)[k0.., n0..]: walk B's contiguous axis (n, or k when transB).
      for (var l = tid; l < BN4 * BK; l += nt) {
        var n4: u32;
        var k: u32;
        if (p.transB != 0u) { k = l % BK; n4 = l / BK; } else { n4 = l % BN4; k = l / BN4; }
        let gn = n0 + 4u * n4;
        let gk = k0 + k;
        Bs[k * BN4 + n4] = vec4<f32>(loadB(bOff, gk, gn), loadB(bOff, gk, gn + 1u), loadB(bOff, gk, gn + 2u), loadB(bOff, gk, gn + 3u));
      }
      workgroupBarrier();
      fmaTile(&acc, tx, ty);
      workgroupBarrier();
    }
  }

  storeTile(&acc, wid.z, m0, n0, tx, ty);
}

// ---- gemm_v4: the same product, operands read as vec4 (16-byte loads). -----------------------------------------
// Valid only when each operand's contiguous axis is a multiple of 4 (A: K, or M when transA; B: N, or K when
// transB), so every vec4 lies inside one row and every batch offset is a multiple of 4 (matmul.ts checks this).
// An operand stored along the tile's k axis (A plain, B transposed: the Gemm transB weight form) is staged as
// 4 x 4 blocks transposed in registers; the other forms copy vec4s straight into the tiles. The compute loop and
// the epilogue are gemm's.

@group(0) @binding(0) var<storage, read> A4: array<vec4<f32>>;  // A as vec4 (see gemm_v4)
@group(0) @binding(1) var<storage, read> B4: array<vec4<f32>>;  // B as vec4

override BK4: u32 = BK / 4u;

// Row r, columns c..c+3 of a row-major (rows, cols) matrix at element offset off of A; 0 outside.
fn loadA4(off: u32, r: u32, c: u32, rows: u32, cols: u32) -> vec4<f32> {
  if (r >= rows || c >= cols) { return vec4<f32>(0.0); }
  return A4[(off + r * cols + c) / 4u];
}

fn loadB4(off: u32, r: u32, c: u32, rows: u32, cols: u32) -> vec4<f32> {
  if (r >= rows || c >= cols) { return vec4<f32>(0.0); }
  return B4[(off + r * cols + c) / 4u];
}

@compute @workgroup_size(TX, TY, 1)
fn gemm_v4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  if (m0 >= p.M || n0 >= p.N || (p.sumBatch == 0u && wid.z >= p.batch)) { return; }  // whole-group guard

  let tx = lid.x;
  let ty = lid.y;
  let tid = ty * TX + tx;
  let nt = TX * TY;

  var acc: Acc;
  for (var i = 0u; i < TM; i++) { for (var j = 0u; j < TN4; j++) { acc[i][j] = vec4<f32>(0.0); } }

  var b0 = wid.z;
  var b1 = wid.z + 1u;
  if (p.sumBatch != 0u) { b0 = 0u; b1 = p.batch; }
  for (var bb = b0; bb < b1; bb++) {
    let aOff = bb * p.strideA;
    let bOff = bb * p.strideB;
    for (var k0 = 0u; k0 < p.K; k0 += BK) {
      if (p.transA != 0u) {
        // A (K, M): a vec4 is 4 consecutive rows of op(A) at one k, exactly an As element.
        for (var l = tid; l < BM4 * BK; l += nt) {
          let m4 = l % BM4;
          let k = l / BM4;
          As[k * BM4 + m4] = loadA4(aOff, k0 + k, m0 + 4u * m4, p.K, p.M);
        }
      } else {
        // A (M, K): a vec4 is 4 consecutive k of one row; a 4 x 4 block transposed gives 4 As elements.
        for (var l = tid; l < BM4 * BK4; l += nt) {
          let k4 = l % BK4;
          let m4 = l / BK4;
          let gm = m0 + 4u * m4;
          let gk = k0 + 4u * k4;
          let r0 = loadA4(aOff, gm, gk, p.M, p.K);
          let r1 = loadA4(aOff, gm + 1u, gk, p.M, p.K);
          let r2 = loadA4(aOff, gm + 2u, gk, p.M, p.K);
          let r3 = loadA4(aOff, gm + 3u, gk, p.M, p.K);
          As[(4u * k4) * BM4 + m4] = vec4<f32>(r0.x, r1.x, r2.x, r3.x);
          As[(4u * k4 + 1u) * BM4 + m4] = vec4<f32>(r0.y, r1.y, r2.y, r3.y);
          As[(4u * k4 + 2u) * BM4 + m4] = vec4<f32>(r0.z, r1.z, r2.z, r3.z);
          As[(4u * k4 + 3u) * BM4 + m4] = vec4<f32>(r0.w, r1.w, r2.w, r3.w);
        }
      }
      if (p.transB != 0u) {
        // B (N, K): 4 x 4 blocks transposed, as A above.
        for (var l = tid; l < BN4 * BK4; l += nt) {
          let k4 = l % BK4;
          let n4 = l / BK4;
          let gn = n0 + 4u * n4;
          let gk = k0 + 4u * k4;
          let r0 = loadB4(bOff, gn, gk, p.N, p.K);
          let r1 = loadB4(bOff, gn + 1u, gk, p.N, p.K);
          let r2 = loadB4(bOff, gn + 2u, gk, p.N, p.K);
          let r3 = loadB4(bOff, gn + 3u, gk, p.N, p.K);
          Bs[(4u * k4) * BN4 + n4] = vec4<f32>(r0.x, r1.x, r2.x, r3.x);
          Bs[(4u * k4 + 1u) * BN4 + n4] = vec4<f32>(r0.y, r1.y, r2.y, r3.y);
          Bs[(4u * k4 + 2u) * BN4 + n4] = vec4<f32>(r0.z, r1.z, r2.z, r3.z);
          Bs[(4u * k4 + 3u) * BN4 + n4] = vec4<f32>(r0.w, r1.w, r2.w, r3.w);
        }
      } else {
        // B (K, N): a vec4 is 4 consecutive columns at one k, exactly a Bs element.
        for (var l = tid; l < BN4 * BK; l += nt) {
          let n4 = l % BN4;
          let k = l / BN4;
          Bs[k * BN4 + n4] = loadB4(bOff, k0 + k, n0 + 4u * n4, p.K, p.N);
        }
      }
      workgroupBarrier();
      fmaTile(&acc, tx, ty);
      workgroupBarrier();
    }
  }

  storeTile(&acc, wid.z, m0, n0, tx, ty);
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
