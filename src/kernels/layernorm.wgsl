// Layer norm over the last dim, forward and backward.
// forward:          mean_r = sum_j x[r,j] / D,  var_r = sum_j (x[r,j] - mean_r)^2 / D,  rstd_r = 1 / sqrt(var_r + eps)
//                   y[r,j] = (x[r,j] - mean_r) * rstd_r * gamma[j] + beta[j]; mean and rstd are saved for backward.
// backward_input:   xhat = (x - mean) * rstd, g = dY * gamma
//                   dX[r,j] = rstd_r * (g[r,j] - mean_j(g[r,:]) - xhat[r,j] * mean_j(g[r,:] * xhat[r,:]))  (overwrite)
// backward_params:  dGamma[j] += sum_r dY[r,j] * xhat[r,j];  dBeta[j] += sum_r dY[r,j]  (accumulate)
//
// Row kernels (forward, backward_input): one workgroup of WG threads per row (the host picks WG from D, see
// rowThreads in layernorm.ts), strided over the row, then a tree reduction in workgroup memory (WG a power of
// two). The statistics use the corrected two-pass algorithm: pass 1 gives a provisional mean m0; pass 2 sums
// d = x - m0 and d^2, and mean = m0 + sum(d)/D, var = sum(d^2)/D - (sum(d)/D)^2. The correction removes the
// rounding error of m0, so a constant row gets mean == x exactly and y == beta.
// backward_params: one workgroup per tile of TC columns; its TR row lanes each sum a fixed, strided subset of
// rows and a tree over the lanes combines them. Fixed order everywhere: deterministic, no atomics.
//
// Each entry point has its own bind group layout; WGSL lets two variables share a @binding as long as no one
// entry point uses both:
//   binding            0   1   2       3         4         5         6
//   forward            p   x   gamma   beta      y         mean      rstd
//   backward_input     p   x   gamma   mean_in   rstd_in   dY        dX
//   backward_params    p   x   dGamma  mean_in   rstd_in   dY        dBeta

struct Params {
  rows: u32,   // byte 0: R, number of rows
  dim: u32,    // byte 4: D, length of the normalised (last) dim
  eps: f32,    // byte 8: added to the variance (forward only)
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;                 // (R, D)
@group(0) @binding(2) var<storage, read> gamma: array<f32>;             // (D)
@group(0) @binding(3) var<storage, read> beta: array<f32>;              // (D)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;           // (R, D)
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;        // (R)
@group(0) @binding(6) var<storage, read_write> rstd: array<f32>;        // (R)

@group(0) @binding(3) var<storage, read> mean_in: array<f32>;           // (R)
@group(0) @binding(4) var<storage, read> rstd_in: array<f32>;           // (R)
@group(0) @binding(5) var<storage, read> dY: array<f32>;                // (R, D)
@group(0) @binding(6) var<storage, read_write> dX: array<f32>;          // (R, D)
@group(0) @binding(2) var<storage, read_write> dGamma: array<f32>;      // (D)
@group(0) @binding(6) var<storage, read_write> dBeta: array<f32>;       // (D)

override WG: u32 = 256; // row kernels: threads per row, a power of two
override TC: u32 = 32;  // backward_params: columns per workgroup
override TR: u32 = 8;   // backward_params: row lanes per workgroup, a power of two

var<workgroup> red_a: array<f32, WG>;
var<workgroup> red_b: array<f32, WG>;
var<workgroup> col_g: array<f32, TC * TR>;
var<workgroup> col_b: array<f32, TC * TR>;

// Tree-sum red_a[0..WG) into red_a[0] (and red_b likewise when both = true). Call from uniform control flow; the
// caller reads [0] and passes a barrier before writing red_a / red_b again.
fn reduce_rows(lid: u32, both: bool) {
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      red_a[lid] += red_a[lid + s];
      if (both) { red_b[lid] += red_b[lid + s]; }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; } // uniform per workgroup: the barriers below stay in uniform control flow
  let D = p.dim;
  let base = row * D;
  let invD = 1.0 / f32(D);

  // pass 1: provisional mean
  var s = 0.0;
  for (var j = lid; j < D; j += WG) { s += x[base + j]; }
  red_a[lid] = s;
  reduce_rows(lid, false);
  let m0 = red_a[0] * invD;
  workgroupBarrier();

  // pass 2: corrected mean and variance about m0
  var s1 = 0.0;
  var s2 = 0.0;
  for (var j = lid; j < D; j += WG) {
    let d = x[base + j] - m0;
    s1 += d;
    s2 += d * d;
  }
  red_a[lid] = s1;
  red_b[lid] = s2;
  reduce_rows(lid, true);
  let c = red_a[0] * invD;
  let mu = m0 + c;
  let variance = max(red_b[0] * invD - c * c, 0.0);
  let r = inverseSqrt(variance + p.eps);
  if (lid == 0u) {
    mean[row] = mu;
    rstd[row] = r;
  }
  // (x - m0) - c rather than x - mu: mu is rounded to f32, which costs digits when |mean| >> std
  for (var j = lid; j < D; j += WG) {
    y[base + j] = ((x[base + j] - m0) - c) * r * gamma[j] + beta[j];
  }
}

@compute @workgroup_size(WG)
fn backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; } // uniform per workgroup
  let D = p.dim;
  let base = row * D;
  let invD = 1.0 / f32(D);
  let mu = mean_in[row];
  let r = rstd_in[row];

  var sg = 0.0;   // sum_j g
  var sgx = 0.0;  // sum_j g * xhat
  for (var j = lid; j < D; j += WG) {
    let g = dY[base + j] * gamma[j];
    sg += g;
    sgx += g * (x[base + j] - mu) * r;
  }
  red_a[lid] = sg;
  red_b[lid] = sgx;
  reduce_rows(lid, true);
  let mg = red_a[0] * invD;
  let mgx = red_b[0] * invD;
  for (var j = lid; j < D; j += WG) {
    let xhat = (x[base + j] - mu) * r;
    dX[base + j] = r * (dY[base + j] * gamma[j] - mg - xhat * mgx);
  }
}

@compute @workgroup_size(TC, TR)
fn backward_params(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_id) lid: vec3<u32>) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile * TC >= p.dim) { return; } // uniform per workgroup; columns past D in the last tile are masked below
  let D = p.dim;
  let col = tile * TC + lid.x;
  let in_range = col < D;

  var sg = 0.0; // sum over this lane's rows of dY * xhat
  var sb = 0.0; // sum over this lane's rows of dY
  if (in_range) {
    for (var row = lid.y; row < p.rows; row += TR) {
      let i = row * D + col;
      let dy = dY[i];
      sg += dy * (x[i] - mean_in[row]) * rstd_in[row];
      sb += dy;
    }
  }
  let k = lid.y * TC + lid.x;
  col_g[k] = sg;
  col_b[k] = sb;
  workgroupBarrier();
  for (var s = TR / 2u; s > 0u; s = s >> 1u) {
    if (lid.y < s) {
      col_g[k] += col_g[k + s * TC];
      col_b[k] += col_b[k + s * TC];
    }
    workgroupBarrier();
  }
  if (lid.y == 0u && in_range) {
    dGamma[col] += col_g[lid.x];
    dBeta[col] += col_b[lid.x];
  }
}
