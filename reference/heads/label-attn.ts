// Label attention over cached features, version 2 (src/heads/label-attn.ts), in float64: the oracle for the GPU
// head. Config and the unit-rms label inputs Y, S: src/heads/label-attn-config.ts.
//   prefix: a_l = softmax_i(Y_l[i] . wa) over real label tokens, p_l = sum_i a_i Y_l[i]; X0 = p Wz + bz as (L*m, d)
//   prompt: X0 = S Wg + bg (L, d)
//   M = [LN_m(F Wf + bf) ; LN_p(f Wp + bp)] (B, T+1, d), key mask with the pooled token kept (pairs: f -> g =
//   [u, v, |u-v|, u*v], Wp (4C, d))
//   q = LN_1(X0) Wq + bq (label-only);  X1 = X0 + MHA(q, M Wk, M Wv + bv, mask) Wo + bo  (B, Lq, d)
//   X2 = X1 + GELU(LN_2(X1) W1 + b1) W2 + b2;  h = mean over the m rows of a label (prefix) or X2 (prompt)
//   z[b, l] = <LN_f(h[b, l]), u> + c[l]  (+ g Wsc for pairs)
import { attentionBackward, attentionForward } from '../attention';
import { geluBackward, geluForward } from '../gelu';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { linearBackward, linearForward } from '../matmul';
import { pairFeatures } from '../pair-features';
import type { LabelAttnResolved } from '../../src/heads/label-attn-config';

export interface LabelAttnRefBatch {
  B: number;
  T: number;
  F: Float64Array; // (B, T, C)
  mask: Float64Array; // (B, T)
  pooled: Float64Array; // (B, C)
  pooledB?: Float64Array | null; // (B, C), pair heads only
}

type P = Record<string, Float64Array>;
type LN = { x: Float64Array; mean: Float64Array; rstd: Float64Array; y: Float64Array };

function ln(x: Float64Array, g: Float64Array, b: Float64Array, rows: number, dim: number, eps: number): LN {
  return { x, ...layerNormForward(x, g, b, { rows, dim }, eps) };
}

const add = (a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]);

/** Repeat an (n) block over B. */
function tile(x: Float64Array, B: number): Float64Array {
  const y = new Float64Array(B * x.length);
  for (let b = 0; b < B; b++) y.set(x, b * x.length);
  return y;
}

/** Sum B consecutive (n) blocks. */
function sumBlocks(x: Float64Array, B: number): Float64Array {
  const n = x.length / B;
  const y = new Float64Array(n);
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) y[i] += x[b * n + i];
  return y;
}

export function labelAttnForwardRef(r: LabelAttnResolved, p: P, batch: LabelAttnRefBatch) {
  const { C, L, d, H, m, ffn, Tl, Lq, lnEps: eps } = r;
  const { B, T } = batch;
  const Tm = T + 1;
  if (r.pair !== !!batch.pooledB) throw new Error(`label-attn ref: pair ${r.pair} but batch.pooledB ${batch.pooledB ? 'given' : 'absent'}`);
  const gx = r.pair ? pairFeatures(batch.pooled, batch.pooledB!, B, C) : batch.pooled;
  const K = r.pair ? 4 * C : C;
  let pool = null;
  let X0: Float64Array;
  if (r.kind === 'label-attn-prefix') {
    pool = attentionForward(tile(p.wa, L), r.Y!, r.Y!, r.labelMask, { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 });
    X0 = linearForward(pool.out, p.Wz, p.bz, L, C, m * d); // (L*m, d)
  } else {
    X0 = linearForward(r.S!, p.Wg, p.bg, L, C, d);
  }
  const a1 = ln(X0, p.ln1g, p.ln1b, Lq, d, eps);
  const qs = linearForward(a1.y, p.Wq, p.bq, Lq, d, d);
  const tok = ln(linearForward(batch.F, p.Wf, p.bf, B * T, C, d), p.mg, p.mb, B * T, d, eps);
  const pl = ln(linearForward(gx, p.Wp, p.bp, B, K, d), p.pg, p.pb, B, d, eps);
  const M = new Float64Array(B * Tm * d);
  const mask = new Float64Array(B * Tm);
  for (let b = 0; b < B; b++) {
    M.set(tok.y.subarray(b * T * d, (b + 1) * T * d), b * Tm * d);
    M.set(pl.y.subarray(b * d, (b + 1) * d), (b * Tm + T) * d);
    mask.set(batch.mask.subarray(b * T, (b + 1) * T), b * Tm);
    mask[b * Tm + T] = 1;
  }
  const q = tile(qs, B);
  const k = linearForward(M, p.Wk, null, B * Tm, d, d);
  const v = linearForward(M, p.Wv, p.bv, B * Tm, d, d);
  const att = attentionForward(q, k, v, mask, { B, Lq, Lk: Tm, H, dh: d / H });
  const X1 = add(tile(X0, B), linearForward(att.out, p.Wo, p.bo, B * Lq, d, d));
  const a2 = ln(X1, p.ln2g, p.ln2b, B * Lq, d, eps);
  const pre = linearForward(a2.y, p.W1, p.b1, B * Lq, d, ffn);
  const act = geluForward(pre);
  const X2 = add(X1, linearForward(act, p.W2, p.b2, B * Lq, ffn, d));
  const h = new Float64Array(B * L * d);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < m; j++) for (let c = 0; c < d; c++) h[(b * L + l) * d + c] += X2[(b * Lq + l * m + j) * d + c] / m;
    }
  }
  const fin = ln(h, p.lnfg, new Float64Array(d), B * L, d, eps);
  const logits = linearForward(fin.y, p.u, null, B * L, d, 1);
  for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) logits[b * L + l] += p.c[l];
  if (r.pair) {
    const sc = linearForward(gx, p.Wsc, null, B, K, L);
    for (let i = 0; i < B * L; i++) logits[i] += sc[i];
  }
  return { logits, cache: { batch, gx, K, pool, X0, a1, q, tok, pl, M, mask, k, v, att, X1, a2, pre, act, fin } };
}

