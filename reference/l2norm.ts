// Row L2 normalisation in float64 (the oracle for src/kernels/l2norm.wgsl), TF's l2_normalize:
// forward:  y_b = x_b r_b,  r_b = 1 / sqrt(max(s_b, eps)),  s_b = sum_c x_b[c]^2
// backward: s_b >= eps: dX_b = r_b dY_b - r_b^3 <x_b, dY_b> x_b;   s_b < eps (floor): dX_b = r_b dY_b

function rowSums(x: Float64Array, dY: Float64Array | null, b: number, C: number): { s: number; d: number } {
  let s = 0;
  let d = 0;
  for (let c = 0; c < C; c++) {
    const a = x[b * C + c];
    s += a * a;
    if (dY) d += a * dY[b * C + c];
  }
  return { s, d };
}

export function l2normForward(x: Float64Array, B: number, C: number, eps: number): Float64Array {
  if (x.length !== B * C) throw new Error('l2norm: size mismatch');
  const y = new Float64Array(B * C); // (B, C)
  for (let b = 0; b < B; b++) {
    const r = 1 / Math.sqrt(Math.max(rowSums(x, null, b, C).s, eps));
    for (let c = 0; c < C; c++) y[b * C + c] = x[b * C + c] * r;
  }
  return y;
}

export function l2normBackward(x: Float64Array, dY: Float64Array, B: number, C: number, eps: number): Float64Array {
  if (x.length !== B * C || dY.length !== B * C) throw new Error('l2norm: size mismatch');
  const dX = new Float64Array(B * C); // (B, C)
  for (let b = 0; b < B; b++) {
    const { s, d } = rowSums(x, dY, b, C);
    const r = 1 / Math.sqrt(Math.max(s, eps));
    const k = s >= eps ? r * r * r * d : 0;
    for (let c = 0; c < C; c++) dX[b * C + c] = r * dY[b * C + c] - k * x[b * C + c];
  }
  return dX;
}
