// The L-Tuning prefix head (src/heads/ltuning-prefix.ts) in float64, forward and backward: the oracle for the GPU
// head. Unlike the paper the prefix does not enter the frozen encoder: it attends over cached token features.
//   a_l = softmax_i(Y_l[i] . wa) over real label tokens, p_l = sum_i a_i Y_l[i]            (L, C)
//   P = p Wz + bz viewed as (L*m, d): row l*m + j is prefix vector j of label l (the queries, shared by the batch)
//   M = LN_m(F Wf + bf) (B, T, d), keys M Wk, values M Wv (no biases), key padding mask from the text mask
//   h[b, q] = P[q] + MHA(P[q], keys_b, values_b)  (B, L*m, d);  g[b, l] = mean_j h[b, l*m + j]  (B, L, d)
//   z[b, l] = <LN_f(g[b, l]), u> + c  (LN_f has a scale, no shift; c is one scalar)
import { attentionBackward, attentionForward } from '../attention';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { linearBackward, linearForward } from '../matmul';
import type { LTuningResolved } from '../../src/heads/ltuning-config';

export interface LTuningRefBatch {
  B: number;
  T: number;
  F: Float64Array; // (B, T, C)
  mask: Float64Array; // (B, T)
}

type P = Record<string, Float64Array>;

export function ltuningPrefixForwardRef(r: LTuningResolved, p: P, batch: LTuningRefBatch) {
  const { C, L, d, H, m, Tl, lnEps: eps } = r;
  const { B, T } = batch;
  const Y = r.labelTokens!;
  const Lm = L * m;
  const qa = new Float64Array(L * C);
  for (let l = 0; l < L; l++) qa.set(p.wa, l * C);
  const pool = attentionForward(qa, Y, Y, r.labelMask, { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 });
  const pl = pool.out; // (L, C)
  const Pq = linearForward(pl, p.Wz, p.bz, L, C, m * d); // (L*m, d)
  const q = new Float64Array(B * Lm * d);
  for (let b = 0; b < B; b++) q.set(Pq, b * Lm * d);
  const tokPre = linearForward(batch.F, p.Wf, p.bf, B * T, C, d);
  const tok = layerNormForward(tokPre, p.mg, p.mb, { rows: B * T, dim: d }, eps);
  const k = linearForward(tok.y, p.Wk, null, B * T, d, d);
  const v = linearForward(tok.y, p.Wv, null, B * T, d, d);
  const att = attentionForward(q, k, v, batch.mask, { B, Lq: Lm, Lk: T, H, dh: d / H });
  const g = new Float64Array(B * L * d);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < m; j++) {
        const row = (b * Lm + l * m + j) * d;
        for (let c = 0; c < d; c++) g[(b * L + l) * d + c] += (q[row + c] + att.out[row + c]) / m;
      }
    }
  }
  const fin = layerNormForward(g, p.lnfg, new Float64Array(d), { rows: B * L, dim: d }, eps);
  const logits = linearForward(fin.y, p.u, p.c, B * L, d, 1);
  return { logits, cache: { batch, pool, pl, q, tokPre, tok, k, v, att, g, fin } };
}

export type LTuningPrefixRefCache = ReturnType<typeof ltuningPrefixForwardRef>['cache'];

/** Gradients of every parameter (fresh arrays) from dLogits (B, L). */
export function ltuningPrefixBackwardRef(r: LTuningResolved, p: P, cache: LTuningPrefixRefCache, dLogits: Float64Array): P {
  const { C, L, d, H, m, Tl } = r;
  const { B, T } = cache.batch;
  const Lm = L * m;
  const gr: P = {};
  for (const key of Object.keys(p)) gr[key] = new Float64Array(p[key].length);
  const acc = (name: string, x: Float64Array) => x.forEach((v, i) => (gr[name][i] += v));
  const lu = linearBackward(cache.fin.y, p.u, dLogits, B * L, d, 1);
  acc('u', lu.dW);
  acc('c', lu.db);
  const fb = layerNormBackward(cache.g, p.lnfg, cache.fin.mean, cache.fin.rstd, lu.dX, { rows: B * L, dim: d });
  acc('lnfg', fb.dGamma);
  // dh[b, l*m + j] = dg[b, l] / m
  const dh = new Float64Array(B * Lm * d);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < m; j++) {
        for (let c = 0; c < d; c++) dh[(b * Lm + l * m + j) * d + c] = fb.dX[(b * L + l) * d + c] / m;
      }
    }
  }
  const ab = attentionBackward(cache.q, cache.k, cache.v, cache.att.probs, dh, { B, Lq: Lm, Lk: T, H, dh: d / H });
  // queries: residual + attention, summed over the batch (shared prefix)
  const dPq = new Float64Array(Lm * d);
  for (let b = 0; b < B; b++) for (let i = 0; i < Lm * d; i++) dPq[i] += ab.dQ[b * Lm * d + i] + dh[b * Lm * d + i];
  const zb = linearBackward(cache.pl, p.Wz, dPq, L, C, m * d);
  acc('Wz', zb.dW);
  acc('bz', zb.db);
  const Y = r.labelTokens!;
  const qa = new Float64Array(L * C);
  for (let l = 0; l < L; l++) qa.set(p.wa, l * C);
  const pb = attentionBackward(qa, Y, Y, cache.pool.probs, zb.dX, { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 });
  for (let l = 0; l < L; l++) for (let c = 0; c < C; c++) gr.wa[c] += pb.dQ[l * C + c];
  // memory
  const kb = linearBackward(cache.tok.y, p.Wk, ab.dK, B * T, d, d);
  const vb = linearBackward(cache.tok.y, p.Wv, ab.dV, B * T, d, d);
  acc('Wk', kb.dW);
  acc('Wv', vb.dW);
  const dM = kb.dX.map((x, i) => x + vb.dX[i]);
  const mb = layerNormBackward(cache.tokPre, p.mg, cache.tok.mean, cache.tok.rstd, dM, { rows: B * T, dim: d });
  acc('mg', mb.dGamma);
  acc('mb', mb.dBeta);
  const fwb = linearBackward(cache.batch.F, p.Wf, mb.dX, B * T, C, d);
  acc('Wf', fwb.dW);
  acc('bf', fwb.db);
  return gr;
}
