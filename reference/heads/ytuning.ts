// The Y-Tuning label-decoder head (DESIGN.md §1) in float64, forward and backward, built from the reference ops:
// the oracle for src/heads/ytuning.ts. Layout: memory = the T token rows of each example followed by one pooled
// token (row T), key mask (B, T+1) with the pooled token always kept.
//   Q0 = s Ws + bs + E (L, d) (Q0 = E without label seeds), X = Q0 broadcast over the batch (B, L, d)
//   M  = [LN_m(F Wf + bf) ; LN_p(f Wp + bp)] (B, T+1, d)
//   per layer (pre-LN; the key projections have no bias): X += SelfAttn(LN1 X); X += CrossAttn(LN2 X, M, mask); X += W2 GELU(W1 LN3 X)
//   z[b, l] = <LN_f(X[b, l]), u> + c[l]   (B, L)   (LN_f has a scale, no shift)
// Dropout (training forwards only: pass `train: { step }`): y * mask on each sublayer's output before its residual
//   add and on the FFN activation, masks from reference/dropout.ts with ytuningDropout's (seed, step, stream).
// Pair heads (r.pair, pairs encoded side by side): g = [u, v, |u-v|, u*v] (B, 4C) from pooled (u) and pooledB (v);
//   the pooled token is LN_p(g Wp + bp) with Wp (4C, d), and z += g Wsc with Wsc (4C, L).
import { attentionBackward, attentionForward } from '../attention';
import { geluBackward, geluForward } from '../gelu';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { linearBackward, linearForward } from '../matmul';
import { dropoutMask } from '../dropout';
import { pairFeatures } from '../pair-features';
import { ytuningDropout, type YTuningDropoutSite, type YTuningResolved } from '../../src/heads/ytuning-config';

export interface YTuningRefBatch {
  B: number;
  T: number;
  F: Float64Array; // (B, T, C)
  mask: Float64Array; // (B, T)
  pooled: Float64Array; // (B, C)
  /** (B, C) side B's pooled vectors: required by a pair head, refused by any other. */
  pooledB?: Float64Array | null;
}

type P = Record<string, Float64Array>;
type LN = { x: Float64Array; mean: Float64Array; rstd: Float64Array; y: Float64Array };

function ln(x: Float64Array, g: Float64Array, b: Float64Array, rows: number, dim: number, eps: number): LN {
  const r = layerNormForward(x, g, b, { rows, dim }, eps);
  return { x, ...r };
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, i) => x + b[i]);
}

/** x * mask, or x itself when there is no mask. */
function masked(x: Float64Array, m: Float64Array | null): Float64Array {
  return m ? x.map((v, i) => v * m[i]) : x;
}

function acc(g: P, name: string, v: Float64Array): void {
  const t = g[name];
  for (let i = 0; i < v.length; i++) t[i] += v[i];
}

/** The pooled token's input: f (B, C), or for a pair head g = [u, v, |u-v|, u*v] (B, 4C). */
function pooledInput(r: YTuningResolved, batch: YTuningRefBatch): { x: Float64Array; K: number } {
  if (r.pair && !batch.pooledB) throw new Error('ytuning ref: a pair head needs batch.pooledB');
  if (!r.pair && batch.pooledB) throw new Error('ytuning ref: a single-text head was given batch.pooledB');
  return r.pair ? { x: pairFeatures(batch.pooled, batch.pooledB!, batch.B, r.C), K: 4 * r.C } : { x: batch.pooled, K: r.C };
}