export type LabelAttnRefCache = ReturnType<typeof labelAttnForwardRef>['cache'];

/** Gradients of every parameter (fresh arrays) from dLogits (B, L). */
export function labelAttnBackwardRef(r: LabelAttnResolved, p: P, c: LabelAttnRefCache, dLogits: Float64Array): P {
  const { C, L, d, H, m, ffn, Tl, Lq } = r;
  const { B, T } = c.batch;
  const Tm = T + 1;
  const g: P = {};
  for (const key of Object.keys(p)) g[key] = new Float64Array(p[key].length);
  const acc = (name: string, x: Float64Array) => x.forEach((v, i) => (g[name][i] += v));
  const lin = (x: Float64Array, w: string, b: string | null, dY: Float64Array, rows: number, K: number, N: number) => {
    const o = linearBackward(x, p[w], dY, rows, K, N);
    acc(w, o.dW);
    if (b) acc(b, o.db);
    return o.dX;
  };
  const lnb = (a: LN, gn: string, bn: string | null, dY: Float64Array, rows: number) => {
    const o = layerNormBackward(a.x, p[gn], a.mean, a.rstd, dY, { rows, dim: d });
    acc(gn, o.dGamma);
    if (bn) acc(bn, o.dBeta);
    return o.dX;
  };
  for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) g.c[l] += dLogits[b * L + l];
  if (r.pair) lin(c.gx, 'Wsc', null, dLogits, B, c.K, L);
  const dh = lnb(c.fin, 'lnfg', null, lin(c.fin.y, 'u', null, dLogits, B * L, d, 1), B * L);
  const dX2 = new Float64Array(B * Lq * d);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) dX2[(b * Lq + l * m + j) * d + k] = dh[(b * L + l) * d + k] / m;
    }
  }
  // FFN block, then the cross-attention block
  const dPre = geluBackward(c.pre, lin(c.act, 'W2', 'b2', dX2, B * Lq, ffn, d));
  const dX1 = add(dX2, lnb(c.a2, 'ln2g', 'ln2b', lin(c.a2.y, 'W1', 'b1', dPre, B * Lq, d, ffn), B * Lq));
  const dAtt = lin(c.att.out, 'Wo', 'bo', dX1, B * Lq, d, d);
  const ab = attentionBackward(c.q, c.k, c.v, c.att.probs, dAtt, { B, Lq, Lk: Tm, H, dh: d / H });
  const dM = add(lin(c.M, 'Wk', null, ab.dK, B * Tm, d, d), lin(c.M, 'Wv', 'bv', ab.dV, B * Tm, d, d));
  // label queries (shared by the batch): the residual path and the query path
  const dX0 = add(sumBlocks(dX1, B), lnb(c.a1, 'ln1g', 'ln1b', lin(c.a1.y, 'Wq', 'bq', sumBlocks(ab.dQ, B), Lq, d, d), Lq));
  if (r.kind === 'label-attn-prefix') {
    const dpl = lin(c.pool!.out, 'Wz', 'bz', dX0, L, C, m * d);
    const pb = attentionBackward(tile(p.wa, L), r.Y!, r.Y!, c.pool!.probs, dpl, { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 });
    acc('wa', sumBlocks(pb.dQ, L));
  } else {
    lin(r.S!, 'Wg', 'bg', dX0, L, C, d);
  }
  // memory: token rows and the pooled row
  const dTok = new Float64Array(B * T * d);
  const dPool = new Float64Array(B * d);
  for (let b = 0; b < B; b++) {
    dTok.set(dM.subarray(b * Tm * d, (b * Tm + T) * d), b * T * d);
    dPool.set(dM.subarray((b * Tm + T) * d, (b * Tm + T + 1) * d), b * d);
  }
  lin(c.batch.F, 'Wf', 'bf', lnb(c.tok, 'mg', 'mb', dTok, B * T), B * T, C, d);
  lin(c.gx, 'Wp', 'bp', lnb(c.pl, 'pg', 'pb', dPool, B), B, c.K, d);
  return g;
}
