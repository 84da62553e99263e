// Zero-shot head in float64 (oracle for src/heads/zero-shot.ts): logits z_bl = scale * cos(f_b, s_l), with
// f_b = u_b, or u_b + v_b for pairs encoded side by side (same direction as their mean). No parameters.

export function zeroShotForward(
  seeds: Float64Array, // (L, C)
  u: Float64Array, // (B, C)
  v: Float64Array | null, // (B, C)
  B: number,
  C: number,
  L: number,
  scale = 1,
  eps = 1e-12,
): Float64Array {
  if (seeds.length !== L * C || u.length !== B * C || (v && v.length !== B * C)) throw new Error('zeroShot ref: size mismatch');
  const norm = (x: (c: number) => number) => {
    let s = 0;
    for (let c = 0; c < C; c++) s += x(c) ** 2;
    return Math.max(Math.sqrt(s), eps);
  };
  const Z = new Float64Array(B * L);
  for (let b = 0; b < B; b++) {
    const f = (c: number) => u[b * C + c] + (v ? v[b * C + c] : 0);
    const nf = norm(f);
    for (let l = 0; l < L; l++) {
      const s = (c: number) => seeds[l * C + c];
      let dot = 0;
      for (let c = 0; c < C; c++) dot += f(c) * s(c);
      Z[b * L + l] = (scale * dot) / (nf * norm(s));
    }
  }
  return Z;
}
