// Sequence concatenation in float64 (oracle for src/kernels/seq-concat.wgsl): out (B, P+T, W) = [head ; tail].

export interface SeqConcatShape {
  B: number;
  P: number;
  T: number;
  W: number;
  headShared: boolean;
}

export function seqConcat(head: Float64Array, tail: Float64Array, s: SeqConcatShape): Float64Array {
  const { B, P, T, W } = s;
  const out = new Float64Array(B * (P + T) * W);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < P; r++) for (let c = 0; c < W; c++) out[(b * (P + T) + r) * W + c] = head[((s.headShared ? 0 : b) * P + r) * W + c];
    for (let t = 0; t < T; t++) for (let c = 0; c < W; c++) out[(b * (P + T) + P + t) * W + c] = tail[(b * T + t) * W + c];
  }
  return out;
}

/** dHead ((B or 1), P, W) (summed over the batch when shared) and dTail (B, T, W) from dOut (B, P+T, W). */
export function seqConcatBackward(dOut: Float64Array, s: SeqConcatShape): { dHead: Float64Array; dTail: Float64Array } {
  const { B, P, T, W } = s;
  const dHead = new Float64Array((s.headShared ? 1 : B) * P * W);
  const dTail = new Float64Array(B * T * W);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < P; r++) for (let c = 0; c < W; c++) dHead[((s.headShared ? 0 : b) * P + r) * W + c] += dOut[(b * (P + T) + r) * W + c];
    for (let t = 0; t < T; t++) for (let c = 0; c < W; c++) dTail[(b * T + t) * W + c] = dOut[(b * (P + T) + P + t) * W + c];
  }
  return { dHead, dTail };
}
