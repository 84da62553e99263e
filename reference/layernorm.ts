// Layer norm over the last dim in float64 (the oracle for src/kernels/layernorm.wgsl).
// forward:  mean_r = sum_j x[r,j] / D;  var_r = sum_j (x[r,j] - mean_r)^2 / D;  rstd_r = 1 / sqrt(var_r + eps)
//           y[r,j] = (x[r,j] - mean_r) * rstd_r * gamma[j] + beta[j]
// backward: written out as the textbook chain rule through var and mean (the WGSL uses the compact form), so the
//           two are independent derivations of the same gradient.

export interface LayerNormShape {
  rows: number;
  dim: number;
}

export function layerNormForward(
  x: Float64Array, // (R, D)
  gamma: Float64Array, // (D)
  beta: Float64Array, // (D)
  { rows, dim }: LayerNormShape,
  eps = 1e-5,
): { y: Float64Array; mean: Float64Array; rstd: Float64Array } {
  if (x.length !== rows * dim || gamma.length !== dim || beta.length !== dim) throw new Error('layerNorm: size mismatch');
  const y = new Float64Array(rows * dim); // (R, D)
  const mean = new Float64Array(rows); // (R)
  const rstd = new Float64Array(rows); // (R)
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[o + j];
    const m = s / dim;
    let v = 0;
    for (let j = 0; j < dim; j++) v += (x[o + j] - m) ** 2;
    v /= dim;
    const rs = 1 / Math.sqrt(v + eps);
    mean[r] = m;
    rstd[r] = rs;
    for (let j = 0; j < dim; j++) y[o + j] = (x[o + j] - m) * rs * gamma[j] + beta[j];
  }
  return { y, mean, rstd };
}

/** Gradients of L given dY = dL/dy; dGamma and dBeta are returned fresh (the GPU kernel adds them to its inputs). */
export function layerNormBackward(
  x: Float64Array, // (R, D)
  gamma: Float64Array, // (D)
  mean: Float64Array, // (R)
  rstd: Float64Array, // (R)
  dY: Float64Array, // (R, D)
  { rows, dim }: LayerNormShape,
): { dX: Float64Array; dGamma: Float64Array; dBeta: Float64Array } {
  const dX = new Float64Array(rows * dim); // (R, D)
  const dGamma = new Float64Array(dim); // (D)
  const dBeta = new Float64Array(dim); // (D)
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    const m = mean[r];
    const rs = rstd[r];
    // y = xhat * gamma + beta, xhat = (x - m) * (var + eps)^(-1/2)
    let dVar = 0; // dL/dvar
    let dMeanDirect = 0; // the part of dL/dmean through (x - m) in xhat
    let sumCentered = 0; // sum_j (x - m), 0 up to rounding
    for (let j = 0; j < dim; j++) {
      const dXhat = dY[o + j] * gamma[j];
      const c = x[o + j] - m;
      dVar += dXhat * c * -0.5 * rs * rs * rs;
      dMeanDirect += -dXhat * rs;
      sumCentered += c;
      dGamma[j] += dY[o + j] * c * rs;
      dBeta[j] += dY[o + j];
    }
    // var = sum (x - m)^2 / D depends on m too: dvar/dm = -2 sum (x - m) / D
    const dMean = dMeanDirect + (dVar * -2 * sumCentered) / dim;
    for (let j = 0; j < dim; j++) {
      const c = x[o + j] - m;
      dX[o + j] = dY[o + j] * gamma[j] * rs + (dVar * 2 * c) / dim + dMean / dim;
    }
  }
  return { dX, dGamma, dBeta };
}
