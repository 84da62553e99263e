// The L-Tuning prompt head (src/heads/ltuning-prompt.ts) in float64, forward and backward: the oracle for the GPU
// head. Unlike the paper the prompt does not enter the frozen encoder: it attends over cached token features.
//   e = s G (L, C) (G init identity), x = e Wf + bf (L, d): label l's prompt token (Wf, bf shared with the text)
//   M = LN_m(F Wf + bf) (B, T, d); one attention layer where each prompt attends over ITS text's tokens only
//   (keys M Wk without bias, values M Wv + bv, key padding mask; the prompt is not one of its own keys):
//   h[b, l] = x[l] + MHA(x Wq + bq, keys_b, values_b)[l] Wo + bo      (B, L, d)
//   z[b, l] = <LN_f(h[b, l]), u> + c   (LN_f has a scale, no shift; c is one scalar)
import { attentionBackward, attentionForward } from '../attention';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { linearBackward, linearForward } from '../matmul';
import type { LTuningResolved } from '../../src/heads/ltuning-config';
import type { LTuningRefBatch } from './ltuning-prefix';

type P = Record<string, Float64Array>;

export function ltuningPromptForwardRef(r: LTuningResolved, p: P, batch: LTuningRefBatch) {
  const { C, L, d, H, lnEps: eps } = r;
  const { B, T } = batch;
  const e = linearForward(r.seeds!, p.G, null, L, C, C);
  const x = linearForward(e, p.Wf, p.bf, L, C, d);
  const qs = linearForward(x, p.Wq, p.bq, L, d, d);
  const q = new Float64Array(B * L * d);
  for (let b = 0; b < B; b++) q.set(qs, b * L * d);
  const tokPre = linearForward(batch.F, p.Wf, p.bf, B * T, C, d);
  const tok = layerNormForward(tokPre, p.mg, p.mb, { rows: B * T, dim: d }, eps);
  const k = linearForward(tok.y, p.Wk, null, B * T, d, d);
  const v = linearForward(tok.y, p.Wv, p.bv, B * T, d, d);
  const att = attentionForward(q, k, v, batch.mask, { B, Lq: L, Lk: T, H, dh: d / H });
  const o = linearForward(att.out, p.Wo, p.bo, B * L, d, d);
  const h = new Float64Array(B * L * d);
  for (let b = 0; b < B; b++) for (let i = 0; i < L * d; i++) h[b * L * d + i] = x[i] + o[b * L * d + i];
  const fin = layerNormForward(h, p.lnfg, new Float64Array(d), { rows: B * L, dim: d }, eps);
  const logits = linearForward(fin.y, p.u, p.c, B * L, d, 1);
  return { logits, cache: { batch, e, x, q, tokPre, tok, k, v, att, h, fin } };
}

export type LTuningPromptRefCache = ReturnType<typeof ltuningPromptForwardRef>['cache'];

/** Gradients of every parameter (fresh arrays) from dLogits (B, L). */
export function ltuningPromptBackwardRef(r: LTuningResolved, p: P, cache: LTuningPromptRefCache, dLogits: Float64Array): P {
  const { C, L, d, H } = r;
  const { B, T } = cache.batch;
  const gr: P = {};
  for (const key of Object.keys(p)) gr[key] = new Float64Array(p[key].length);
  const acc = (name: string, x: Float64Array) => x.forEach((v, i) => (gr[name][i] += v));
  const lu = linearBackward(cache.fin.y, p.u, dLogits, B * L, d, 1);
  acc('u', lu.dW);
  acc('c', lu.db);
  const fb = layerNormBackward(cache.h, p.lnfg, cache.fin.mean, cache.fin.rstd, lu.dX, { rows: B * L, dim: d });
  acc('lnfg', fb.dGamma);
  const ob = linearBackward(cache.att.out, p.Wo, fb.dX, B * L, d, d);
  acc('Wo', ob.dW);
  acc('bo', ob.db);
  const ab = attentionBackward(cache.q, cache.k, cache.v, cache.att.probs, ob.dX, { B, Lq: L, Lk: T, H, dh: d / H });
  const dqs = new Float64Array(L * d);
  const dx = new Float64Array(L * d);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < L * d; i++) {
      dqs[i] += ab.dQ[b * L * d + i];
      dx[i] += fb.dX[b * L * d + i];
    }
  }
  const qb = linearBackward(cache.x, p.Wq, dqs, L, d, d);
  acc('Wq', qb.dW);
  acc('bq', qb.db);
  for (let i = 0; i < L * d; i++) dx[i] += qb.dX[i];
  const xb = linearBackward(cache.e, p.Wf, dx, L, C, d);
  acc('Wf', xb.dW);
  acc('bf', xb.db);
  acc('G', linearBackward(r.seeds!, p.G, xb.dX, L, C, C).dW);
  // memory
  const kb = linearBackward(cache.tok.y, p.Wk, ab.dK, B * T, d, d);
  const vb = linearBackward(cache.tok.y, p.Wv, ab.dV, B * T, d, d);
  acc('Wk', kb.dW);
  acc('Wv', vb.dW);
  acc('bv', vb.db);
  const dM = kb.dX.map((v, i) => v + vb.dX[i]);
  const mb = layerNormBackward(cache.tokPre, p.mg, cache.tok.mean, cache.tok.rstd, dM, { rows: B * T, dim: d });
  acc('mg', mb.dGamma);
  acc('mb', mb.dBeta);
  const fwb = linearBackward(cache.batch.F, p.Wf, mb.dX, B * T, C, d);
  acc('Wf', fwb.dW);
  acc('bf', fwb.db);
  return gr;
}