/** Forward; returns logits (B, L) and everything the backward needs. `train`: a training forward (dropout). */
export function ytuningForwardRef(r: YTuningResolved, p: P, batch: YTuningRefBatch, train: { step: number } | null = null) {
  const { C, L, d, H, N, ffn, lnEps: eps } = r;
  const { B, T } = batch;
  const dh = d / H;
  const Tm = T + 1;
  const g = pooledInput(r, batch);
  const Q0 = r.seeds ? add(linearForward(r.seeds, p.Ws, p.bs, L, C, d), p.E) : Float64Array.from(p.E);
  let X: Float64Array = new Float64Array(B * L * d);
  for (let b = 0; b < B; b++) X.set(Q0, b * L * d);
  const tok = ln(linearForward(batch.F, p.Wf, p.bf, B * T, C, d), p.mg, p.mb, B * T, d, eps);
  const pool = ln(linearForward(g.x, p.Wp, p.bp, B, g.K, d), p.pg, p.pb, B, d, eps);
  const M = new Float64Array(B * Tm * d);
  const mask = new Float64Array(B * Tm);
  for (let b = 0; b < B; b++) {
    M.set(tok.y.subarray(b * T * d, (b + 1) * T * d), b * Tm * d);
    M.set(pool.y.subarray(b * d, (b + 1) * d), (b * Tm + T) * d);
    mask.set(batch.mask.subarray(b * T, (b + 1) * T), b * Tm);
    mask[b * Tm + T] = 1;
  }
  const layers = [];
  const rows = B * L;
  for (let i = 0; i < N; i++) {
    const l = `l${i}.`;
    const dropMask = (site: YTuningDropoutSite, n: number) =>
      train && r.dropout > 0 ? dropoutMask(n, ytuningDropout(r, train.step, i, site)) : null;
    const drop = { s: dropMask('selfAttnOut', rows * d), c: dropMask('crossAttnOut', rows * d), act: dropMask('ffnAct', rows * ffn), f: dropMask('ffnOut', rows * d) };
    const X0 = X;
    const a1 = ln(X0, p[l + 'ln1g'], p[l + 'ln1b'], rows, d, eps);
    const sq = linearForward(a1.y, p[l + 'Wsq'], p[l + 'bsq'], rows, d, d);
    const sk = linearForward(a1.y, p[l + 'Wsk'], null, rows, d, d);
    const sv = linearForward(a1.y, p[l + 'Wsv'], p[l + 'bsv'], rows, d, d);
    const sa = attentionForward(sq, sk, sv, null, { B, Lq: L, Lk: L, H, dh });
    const X1 = add(X0, masked(linearForward(sa.out, p[l + 'Wso'], p[l + 'bso'], rows, d, d), drop.s));
    const a2 = ln(X1, p[l + 'ln2g'], p[l + 'ln2b'], rows, d, eps);
    const cq = linearForward(a2.y, p[l + 'Wcq'], p[l + 'bcq'], rows, d, d);
    const ck = linearForward(M, p[l + 'Wck'], null, B * Tm, d, d);
    const cv = linearForward(M, p[l + 'Wcv'], p[l + 'bcv'], B * Tm, d, d);
    const ca = attentionForward(cq, ck, cv, mask, { B, Lq: L, Lk: Tm, H, dh });
    const X2 = add(X1, masked(linearForward(ca.out, p[l + 'Wco'], p[l + 'bco'], rows, d, d), drop.c));
    const a3 = ln(X2, p[l + 'ln3g'], p[l + 'ln3b'], rows, d, eps);
    const pre = linearForward(a3.y, p[l + 'W1'], p[l + 'b1'], rows, d, ffn);
    const act = masked(geluForward(pre), drop.act);
    X = add(X2, masked(linearForward(act, p[l + 'W2'], p[l + 'b2'], rows, ffn, d), drop.f));
    layers.push({ a1, sq, sk, sv, sa, a2, cq, ck, cv, ca, a3, pre, act, drop });
  }
  const fin = ln(X, p.lnfg, new Float64Array(d), rows, d, eps); // no shift (see ytuning-config.ts)
  const logits = linearForward(fin.y, p.u, null, rows, d, 1);
  for (let b = 0; b < B; b++) for (let k = 0; k < L; k++) logits[b * L + k] += p.c[k];
  if (r.pair) {
    const sc = linearForward(g.x, p.Wsc, null, B, g.K, L);
    for (let j = 0; j < B * L; j++) logits[j] += sc[j];
  }
  return { logits, cache: { batch, g, tok, pool, M, mask, layers, fin } };
}

export type YTuningRefCache = ReturnType<typeof ytuningForwardRef>['cache'];

