// Multi-head scaled-dot-product attention core in float64 (the projections are separate matmuls).
// Layout: q (B, Lq, H*dh), k and v (B, Lk, H*dh); head h is the column slice [h*dh, (h+1)*dh).
// keyMask (B, Lk): a key j of example b is kept iff keyMask[b*Lk + j] >= 0.5; masked keys get probability
// exactly 0, and an example with no kept key gets P = 0, O = 0 (not NaN) and zero gradients.
//   S = scale * Q_h K_h^T (kept keys only), P = softmax over kept keys, O_h = P V_h.
// Backward: dP = dO_h V_h^T, dS = P * (dP - rowsum(P * dP)), dQ_h = scale dS K_h, dK_h = scale dS^T Q_h,
// dV_h = P^T dO_h (all activation gradients: returned fresh).

export interface AttentionShape {
  B: number;
  Lq: number;
  Lk: number;
  H: number;
  dh: number;
  /** Defaults to 1/sqrt(dh). */
  scale?: number;
}

const keep = (keyMask: Float64Array | null, b: number, Lk: number, j: number): boolean =>
  keyMask === null || keyMask[b * Lk + j] >= 0.5;

/** Forward: O (B, Lq, H*dh) and the probabilities P (B, H, Lq, Lk). */
export function attentionForward(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  keyMask: Float64Array | null,
  s: AttentionShape,
): { out: Float64Array; probs: Float64Array } {
  const { B, Lq, Lk, H, dh } = s;
  const scale = s.scale ?? 1 / Math.sqrt(dh);
  const W = H * dh;
  if (q.length !== B * Lq * W || k.length !== B * Lk * W || v.length !== B * Lk * W) throw new Error('attention: size mismatch');
  if (keyMask && keyMask.length !== B * Lk) throw new Error('attention: keyMask size mismatch');
  const out = new Float64Array(B * Lq * W);
  const probs = new Float64Array(B * H * Lq * Lk);
  const scores = new Float64Array(Lk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Lq; i++) {
        let max = -Infinity;
        for (let j = 0; j < Lk; j++) {
          if (!keep(keyMask, b, Lk, j)) continue;
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += q[(b * Lq + i) * W + h * dh + c] * k[(b * Lk + j) * W + h * dh + c];
          scores[j] = scale * dot;
          if (scores[j] > max) max = scores[j];
        }
        let sum = 0;
        const prow = ((b * H + h) * Lq + i) * Lk;
        for (let j = 0; j < Lk; j++) {
          const e = keep(keyMask, b, Lk, j) ? Math.exp(scores[j] - max) : 0;
          probs[prow + j] = e;
          sum += e;
        }
        for (let j = 0; j < Lk; j++) probs[prow + j] = sum > 0 ? probs[prow + j] / sum : 0;
        for (let c = 0; c < dh; c++) {
          let acc = 0;
          for (let j = 0; j < Lk; j++) acc += probs[prow + j] * v[(b * Lk + j) * W + h * dh + c];
          out[(b * Lq + i) * W + h * dh + c] = acc;
        }
      }
    }
  }
  return { out, probs };
}

/** Backward from dOut (B, Lq, H*dh), given the forward's probabilities P (B, H, Lq, Lk). */
export function attentionBackward(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  probs: Float64Array,
  dOut: Float64Array,
  s: AttentionShape,
): { dQ: Float64Array; dK: Float64Array; dV: Float64Array } {
  const { B, Lq, Lk, H, dh } = s;
  const scale = s.scale ?? 1 / Math.sqrt(dh);
  const W = H * dh;
  if (dOut.length !== B * Lq * W || probs.length !== B * H * Lq * Lk) throw new Error('attention backward: size mismatch');
  const dQ = new Float64Array(B * Lq * W);
  const dK = new Float64Array(B * Lk * W);
  const dV = new Float64Array(B * Lk * W);
  const dP = new Float64Array(Lk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < Lq; i++) {
        const prow = ((b * H + h) * Lq + i) * Lk;
        const qi = (b * Lq + i) * W + h * dh;
        let rowDot = 0;
        for (let j = 0; j < Lk; j++) {
          let acc = 0;
          for (let c = 0; c < dh; c++) acc += dOut[qi + c] * v[(b * Lk + j) * W + h * dh + c];
          dP[j] = acc;
          rowDot += probs[prow + j] * acc;
        }
        for (let j = 0; j < Lk; j++) {
          const p = probs[prow + j];
          const dS = p * (dP[j] - rowDot);
          const kj = (b * Lk + j) * W + h * dh;
          for (let c = 0; c < dh; c++) {
            dQ[qi + c] += scale * dS * k[kj + c];
            dK[kj + c] += scale * dS * q[qi + c];
            dV[kj + c] += p * dOut[qi + c];
          }
        }
      }
    }
  }
  return { dQ, dK, dV };
}
