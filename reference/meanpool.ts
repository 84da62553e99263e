// Masked mean pooling over time in float64 (the oracle for src/kernels/meanpool.wgsl).
// forward:  y[b,c] = sum_t mask[b,t] * x[b,t,c] / max(sum_t mask[b,t], minCount)     (minCount default 1)
// backward: dX[b,t,c] = mask[b,t] * dY[b,c] / max(sum_t mask[b,t], minCount)
// Positions with mask 0 are skipped entirely (a NaN in padding does not leak into y), as in the WGSL.

export interface MeanPoolShape {
  B: number;
  T: number;
  C: number;
  minCount?: number;
}

function counts(mask: Float64Array, { B, T, minCount = 1 }: MeanPoolShape): Float64Array {
  const n = new Float64Array(B); // (B)
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += mask[b * T + t];
    n[b] = Math.max(s, minCount);
  }
  return n;
}

export function meanPoolForward(
  x: Float64Array, // (B, T, C)
  mask: Float64Array, // (B, T)
  shape: MeanPoolShape,
): Float64Array {
  const { B, T, C } = shape;
  if (x.length !== B * T * C || mask.length !== B * T) throw new Error('meanPool: size mismatch');
  const n = counts(mask, shape);
  const y = new Float64Array(B * C); // (B, C)
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const m = mask[b * T + t];
      if (m === 0) continue;
      for (let c = 0; c < C; c++) y[b * C + c] += m * x[(b * T + t) * C + c];
    }
    for (let c = 0; c < C; c++) y[b * C + c] /= n[b];
  }
  return y;
}

export function meanPoolBackward(
  mask: Float64Array, // (B, T)
  dY: Float64Array, // (B, C)
  shape: MeanPoolShape,
): Float64Array {
  const { B, T, C } = shape;
  if (dY.length !== B * C || mask.length !== B * T) throw new Error('meanPool: size mismatch');
  const n = counts(mask, shape);
  const dX = new Float64Array(B * T * C); // (B, T, C)
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const m = mask[b * T + t];
      for (let c = 0; c < C; c++) dX[(b * T + t) * C + c] = (m * dY[b * C + c]) / n[b];
    }
  }
  return dX;
}
