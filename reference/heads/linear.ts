// Linear probe head in float64 (oracle for src/heads/linear.ts): softmax regression on the pooled vector.
//   single text:                 x_b = u_b                                   (C)
//   pair encoded side by side:   x_b = [u_b, v_b, |u_b - v_b|, u_b * v_b]    (4C)
//   logits (B, L) = X W + b,  W (D, L), b (L).   Backward: dW = X^T dZ, db = column sums of dZ.
import { pairFeatures } from '../pair-features';

export interface LinearHeadParams {
  W: Float64Array; // (D, L)
  b: Float64Array; // (L)
}

/** The probe's input features (B, D): u itself, or the pair features of u and v. */
export function linearHeadInput(u: Float64Array, v: Float64Array | null, B: number, C: number): Float64Array {
  return v ? pairFeatures(u, v, B, C) : Float64Array.from(u);
}

export function linearHeadForward(p: LinearHeadParams, X: Float64Array, B: number, D: number, L: number): Float64Array {
  if (p.W.length !== D * L || p.b.length !== L || X.length !== B * D) throw new Error('linearHead ref: size mismatch');
  const Z = new Float64Array(B * L);
  for (let i = 0; i < B; i++) {
    for (let l = 0; l < L; l++) {
      let s = p.b[l];
      for (let k = 0; k < D; k++) s += X[i * D + k] * p.W[k * L + l];
      Z[i * L + l] = s;
    }
  }
  return Z;
}

export function linearHeadBackward(X: Float64Array, dZ: Float64Array, B: number, D: number, L: number): { dW: Float64Array; db: Float64Array } {
  const dW = new Float64Array(D * L);
  const db = new Float64Array(L);
  for (let i = 0; i < B; i++) {
    for (let l = 0; l < L; l++) {
      const g = dZ[i * L + l];
      db[l] += g;
      for (let k = 0; k < D; k++) dW[k * L + l] += X[i * D + k] * g;
    }
  }
  return { dW, db };
}
