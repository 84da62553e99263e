// One transformer layer of an EncoderSpec in float64, forward and backward, assembled from the reference ops
// (matmul's linear, layernorm, attention, gelu, activation). Both forms of src/model/spec.ts:
//   post (BERT):     x1 = LN1(x + Attn(x));       out = LN2(x1 + FFN(x1))
//   pre (USE-lite):  y = Attn(LN1(x)) + skip(x);  out = y + FFN(LN2(y))      (skip: a linear map or identity)
// Attn(h) = (softmax(scale q k^T over kept keys) v) Wo + bo with q, k, v = h W + b per head.
// Design decision: an optional prefix (L-Tuning, issue 10) gives P past keys and values per example that are
// prepended to this layer's keys and values and always attended (key mask 1); its gradients come back as dK, dV.
// Masked keys are EXCLUDED from the softmax (reference/attention.ts), which equals the graphs' additive bias
// (-1e9, float min or -10000: exp underflows to exactly 0 in float64) whenever a row has a kept key.
import { attentionBackward, attentionForward } from '../attention';
import { activationBackward, activationForward } from '../activation';
import { geluBackward, geluForward } from '../gelu';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { linearBackward, linearForward } from '../matmul';
import type { EncoderLayerSpec, LayerNormSpec, LinearSpec } from '../../src/model/spec';

export type Params = Map<string, Float64Array>;

export interface PrefixKV {
  /** (B, P, heads*headDim) */
  k: Float64Array;
  v: Float64Array;
}

export interface LayerCache {
  x: Float64Array;
  h: Float64Array; // the input of q/k/v (x or LN1(x))
  ln1?: { mean: Float64Array; rstd: Float64Array; x: Float64Array };
  q: Float64Array;
  K: Float64Array; // (B, P+L, W) with the prefix
  V: Float64Array;
  probs: Float64Array;
  ctx: Float64Array;
  r1: Float64Array; // post: x + a (LN1 input); pre: y
  x1: Float64Array; // the FFN input (post: LN1 out; pre: LN2 out)
  ln2a: { mean: Float64Array; rstd: Float64Array }; // the LN after attention (post: LN1) or before the FFN (pre: LN2)
  u: Float64Array;
  g: Float64Array;
  r2: Float64Array; // post: x1 + f (LN2 input)
  ln2b?: { mean: Float64Array; rstd: Float64Array };
}

export interface LayerShape {
  B: number;
  L: number;
  /** Prefix length (0: none). */
  P: number;
}

const get = (p: Params, name: string): Float64Array => {
  const t = p.get(name);
  if (!t) throw new Error(`reference encoder: no parameter "${name}"`);
  return t;
};

const lin = (p: Params, n: string, l: LinearSpec, x: Float64Array, rows: number) =>
  linearForward(x, get(p, `${n}.W`), l.b ? get(p, `${n}.b`) : null, rows, l.in, l.out);

function linBack(p: Params, n: string, l: LinearSpec, x: Float64Array, dY: Float64Array, rows: number, grads: Params): Float64Array {
  const { dX, dW, db } = linearBackward(x, get(p, `${n}.W`), dY, rows, l.in, l.out);
  acc(grads, `${n}.W`, dW);
  if (l.b) acc(grads, `${n}.b`, db);
  return dX;
}

export function acc(grads: Params, name: string, d: Float64Array): void {
  const g = grads.get(name);
  if (!g) grads.set(name, Float64Array.from(d));
  else for (let i = 0; i < d.length; i++) g[i] += d[i];
}

const ln = (p: Params, n: string, s: LayerNormSpec, x: Float64Array, rows: number, dim: number) =>
  layerNormForward(x, get(p, `${n}.gamma`), get(p, `${n}.beta`), { rows, dim }, s.eps);

function lnBack(p: Params, n: string, x: Float64Array, st: { mean: Float64Array; rstd: Float64Array }, dY: Float64Array, rows: number, dim: number, grads: Params) {
  const r = layerNormBackward(x, get(p, `${n}.gamma`), st.mean, st.rstd, dY, { rows, dim });
  acc(grads, `${n}.gamma`, r.dGamma);
  acc(grads, `${n}.beta`, r.dBeta);
  return r.dX;
}

const add = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);

/** Per example: P prefix rows then L token rows. */
function withPrefix(pre: Float64Array | null, x: Float64Array, B: number, P: number, L: number, W: number): Float64Array {
  if (!pre || P === 0) return x;
  const out = new Float64Array(B * (P + L) * W);
  for (let b = 0; b < B; b++) {
    out.set(pre.subarray(b * P * W, (b + 1) * P * W), b * (P + L) * W);
    out.set(x.subarray(b * L * W, (b + 1) * L * W), (b * (P + L) + P) * W);
  }
  return out;
}

function splitPrefix(d: Float64Array, B: number, P: number, L: number, W: number): { pre: Float64Array; x: Float64Array } {
  const pre = new Float64Array(B * P * W);
  const x = new Float64Array(B * L * W);
  for (let b = 0; b < B; b++) {
    pre.set(d.subarray(b * (P + L) * W, (b * (P + L) + P) * W), b * P * W);
    x.set(d.subarray((b * (P + L) + P) * W, (b + 1) * (P + L) * W), b * L * W);
  }
  return { pre, x };
}

const act = (s: EncoderLayerSpec, u: Float64Array) => (s.activation === 'gelu' ? geluForward(u) : activationForward('relu', u));
const actBack = (s: EncoderLayerSpec, u: Float64Array, g: Float64Array, dG: Float64Array) =>
  s.activation === 'gelu' ? geluBackward(u, dG) : activationBackward('relu', g, dG);

