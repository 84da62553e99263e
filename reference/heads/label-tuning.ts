// Label tuning of the seeds in float64 (oracle for src/heads/label-tuning.ts).
//   f_b = u_b (single text) or (u_b + v_b) / 2 (pair encoded side by side: the mean of the two pooled vectors,
//   which stays in the seeds' embedding space); logits z_bl = scale * <f_b, S_l>, S (L, C) trainable.
//   Backward: dS_lc = scale * sum_b dz_bl f_bc.

export function labelHeadInput(u: Float64Array, v: Float64Array | null): Float64Array {
  return v ? u.map((x, i) => 0.5 * (x + v[i])) : Float64Array.from(u);
}

export function labelHeadForward(S: Float64Array, f: Float64Array, B: number, C: number, L: number, scale: number): Float64Array {
  if (S.length !== L * C || f.length !== B * C) throw new Error('labelHead ref: size mismatch');
  const Z = new Float64Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += f[b * C + c] * S[l * C + c];
      Z[b * L + l] = scale * s;
    }
  }
  return Z;
}

export function labelHeadBackward(f: Float64Array, dZ: Float64Array, B: number, C: number, L: number, scale: number): Float64Array {
  const dS = new Float64Array(L * C);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const g = scale * dZ[b * L + l];
      for (let c = 0; c < C; c++) dS[l * C + c] += g * f[b * C + c];
    }
  }
  return dS;
}