/** Gradients of every parameter (fresh arrays) from dLogits (B, L). */
export function ytuningBackwardRef(r: YTuningResolved, p: P, cache: YTuningRefCache, dLogits: Float64Array): P {
  const { C, L, d, H, N, ffn } = r;
  const { B, T } = cache.batch;
  const dh = d / H;
  const Tm = T + 1;
  const rows = B * L;
  const g: P = {};
  for (const k of Object.keys(p)) g[k] = new Float64Array(p[k].length);
  for (let b = 0; b < B; b++) for (let k = 0; k < L; k++) g.c[k] += dLogits[b * L + k];
  const lu = linearBackward(cache.fin.y, p.u, dLogits, rows, d, 1);
  acc(g, 'u', lu.dW);
  const fb = layerNormBackward(cache.fin.x, p.lnfg, cache.fin.mean, cache.fin.rstd, lu.dX, { rows, dim: d });
  acc(g, 'lnfg', fb.dGamma);
  let dX = fb.dX;
  const dM = new Float64Array(B * Tm * d);
  const lnb = (a: LN, gn: string, bn: string, dY: Float64Array, rws = rows) => {
    const o = layerNormBackward(a.x, p[gn], a.mean, a.rstd, dY, { rows: rws, dim: d });
    acc(g, gn, o.dGamma);
    acc(g, bn, o.dBeta);
    return o.dX;
  };
  const lin = (x: Float64Array, w: string, b: string | null, dY: Float64Array, rws: number, K: number, Nn: number) => {
    const o = linearBackward(x, p[w], dY, rws, K, Nn);
    acc(g, w, o.dW);
    if (b) acc(g, b, o.db);
    return o.dX;
  };
  for (let i = N - 1; i >= 0; i--) {
    const l = `l${i}.`;
    const c = cache.layers[i];
    // FFN block
    const dAct = lin(c.act, l + 'W2', l + 'b2', masked(dX, c.drop.f), rows, ffn, d);
    const dPre = geluBackward(c.pre, masked(dAct, c.drop.act));
    const dA3 = lin(c.a3.y, l + 'W1', l + 'b1', dPre, rows, d, ffn);
    dX = add(dX, lnb(c.a3, l + 'ln3g', l + 'ln3b', dA3));
    // cross-attention block
    const dCa = lin(c.ca.out, l + 'Wco', l + 'bco', masked(dX, c.drop.c), rows, d, d);
    const cb = attentionBackward(c.cq, c.ck, c.cv, c.ca.probs, dCa, { B, Lq: L, Lk: Tm, H, dh });
    const dA2 = lin(c.a2.y, l + 'Wcq', l + 'bcq', cb.dQ, rows, d, d);
    const dMk = lin(cache.M, l + 'Wck', null, cb.dK, B * Tm, d, d);
    const dMv = lin(cache.M, l + 'Wcv', l + 'bcv', cb.dV, B * Tm, d, d);
    for (let j = 0; j < dM.length; j++) dM[j] += dMk[j] + dMv[j];
    dX = add(dX, lnb(c.a2, l + 'ln2g', l + 'ln2b', dA2));
    // self-attention block
    const dSa = lin(c.sa.out, l + 'Wso', l + 'bso', masked(dX, c.drop.s), rows, d, d);
    const sb = attentionBackward(c.sq, c.sk, c.sv, c.sa.probs, dSa, { B, Lq: L, Lk: L, H, dh });
    const dA1 = add(add(lin(c.a1.y, l + 'Wsq', l + 'bsq', sb.dQ, rows, d, d), lin(c.a1.y, l + 'Wsk', null, sb.dK, rows, d, d)), lin(c.a1.y, l + 'Wsv', l + 'bsv', sb.dV, rows, d, d));
    dX = add(dX, lnb(c.a1, l + 'ln1g', l + 'ln1b', dA1));
  }
  // queries: dQ0 = sum over the batch
  const dQ0 = new Float64Array(L * d);
  for (let b = 0; b < B; b++) for (let j = 0; j < L * d; j++) dQ0[j] += dX[b * L * d + j];
  acc(g, 'E', dQ0);
  if (r.seeds) lin(r.seeds, 'Ws', 'bs', dQ0, L, C, d);
  // memory: split dM into token rows and the pooled row
  const dTok = new Float64Array(B * T * d);
  const dPool = new Float64Array(B * d);
  for (let b = 0; b < B; b++) {
    dTok.set(dM.subarray(b * Tm * d, (b * Tm + T) * d), b * T * d);
    dPool.set(dM.subarray((b * Tm + T) * d, (b * Tm + T + 1) * d), b * d);
  }
  lin(cache.batch.F, 'Wf', 'bf', lnb(cache.tok, 'mg', 'mb', dTok, B * T), B * T, C, d);
  lin(cache.g.x, 'Wp', 'bp', lnb(cache.pool, 'pg', 'pb', dPool, B), B, cache.g.K, d);
  if (r.pair) lin(cache.g.x, 'Wsc', null, dLogits, B, cache.g.K, L);
  return g;
}