/** Forward of layer `i`; keyMask (B, P+L) covers prefix and tokens. */
export function layerForward(p: Params, s: EncoderLayerSpec, i: number, x: Float64Array, keyMask: Float64Array, sh: LayerShape, prefix: PrefixKV | null): { out: Float64Array; cache: LayerCache } {
  const { B, L, P } = sh;
  const N = B * L;
  const n = `layers.${i}`;
  const W = s.heads * s.headDim;
  let h = x;
  let ln1: LayerCache['ln1'];
  if (s.norm === 'pre') {
    const r = ln(p, `${n}.ln1`, s.ln1, x, N, s.inWidth);
    h = r.y;
    ln1 = { mean: r.mean, rstd: r.rstd, x };
  }
  const q = lin(p, `${n}.q`, s.q, h, N);
  const K = withPrefix(prefix?.k ?? null, lin(p, `${n}.k`, s.k, h, N), B, P, L, W);
  const V = withPrefix(prefix?.v ?? null, lin(p, `${n}.v`, s.v, h, N), B, P, L, W);
  const att = attentionForward(q, K, V, keyMask, { B, Lq: L, Lk: P + L, H: s.heads, dh: s.headDim, scale: s.scale });
  const a = lin(p, `${n}.attnOut`, s.attnOut, att.out, N);
  const C = s.outWidth;
  if (s.norm === 'post') {
    const r1 = add(x, a);
    const l1 = ln(p, `${n}.ln1`, s.ln1, r1, N, C);
    const u = lin(p, `${n}.ffnIn`, s.ffnIn, l1.y, N);
    const g = act(s, u);
    const r2 = add(l1.y, lin(p, `${n}.ffnOut`, s.ffnOut, g, N));
    const l2 = ln(p, `${n}.ln2`, s.ln2, r2, N, C);
    return { out: l2.y, cache: { x, h, q, K, V, probs: att.probs, ctx: att.out, r1, x1: l1.y, ln2a: l1, u, g, r2, ln2b: l2 } };
  }
  const y = add(a, s.skip ? lin(p, `${n}.skip`, s.skip, x, N) : x);
  const l2 = ln(p, `${n}.ln2`, s.ln2, y, N, C);
  const u = lin(p, `${n}.ffnIn`, s.ffnIn, l2.y, N);
  const g = act(s, u);
  const out = add(y, lin(p, `${n}.ffnOut`, s.ffnOut, g, N));
  return { out, cache: { x, h, ln1, q, K, V, probs: att.probs, ctx: att.out, r1: y, x1: l2.y, ln2a: l2, u, g, r2: out } };
}

/** Backward of layer `i`: dX of the layer input and the prefix's dK, dV; weight gradients accumulate into grads. */
export function layerBackward(p: Params, s: EncoderLayerSpec, i: number, c: LayerCache, dOut: Float64Array, sh: LayerShape, grads: Params): { dX: Float64Array; dPrefix: PrefixKV | null } {
  const { B, L, P } = sh;
  const N = B * L;
  const n = `layers.${i}`;
  const W = s.heads * s.headDim;
  const C = s.outWidth;
  let dR1: Float64Array; // gradient of the attention residual sum
  if (s.norm === 'post') {
    const dR2 = lnBack(p, `${n}.ln2`, c.r2, c.ln2b!, dOut, N, C, grads);
    const dG = linBack(p, `${n}.ffnOut`, s.ffnOut, c.g, dR2, N, grads);
    const dX1 = add(dR2, linBack(p, `${n}.ffnIn`, s.ffnIn, c.x1, actBack(s, c.u, c.g, dG), N, grads));
    dR1 = lnBack(p, `${n}.ln1`, c.r1, c.ln2a, dX1, N, C, grads);
  } else {
    const dG = linBack(p, `${n}.ffnOut`, s.ffnOut, c.g, dOut, N, grads);
    const dN2 = linBack(p, `${n}.ffnIn`, s.ffnIn, c.x1, actBack(s, c.u, c.g, dG), N, grads);
    dR1 = add(dOut, lnBack(p, `${n}.ln2`, c.r1, c.ln2a, dN2, N, C, grads));
  }
  const dCtx = linBack(p, `${n}.attnOut`, s.attnOut, c.ctx, dR1, N, grads);
  const at = attentionBackward(c.q, c.K, c.V, c.probs, dCtx, { B, Lq: L, Lk: P + L, H: s.heads, dh: s.headDim, scale: s.scale });
  const dk = P > 0 ? splitPrefix(at.dK, B, P, L, W) : { pre: new Float64Array(0), x: at.dK };
  const dv = P > 0 ? splitPrefix(at.dV, B, P, L, W) : { pre: new Float64Array(0), x: at.dV };
  let dH = linBack(p, `${n}.q`, s.q, c.h, at.dQ, N, grads);
  dH = add(dH, linBack(p, `${n}.k`, s.k, c.h, dk.x, N, grads));
  dH = add(dH, linBack(p, `${n}.v`, s.v, c.h, dv.x, N, grads));
  let dX: Float64Array;
  if (s.norm === 'post') dX = add(dR1, dH);
  else {
    const dSkip = s.skip ? linBack(p, `${n}.skip`, s.skip, c.x, dR1, N, grads) : dR1;
    dX = add(dSkip, lnBack(p, `${n}.ln1`, c.x, c.ln1!, dH, N, s.inWidth, grads));
  }
  return { dX, dPrefix: P > 0 ? { k: dk.pre, v: dv.pre } : null };
}
