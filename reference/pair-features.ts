// Pooled-vector transforms in float64 (oracle for src/kernels/pair-features.wgsl), pair features forward and backward.

/** X (B, 4C) = [u, v, |u - v|, u * v] per row. */
export function pairFeatures(u: Float64Array, v: Float64Array, B: number, C: number): Float64Array {
  if (u.length !== B * C || v.length !== B * C) throw new Error('pairFeatures ref: size mismatch');
  const X = new Float64Array(B * 4 * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const a = u[b * C + c];
      const w = v[b * C + c];
      const o = b * 4 * C;
      X[o + c] = a;
      X[o + C + c] = w;
      X[o + 2 * C + c] = Math.abs(a - w);
      X[o + 3 * C + c] = a * w;
    }
  }
  return X;
}

/** Gradients of pairFeatures: dU, dV (B, C) from dX (B, 4C); d|x|/dx = sign(x), 0 at 0. */
export function pairFeaturesBackward(u: Float64Array, v: Float64Array, dX: Float64Array, B: number, C: number): { dU: Float64Array; dV: Float64Array } {
  const dU = new Float64Array(B * C);
  const dV = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const i = b * C + c;
      const o = b * 4 * C + c;
      const s = Math.sign(u[i] - v[i]);
      dU[i] = dX[o] + s * dX[o + 2 * C] + v[i] * dX[o + 3 * C];
      dV[i] = dX[o + C] - s * dX[o + 2 * C] + u[i] * dX[o + 3 * C];
    }
  }
  return { dU, dV };
}

/** y (B, C) = x / max(||x||, eps) per row, x = u (+ v when given). */
export function normalizeRows(u: Float64Array, v: Float64Array | null, B: number, C: number, eps = 1e-12): Float64Array {
  const y = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let c = 0; c < C; c++) {
      const x = u[b * C + c] + (v ? v[b * C + c] : 0);
      s += x * x;
    }
    const inv = 1 / Math.max(Math.sqrt(s), eps);
    for (let c = 0; c < C; c++) y[b * C + c] = (u[b * C + c] + (v ? v[b * C + c] : 0)) * inv;
  }
  return y;
}
